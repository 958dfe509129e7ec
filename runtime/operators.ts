/**
 * The operators of `.mms` expressions on values: exact, checked integer
 * arithmetic, 64-bit bit operators, string concatenation within the
 * string limit, and equality of 64-bit patterns.
 *
 * @module
 */

import { fitsInt, INT_RANGE_TEXT } from "../dsl/int_range.ts";
import { MAX_STRING_BYTES } from "./builtins.ts";
import { ScriptError } from "./errors.ts";
import { formatValue, typeName, type Value } from "./values.ts";

/** `v`, unless it left the integer range (an error). */
export function checkRange(v: bigint): bigint {
  if (!fitsInt(v)) {
    throw new ScriptError(`integer overflow: ${v} is outside ${INT_RANGE_TEXT}`);
  }
  return v;
}

/** `v` as an integer for operator `op`, or an error naming its type. */
export function intOf(v: Value, op: string): bigint {
  if (typeof v === "bigint") return v;
  throw new ScriptError(`'${op}' needs integers, not ${typeName(v)} ${formatValue(v)}`);
}

/** `a + b`, unless the result would be longer than strings may grow. */
export function boundedString(a: string, b: string): string {
  if (a.length + b.length > MAX_STRING_BYTES) {
    throw new ScriptError(
      `a string of ${
        a.length + b.length
      } characters is longer than the limit of ${MAX_STRING_BYTES}`,
    );
  }
  return a + b;
}

/** Applies a binary operator (not `&&` / `||`). */
export function binop(op: string, l: Value, r: Value): Value {
  switch (op) {
    case "==":
      return equal(l, r);
    case "!=":
      return !equal(l, r);
    case "+":
      if (typeof l === "string" || typeof r === "string") {
        return boundedString(formatValue(l), formatValue(r));
      }
      return checkRange(intOf(l, op) + intOf(r, op));
  }
  const a = intOf(l, op);
  const b = intOf(r, op);
  switch (op) {
    case "-":
      return checkRange(a - b);
    case "*":
      return checkRange(a * b);
    case "/":
      if (b === 0n) throw new ScriptError("division by zero");
      return a / b;
    case "%":
      if (b === 0n) throw new ScriptError("remainder by zero");
      return a % b;
    case "<":
      return a < b;
    case "<=":
      return a <= b;
    case ">":
      return a > b;
    case ">=":
      return a >= b;
    // Bit operators work on the 64-bit patterns and give unsigned results.
    case "&":
      return BigInt.asUintN(64, a) & BigInt.asUintN(64, b);
    case "|":
      return BigInt.asUintN(64, a) | BigInt.asUintN(64, b);
    case "^":
      return BigInt.asUintN(64, a) ^ BigInt.asUintN(64, b);
    case "<<":
      if (b < 0n || b > 64n) throw new ScriptError(`shift by ${b} (shifts take 0 .. 64)`);
      return BigInt.asUintN(64, a << b);
    case ">>":
      if (b < 0n || b > 64n) throw new ScriptError(`shift by ${b} (shifts take 0 .. 64)`);
      return BigInt.asUintN(64, a) >> b;
  }
  throw new ScriptError(`unknown operator ${op}`);
}

/** Equality; integers are equal when their 64-bit patterns are (`-1 == 0xffff_ffff_ffff_ffff`). */
function equal(a: Value, b: Value): boolean {
  if (typeof a === "bigint" && typeof b === "bigint") {
    return BigInt.asUintN(64, a) === BigInt.asUintN(64, b);
  }
  return a === b;
}
