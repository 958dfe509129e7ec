/**
 * Errors of running `.mms` scripts, and the names `expect error` matches.
 *
 * @module
 */

import type { Loc } from "../dsl/ast.ts";
import { AllocError } from "../mm/allocator/alloc_error.ts";
import { KfreeError } from "../mm/dragonos/kmalloc.ts";
import { PageTableError, TranslationFault } from "../mm/dragonos/page_table.ts";
import { AxError, PageReleasedError } from "../mm/axalloc/global_page.ts";
import { KernelPanic } from "../mm/axalloc/kernel_memory.ts";
import { PhysicalMemoryError } from "../hal/physical_memory.ts";
import { AddressRangeError } from "../hal/address.ts";
import { PlatformError } from "../hal/platform.ts";

/** A place in a script: file and location. */
export interface Site {
  /** The file. */
  file: string;
  /** The location. */
  loc: Loc;
}

/** The script did something the language does not allow (a type error, an unknown name). */
export class ScriptError extends Error {
  /** The error class's name. */
  override readonly name = "ScriptError";
  /** Creates the error. */
  constructor(message: string) {
    super(message);
  }
}

/**
 * An argument the call does not accept: a value wider than the access, a
 * negative length, an unknown option. `expect error InvalidArgument` matches it.
 */
export class ArgumentError extends Error {
  /** The error class's name. */
  override readonly name = "ArgumentError";
  /** Which argument is wrong. */
  readonly argument: string;
  /** Creates the error. */
  constructor(argument: string, message: string) {
    super(message);
    this.argument = argument;
  }
}

/** A failed `expect`. */
export class ExpectationFailed extends Error {
  /** The error class's name. */
  override readonly name = "ExpectationFailed";
  /** Creates the failure report. */
  constructor(message: string) {
    super(message);
  }
}

/** `return` unwinding a procedure (internal). */
export class ReturnSignal {
  /** The returned value. */
  readonly value: unknown;
  /** Creates the signal. */
  constructor(value: unknown) {
    this.value = value;
  }
}

/** An error while running a script, with where it happened and the include chain. */
export class RunError extends Error {
  /** The error class's name. */
  override readonly name = "RunError";
  /** The statement that failed. */
  readonly site: Site;
  /** The error the statement raised. */
  readonly error: Error;
  /** The chain of `include` statements that led to the file, outermost first. */
  readonly includeChain: readonly Site[];
  /** The procedure calls that led to the statement, outermost first. */
  readonly callChain: readonly Site[];
  /** Creates the error. */
  constructor(site: Site, error: Error, includeChain: Site[], callChain: Site[] = []) {
    super(`${site.file}:${site.loc.line}:${site.loc.column}: ${error.message}`);
    this.site = site;
    this.error = error;
    this.includeChain = includeChain;
    this.callChain = callChain;
  }
}

/**
 * The name `expect error NAME { ... }` matches an error by: the
 * `AllocError` variant (`NoMemory`, `InvalidParam`, ...), `KernelPanic`,
 * the kmalloc errors (`ECANNOT_FREE_MEM`, `DoubleFree`, `InvalidFree`),
 * `EFAULT` (page-table mapping), `PageFault` (translation), `InvalidInput`
 * (GlobalPage), `UseAfterFree` (a released page), `OutOfRam` (a physical
 * access outside RAM), `AddressRange`, `PlatformError`, `ScriptError`,
 * `InvalidArgument` (an argument out of range, a write through a read-only view).
 *
 * @example
 * ```ts
 * import { errorName } from "./errors.ts";
 * import { AllocError } from "../mm/allocator/alloc_error.ts";
 * console.log(errorName(new AllocError("NoMemory"))); // NoMemory
 * ```
 */
export function errorName(e: unknown): string {
  if (e instanceof AllocError) return e.kind;
  if (e instanceof KernelPanic) return "KernelPanic";
  if (e instanceof KfreeError) {
    return e.problem === "not-owned"
      ? "ECANNOT_FREE_MEM"
      : e.problem === "double-free"
      ? "DoubleFree"
      : "InvalidFree";
  }
  if (e instanceof PageTableError) return "EFAULT";
  if (e instanceof TranslationFault) return "PageFault";
  if (e instanceof AxError) return e.kind;
  if (e instanceof PageReleasedError) return "UseAfterFree";
  if (e instanceof PhysicalMemoryError) return "OutOfRam";
  if (e instanceof AddressRangeError) return "AddressRange";
  if (e instanceof PlatformError) return "PlatformError";
  if (e instanceof ScriptError) return "ScriptError";
  if (e instanceof ArgumentError) return "InvalidArgument";
  if (e instanceof ExpectationFailed) return "ExpectationFailed";
  if (e instanceof RangeError) return "InvalidArgument";
  return "Error";
}

/** Every name {@linkcode errorName} can return. */
export const ERROR_NAMES: readonly string[] = [
  "InvalidParam",
  "MemoryOverlap",
  "NoMemory",
  "NotAllocated",
  "KernelPanic",
  "ECANNOT_FREE_MEM",
  "DoubleFree",
  "InvalidFree",
  "EFAULT",
  "PageFault",
  "InvalidInput",
  "UseAfterFree",
  "OutOfRam",
  "AddressRange",
  "PlatformError",
  "ScriptError",
  "ExpectationFailed",
  "InvalidArgument",
];

/** Whether `e` is an error a simulated operation raises (not a bug of mmsim). */
export function isSimulationError(e: unknown): e is Error {
  return errorName(e) !== "Error";
}
