/**
 * The negative results the models' hot paths return beside addresses,
 * written so that V8 keeps the addresses unboxed.
 *
 * Such a path returns an address (a double: addresses are 2^31 and more) or
 * a negative sentinel. Written as a literal (or as a call, which V8 does not
 * inline where it was never made), the sentinel is a small integer to V8, and
 * a function that returns a small integer on one path and a double on
 * another returns its double boxed: a heap number allocated on every
 * successful allocation, even with the function inlined into the caller's
 * loop (ArceOS's TLSF churn-3 replay: a minor GC every 16 passes, 5-7% of its
 * speed; the buddy, slab and buddy-slab replays alike). Read from a
 * `Float64Array`, the same number is a double to V8 (and on a path never
 * taken, no code at all), and the address stays unboxed.
 *
 * @module
 */

import { NO_MEMORY } from "./alloc_error.ts";

/**
 * {@linkcode NO_MEMORY} (-3) in a one-element `Float64Array`, never
 * written: a quiet allocation path returns `NO_MEMORY_RESULT[0]`.
 *
 * @example
 * ```ts
 * import { NO_MEMORY_RESULT } from "./unboxed_results.ts";
 * import { NO_MEMORY } from "./alloc_error.ts";
 * console.log(NO_MEMORY_RESULT[0] === NO_MEMORY); // true
 * ```
 */
export const NO_MEMORY_RESULT: Readonly<Float64Array> = new Float64Array([NO_MEMORY]);

/**
 * -1 in a one-element `Float64Array`, never written: what a search that
 * returns an address or -1 (nothing found) returns for -1,
 * `NOT_FOUND_RESULT[0]`.
 *
 * @example
 * ```ts
 * import { NOT_FOUND_RESULT } from "./unboxed_results.ts";
 * console.log(NOT_FOUND_RESULT[0]); // -1
 * ```
 */
export const NOT_FOUND_RESULT: Readonly<Float64Array> = new Float64Array([-1]);

/** The slot {@linkcode unboxed} passes its number through. */
const PASSED = new Float64Array(1);

/**
 * Returns `x`, passed through a `Float64Array` so that V8 sees a double:
 * for the result of a call V8 may not inline (a slow path: a new slab, a
 * large request) where it meets the inlined fast path's address, which it
 * would otherwise box on every call to merge the two.
 *
 * @example
 * ```ts
 * import { unboxed } from "./unboxed_results.ts";
 * console.log(unboxed(0x8000_0000) === 0x8000_0000); // true
 * ```
 */
export function unboxed(x: number): number {
  PASSED[0] = x;
  return PASSED[0];
}
