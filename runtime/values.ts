/**
 * The values of `.mms` scripts: exact integers (`bigint`), booleans,
 * strings, `null`, records (`dma.bus_addr`), handles (allocators, pages,
 * page tables) and procedures.
 *
 * @module
 */

import type { Stmt } from "../dsl/ast.ts";

/** A record: named fields, printed as `{a: 1, b: 2}`. */
export class Rec {
  /** What the record is (`DMAInfo`, `mm_stat`, ...). */
  readonly type: string;
  /** The fields. */
  readonly fields: Readonly<Record<string, Value>>;
  /** Creates a record. */
  constructor(type: string, fields: Record<string, Value>) {
    this.type = type;
    this.fields = fields;
  }
}

/** A native method: `handle.name(args)`. */
export type NativeMethod = (args: Value[]) => Value;

/** A method of a handle: its parameters (a trailing `?` marks an optional one) and code. */
export interface Method {
  /** Parameter names, for arity checks and messages. */
  readonly params: readonly string[];
  /** The implementation. */
  readonly fn: NativeMethod;
}

/** An object with fields and methods (an allocator, a page, a page table). */
export class Handle {
  /** What it is. */
  readonly type: string;
  /** The wrapped native object. */
  readonly target: unknown;
  /** Its fields, computed on access. */
  readonly fields: Readonly<Record<string, () => Value>>;
  /** Its methods. */
  readonly methods: Readonly<Record<string, Method>>;
  /** Creates a handle. */
  constructor(
    type: string,
    target: unknown,
    fields: Record<string, () => Value>,
    methods: Record<string, Method>,
  ) {
    this.type = type;
    this.target = target;
    this.fields = fields;
    this.methods = methods;
  }
}

/** A user-defined procedure. */
export class ProcValue {
  /** Its name. */
  readonly name: string;
  /** Its parameter names. */
  readonly params: readonly string[];
  /** Its body. */
  readonly body: readonly Stmt[];
  /** The file it was defined in. */
  readonly file: string;
  /** Creates a procedure value. */
  constructor(name: string, params: string[], body: Stmt[], file: string) {
    this.name = name;
    this.params = params;
    this.body = body;
    this.file = file;
  }
}

/** A method bound to its handle (`handle.name`), or a builtin used as a value. */
export class BoundMethod {
  /** The name it is called by (`h.dealloc`, `kmalloc`). */
  readonly name: string;
  /** Its parameters, checked at each call. */
  readonly params: readonly string[];
  /** The function. */
  readonly fn: NativeMethod;
  /** Creates a bound method. */
  constructor(name: string, params: readonly string[], fn: NativeMethod) {
    this.name = name;
    this.params = params;
    this.fn = fn;
  }
}

/** Every value a script can hold. */
export type Value = bigint | boolean | string | null | Rec | Handle | ProcValue | BoundMethod;

/** The type name of a value, for messages. */
export function typeName(v: Value): string {
  if (v === null) return "null";
  if (typeof v === "bigint") return "integer";
  if (typeof v === "boolean") return "boolean";
  if (typeof v === "string") return "string";
  if (v instanceof Rec) return v.type;
  if (v instanceof Handle) return v.type;
  if (v instanceof ProcValue) return "procedure";
  return "method";
}

/**
 * Formats a value for `print` and messages: integers from 2^28 up in hex
 * (they are almost always addresses), smaller ones in decimal. `hex(x)` and
 * `dec(x)` choose explicitly.
 *
 * @example
 * ```ts
 * import { formatValue } from "./values.ts";
 * console.log(formatValue(0xffff_ffc0_8020_0000n), formatValue(4096n)); // 0xffffffc080200000 4096
 * ```
 */
export function formatValue(v: Value): string {
  if (v === null) return "null";
  if (typeof v === "bigint") {
    return v >= ADDRESS_LIKE ? "0x" + v.toString(16) : v.toString();
  }
  if (typeof v === "boolean" || typeof v === "string") return String(v);
  if (v instanceof Rec) {
    return `${v.type} {${
      Object.entries(v.fields).map(([k, x]) => `${k}: ${formatValue(x)}`).join(", ")
    }}`;
  }
  if (v instanceof Handle) {
    const f = Object.entries(v.fields).slice(0, 3).map(([k, g]) => `${k}: ${formatValue(g())}`);
    return `${v.type}${f.length ? ` {${f.join(", ")}}` : ""}`;
  }
  if (v instanceof ProcValue) return `proc ${v.name}(${v.params.join(", ")})`;
  return `method ${v.name}`;
}

/** From here up `print` shows any integer in hex (an address); below, only addresses. */
export const ADDRESS_LIKE: bigint = 1n << 28n;

/** Whether a value counts as true in `if` and `expect`. */
export function truthy(v: Value): boolean {
  if (v === null || v === false) return false;
  if (typeof v === "bigint") return v !== 0n;
  if (typeof v === "string") return v.length > 0;
  return true;
}
