/**
 * Errors of running `.mms` scripts, and the names `expect error` matches.
 * Every error of the simulation is a {@linkcode SimError} that carries its
 * own code; anything else that reaches the interpreter is a bug of mmsim,
 * reported as an {@linkcode InternalError}.
 *
 * @module
 */

import type { Loc } from "../dsl/ast.ts";
import { AllocError } from "../mm/allocator/alloc_error.ts";
import { KfreeError } from "../mm/dragonos/kmalloc.ts";
import { PageTableError, TranslationFault } from "../mm/dragonos/page_table.ts";
import { FreePagesError } from "../mm/dragonos/zoned_pages.ts";
import { AxError, PageReleasedError } from "../mm/axalloc/global_page.ts";
import { KernelHalted, KernelPanic } from "../mm/kernel_panic.ts";
import { PhysicalMemoryError } from "../hal/physical_memory.ts";
import { AddressRangeError } from "../hal/address.ts";
import { PlatformError } from "../hal/platform.ts";
import { ArgumentError, SimError } from "../hal/sim_error.ts";
import { KasanReport } from "../mm/kasan/report.ts";

export { ArgumentError, describeThrown, SimError, withCode } from "../hal/sim_error.ts";

/** A place in a script: file and location. */
export interface Site {
  /** The file. */
  file: string;
  /** The location. */
  loc: Loc;
}

/** The script did something the language does not allow (a type error, an unknown name). */
export class ScriptError extends SimError {
  /** The codes of this class. */
  static readonly codes: readonly string[] = ["ScriptError"];
  /** The error class's name. */
  override readonly name = "ScriptError";
  /** Creates the error. */
  constructor(message: string) {
    super("ScriptError", message);
  }
}

/** A failed `expect`. */
export class ExpectationFailed extends SimError {
  /** The codes of this class. */
  static readonly codes: readonly string[] = ["ExpectationFailed"];
  /** The error class's name. */
  override readonly name = "ExpectationFailed";
  /** Creates the failure report. */
  constructor(message: string) {
    super("ExpectationFailed", message);
  }
}

/**
 * Something went wrong inside mmsim itself (a JavaScript error no simulated
 * operation should raise): never a script's error, and no `expect error`
 * matches it. The message asks the user to report it.
 */
export class InternalError extends Error {
  /** The error class's name. */
  override readonly name = "InternalError";
  /** Wraps what was thrown (kept as `cause`). */
  constructor(cause: unknown) {
    super(
      `internal error in mmsim (${
        cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause)
      }); this is a bug of mmsim, not of the script: please report it with the script`,
      { cause },
    );
  }
}

/**
 * A script, or one contract of it, ran longer than its time limit. Not an
 * error a script can expect: it stops the run (or fails the contract).
 */
export class TimeLimitError extends SimError {
  /** The error class's name. */
  override readonly name = "TimeLimitError";
  /** Statements run when it stopped. */
  readonly statements: number;
  /** Whose limit it was: the whole script's or one contract's. */
  readonly scope: "script" | "contract";
  /** Creates the error. */
  constructor(scope: "script" | "contract", seconds: number, statements: number) {
    super(
      "TimeLimit",
      `the ${scope} ran longer than its time limit of ${seconds} s; ` +
        `stopped here after ${statements} statements`,
    );
    this.statements = statements;
    this.scope = scope;
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

/**
 * `require(cond, reason)` did not hold: the script's premise is not met on
 * this machine, so it stops without failing (internal, like a `return`).
 */
export class SkipSignal {
  /** Why the script does not apply here. */
  readonly reason: string;
  /** Where the `require` is (set by the interpreter). */
  site: Site | undefined;
  /** Creates the signal. */
  constructor(reason: string) {
    this.reason = reason;
  }
}

/** An error while running a script, with where it happened and the include chain. */
export class RunError extends Error {
  /** The error class's name. */
  override readonly name = "RunError";
  /** The statement that failed. */
  readonly site: Site;
  /** The error the statement raised (a `SimError`, or an `InternalError`). */
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
 * The error classes a script can meet, each saying its codes: the
 * `AllocError` variants, `KernelPanic`, `KernelHalted`, the kmalloc errors, `EFAULT`,
 * `PageFault`, the `AxError` variants, `UseAfterFree`, `OutOfRam`,
 * `AddressRange`, `PlatformError`, `InvalidArgument`, `ScriptError`,
 * `ExpectationFailed`.
 */
const ERROR_CLASSES: readonly { readonly codes: readonly string[] }[] = [
  AllocError,
  KernelPanic,
  KernelHalted,
  KfreeError,
  PageTableError,
  TranslationFault,
  FreePagesError,
  AxError,
  PageReleasedError,
  PhysicalMemoryError,
  AddressRangeError,
  PlatformError,
  ArgumentError,
  KasanReport,
  ScriptError,
  ExpectationFailed,
];

/** Every name `expect error NAME` can match. */
export const ERROR_NAMES: readonly string[] = [
  ...new Set(ERROR_CLASSES.flatMap((c) => c.codes)),
];

/**
 * The name `expect error NAME { ... }` matches an error by: its code, or
 * `Error` for what is not an error of the simulation.
 *
 * @example
 * ```ts
 * import { errorName } from "./errors.ts";
 * import { AllocError } from "../mm/allocator/alloc_error.ts";
 * console.log(errorName(new AllocError("NoMemory"))); // NoMemory
 * ```
 */
export function errorName(e: unknown): string {
  return e instanceof SimError ? e.code : "Error";
}

/** Whether `e` is an error a simulated operation raises (not a bug of mmsim). */
export function isSimulationError(e: unknown): e is SimError {
  return e instanceof SimError;
}
