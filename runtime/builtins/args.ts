/**
 * What every group of builtins shares: the shape of a builtin and of a
 * group, and the readers of arguments (each error says which argument is
 * wrong and why).
 *
 * @module
 */

import { fitsInt, INT_RANGE_TEXT } from "../../dsl/int_range.ts";
import { ArgumentError, ScriptError } from "../errors.ts";
import {
  formatValue,
  Handle,
  type Method,
  type NativeMethod,
  typeName,
  type Value,
} from "../values.ts";
import type { World } from "../world.ts";

/** A builtin function. */
export interface Builtin {
  /** Parameter names; a trailing `?` marks an optional one. */
  params: readonly string[];
  /** What it does, in one line (for `--help` and the docs). */
  doc: string;
  /** The implementation. */
  fn: (w: World, args: Value[]) => Value;
}

/** A named constant: its value on a world (undefined where it has none). */
export type Constant = (w: World) => Value | undefined;

/** The builtins and constants of one subsystem. */
export interface BuiltinGroup {
  /** The group's title, for `--help`. */
  title: string;
  /** Its builtin functions, by name. */
  builtins: Readonly<Record<string, Builtin>>;
  /** Its constants, by name. */
  constants: Readonly<Record<string, Constant>>;
}

/**
 * A handle method with its parameter list (checked at each call).
 *
 * @example
 * ```ts ignore
 * const m = method(["byte"], ([b]) => null);
 * ```
 */
export function method(params: readonly string[], fn: NativeMethod): Method {
  return { params, fn };
}

/** How many bytes `read_str` reads at most, and how long a string may grow. */
export const MAX_STRING_BYTES = 16 << 20;

/** An integer argument (`true` and `false` count as 1 and 0). */
export function int(v: Value, what: string): bigint {
  if (typeof v === "bigint") return v;
  if (typeof v === "boolean") return v ? 1n : 0n;
  throw new ScriptError(`${what} must be an integer, not ${typeName(v)} ${formatValue(v)}`);
}

/** An integer argument the models take as a JavaScript number (exact up to 2^53). */
export function num(v: Value, what: string): number {
  const b = int(v, what);
  if (b < -(2n ** 53n) || b > 2n ** 53n) {
    throw new ScriptError(`${what} ${formatValue(v)} is too large here (above 2^53)`);
  }
  return Number(b);
}

/** A string argument. */
export function str(v: Value, what: string): string {
  if (typeof v !== "string") throw new ScriptError(`${what} must be a string, not ${typeName(v)}`);
  return v;
}

/** The object behind a handle argument of the given type. */
export function handle<T>(v: Value, type: string, what: string): T {
  if (!(v instanceof Handle) || v.type !== type) {
    throw new ScriptError(`${what} must be a ${type}, not ${typeName(v)}`);
  }
  return v.target as T;
}

/** A number as a script integer. */
export const big = (n: number): bigint => BigInt(n);

/**
 * A value stored by an access of `bits` bits: signed or unsigned, it must
 * fit (`-2^(bits-1) .. 2^bits - 1`); the result is the unsigned pattern.
 */
export function fitting(v: Value, bits: number, what: string): bigint {
  const b = int(v, what);
  const width = BigInt(bits);
  const lo = -(1n << (width - 1n));
  const hi = (1n << width) - 1n;
  if (b < lo || b > hi) {
    throw new ArgumentError(
      what,
      `${what} ${formatValue(b)} does not fit in ${bits} bits (${lo} .. ${formatValue(hi)})`,
    );
  }
  return BigInt.asUintN(bits, b);
}

/** An integer that must be above zero (an alignment, a divisor). */
export function positive(v: Value, what: string): bigint {
  const b = int(v, what);
  if (b <= 0n) throw new ArgumentError(what, `${what} ${b} must be positive`);
  return b;
}

/** A builtin's result, which must stay in the integer range. */
export function checkedInt(v: bigint, what: string): bigint {
  if (!fitsInt(v)) throw new ScriptError(`${what}: ${v} is outside ${INT_RANGE_TEXT}`);
  return v;
}

/** A length or count: not negative, and at most `max` when given. */
export function length(v: Value, what: string, max?: number): number {
  const n = num(v, what);
  if (n < 0) throw new ArgumentError(what, `${what} ${n} is negative`);
  if (max !== undefined && n > max) {
    throw new ArgumentError(what, `${what} ${n} is more than the limit of ${max}`);
  }
  return n;
}
