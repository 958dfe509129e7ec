/**
 * The one integer range of `.mms`: every value a script holds is an exact
 * integer in `[-2^63, 2^64)`, the union of `i64` and `u64`. Literals,
 * arithmetic and the builtins' arguments are all checked against it.
 *
 * @module
 */

/** The smallest integer a script can hold: `-2^63` (`i64::MIN`). */
export const INT_MIN: bigint = -(1n << 63n);
/** One past the largest integer a script can hold: `2^64` (`u64::MAX + 1`). */
export const INT_LIMIT: bigint = 1n << 64n;
/** The range in words, for messages. */
export const INT_RANGE_TEXT = "-2^63 .. 2^64 - 1 (i64::MIN .. u64::MAX)";

/**
 * Whether `v` is inside the range.
 *
 * @example
 * ```ts
 * import { fitsInt } from "./int_range.ts";
 * console.log(fitsInt(0xffff_ffff_ffff_ffffn), fitsInt(1n << 64n)); // true false
 * ```
 */
export function fitsInt(v: bigint): boolean {
  return v >= INT_MIN && v < INT_LIMIT;
}
