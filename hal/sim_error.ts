/**
 * The base of every error a simulated operation raises. Its `code` is the
 * name a script matches with `expect error CODE { ... }` (`NoMemory`,
 * `KernelPanic`, `PageFault`, ...): each error class says its own code,
 * so nothing has to classify errors from the outside. Anything thrown that
 * is not a `SimError` is a bug of mmsim, never a script's error.
 *
 * @module
 */

/**
 * An error of the simulation, with the code scripts know it by.
 *
 * @example
 * ```ts
 * import { SimError } from "./sim_error.ts";
 * class Oops extends SimError {
 *   static readonly codes = ["Oops"] as const;
 *   constructor() {
 *     super("Oops", "it went wrong");
 *   }
 * }
 * console.log(new Oops().code); // Oops
 * ```
 */
export class SimError extends Error {
  /** The name `expect error` matches this error by. */
  readonly code: string;
  /** Other names it also matches (what the same misuse was called before). */
  readonly aliases: readonly string[];
  /** Creates the error. */
  constructor(code: string, message: string, aliases: readonly string[] = []) {
    super(message);
    this.code = code;
    this.aliases = aliases;
  }
}

/**
 * An argument an operation does not accept: a value wider than the access,
 * a negative length, an index outside a view, an unknown option. Its code
 * is `InvalidArgument`.
 *
 * @example
 * ```ts
 * import { ArgumentError } from "./sim_error.ts";
 * const e = new ArgumentError("value", "value 300 does not fit in 8 bits");
 * console.log(e.code, e.argument); // InvalidArgument value
 * ```
 */
export class ArgumentError extends SimError {
  /** The codes of this class. */
  static readonly codes: readonly string[] = ["InvalidArgument"];
  /** The error class's name. */
  override readonly name = "ArgumentError";
  /** Which argument is wrong. */
  readonly argument: string;
  /** Creates the error. */
  constructor(argument: string, message: string) {
    super("InvalidArgument", message);
    this.argument = argument;
  }
}

/** Codes of the language's own errors, whose messages need no code in front. */
const LANGUAGE_CODES: ReadonlySet<string> = new Set([
  "ScriptError",
  "ExpectationFailed",
  "TimeLimit",
  "KernelPanic",
  "KernelHalted",
]);

/**
 * The message of a simulation error led by its code, the name `expect
 * error` matches it by (`EFAULT: 0x8000... is not a canonical 39-bit
 * address`), said once: a message that starts with its code (or one of its
 * older names) already is kept as it is, and the language's own errors need
 * none.
 *
 * @example
 * ```ts
 * import { ArgumentError, withCode } from "./sim_error.ts";
 * console.log(withCode(new ArgumentError("v", "300 does not fit in 8 bits")));
 * // InvalidArgument: 300 does not fit in 8 bits
 * ```
 */
export function withCode(e: SimError): string {
  if (
    LANGUAGE_CODES.has(e.code) ||
    [e.code, ...e.aliases].some((name) => e.message.startsWith(`${name}:`)) ||
    e.message.startsWith("BUG: KASAN:") // a sanitizer report keeps KASAN's own first line
  ) return e.message;
  return `${e.code}: ${e.message}`;
}

/**
 * What foreign code threw, in words (`TypeError: boom`), without trusting
 * it: a Proxy, an object whose getters throw or a value with a hostile
 * `toString` is described by its type instead of running into an error of
 * mmsim's own.
 *
 * @example
 * ```ts
 * import { describeThrown } from "./sim_error.ts";
 * const evil = { get name(): string { throw new Error("no"); } };
 * console.log(describeThrown(new TypeError("boom")), "/", describeThrown(evil)); // TypeError: boom / an object
 * ```
 */
export function describeThrown(e: unknown): string {
  try {
    if (e instanceof Error) {
      const name = e.name;
      const message = e.message;
      if (typeof name === "string" && typeof message === "string") {
        return name === "" ? message : `${name}: ${message}`;
      }
    }
    if (e === null || typeof e !== "object" && typeof e !== "function") return String(e);
  } catch {
    // its own description throws: say what it is instead
  }
  return typeof e === "function" ? "a function" : "an object";
}
