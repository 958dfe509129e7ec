/**
 * The error type of every allocator in mmsim, modelled on the ArceOS
 * `allocator` crate's `AllocError` enum.
 *
 * @module
 */

import { SimError } from "../../hal/sim_error.ts";

/**
 * The variants of the ArceOS `AllocError` enum, by name: the `allocator`
 * crate's four, and the three `ax-alloc` 0.8 (ArceOS 2026) adds.
 */
export type AllocErrorKind =
  | "InvalidParam"
  | "MemoryOverlap"
  | "NoMemory"
  | "NotAllocated"
  | "AlreadyInitialized"
  | "NotInitialized"
  | "NotFound";

/**
 * Every {@linkcode AllocErrorKind}: the `allocator` crate's in the order its
 * enum declares them, then `ax-alloc` 0.8's own (so the first four keep
 * their numbers).
 */
export const ALLOC_ERROR_KINDS: readonly AllocErrorKind[] = [
  "InvalidParam",
  "MemoryOverlap",
  "NoMemory",
  "NotAllocated",
  "AlreadyInitialized",
  "NotInitialized",
  "NotFound",
];

/**
 * What a model's `tryAlloc` returns for `NoMemory` instead of throwing (no
 * address is negative): a failed allocation then costs what a successful
 * one does, where no message is wanted (a trace replay).
 */
export const NO_MEMORY: number = -3;

/** Optional details carried by an {@linkcode AllocError}. */
export interface AllocErrorDetails {
  /** The address the failing operation was about, if any. */
  address?: number;
  /** A human-readable explanation of why the operation failed. */
  reason?: string;
}

/**
 * An allocator operation failed.
 *
 * `kind` is the name of the Rust `AllocError` variant the real crate returns
 * (or, for `NotAllocated` and `MemoryOverlap`, would return if it checked:
 * the real code silently corrupts itself there, mmsim reports it instead).
 *
 * @example Catching a failed allocation
 * ```ts
 * import { AllocError } from "./alloc_error.ts";
 * const err = new AllocError("NoMemory", { reason: "heap exhausted" });
 * console.log(err.kind, err.message); // NoMemory NoMemory: heap exhausted
 * ```
 */
export class AllocError extends SimError {
  /** The codes of this class: the variants. */
  static readonly codes: readonly string[] = ALLOC_ERROR_KINDS;
  /** The error class's name. */
  override readonly name = "AllocError";
  /** Which `AllocError` variant this is. */
  readonly kind: AllocErrorKind;
  /** The address involved, when there is one. */
  readonly address: number | undefined;
  /** Why the operation failed, in words. */
  readonly reason: string | undefined;

  /** Creates an error of the given kind. */
  constructor(kind: AllocErrorKind, details: AllocErrorDetails = {}) {
    super(kind, details.reason === undefined ? kind : `${kind}: ${details.reason}`);
    this.kind = kind;
    this.address = details.address;
    this.reason = details.reason;
  }
}

/**
 * Returns whether `value` is an {@linkcode AllocError}, optionally of one kind.
 *
 * @example
 * ```ts
 * import { AllocError, isAllocError } from "./alloc_error.ts";
 * console.log(isAllocError(new AllocError("NoMemory"), "NoMemory")); // true
 * ```
 */
export function isAllocError(value: unknown, kind?: AllocErrorKind): value is AllocError {
  return value instanceof AllocError && (kind === undefined || value.kind === kind);
}
