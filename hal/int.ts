/**
 * Exact integer helpers for addresses held in JavaScript numbers.
 *
 * JavaScript's bitwise operators work on 32 bits, while simulated addresses
 * go up to 2^53 as numbers (and to 2^64 as bigints, see `address.ts`). These
 * helpers do power-of-two arithmetic exactly on any safe integer, so the
 * allocator models can use numbers on their hot paths.
 *
 * @module
 */

const TWO_32 = 0x1_0000_0000;
const INV_TWO_32 = 1 / TWO_32; // exact: multiplying by it beats dividing
/** `POW2[i] === 2 ** i`, for i in 0..63 (`**` would call the C library's pow). */
export const POW2: readonly number[] = Array.from({ length: 64 }, (_, i) => 2 ** i);

/**
 * Returns whether `n` is a positive power of two (exact up to 2^53).
 *
 * @example
 * ```ts
 * import { isPowerOfTwo } from "./int.ts";
 * console.log(isPowerOfTwo(4096), isPowerOfTwo(0), isPowerOfTwo(12)); // true false false
 * ```
 */
export function isPowerOfTwo(n: number): boolean {
  if (n >= 1 && n <= 0x4000_0000) return (n & (n - 1)) === 0;
  if (!(n >= 1) || !Number.isSafeInteger(n)) return false;
  if (n < TWO_32) return ((n >>> 0) & ((n >>> 0) - 1)) === 0;
  return (n >>> 0) === 0 && isPowerOfTwo(n * INV_TWO_32);
}

/**
 * `floor(log2(n))` for a safe integer `n >= 1`.
 *
 * @example
 * ```ts
 * import { log2Floor } from "./int.ts";
 * console.log(log2Floor(4096), log2Floor(4097), log2Floor(2 ** 40)); // 12 12 40
 * ```
 */
export function log2Floor(n: number): number {
  if (n < TWO_32) return 31 - Math.clz32(n);
  return 63 - Math.clz32(Math.floor(n * INV_TWO_32));
}

/**
 * The largest power of two not above `n` (`n >= 1`), as Rust's
 * `prev_power_of_two` helpers compute it.
 *
 * @example
 * ```ts
 * import { prevPowerOfTwo } from "./int.ts";
 * console.log(prevPowerOfTwo(100)); // 64
 * ```
 */
export function prevPowerOfTwo(n: number): number {
  return POW2[log2Floor(n)];
}

/**
 * The smallest power of two not below `n`, with Rust's convention that
 * `0.next_power_of_two() == 1`.
 *
 * @example
 * ```ts
 * import { nextPowerOfTwo } from "./int.ts";
 * console.log(nextPowerOfTwo(0), nextPowerOfTwo(80), nextPowerOfTwo(128)); // 1 128 128
 * ```
 */
export function nextPowerOfTwo(n: number): number {
  if (n <= 1) return 1;
  const p = POW2[log2Floor(n)];
  return p === n ? p : p * 2;
}

/**
 * The lowest set bit of `n` as a value (`n & -n` on 64 bits); 0 for 0.
 *
 * @example
 * ```ts
 * import { lowestSetBit } from "./int.ts";
 * console.log(lowestSetBit(0x8040_0000)); // 4194304
 * ```
 */
export function lowestSetBit(n: number): number {
  if (n === 0) return 0;
  const low = n >>> 0; // the low 32 bits: ToUint32 is exact modulo 2^32
  if (low !== 0) return ((low & -low) >>> 0);
  const high = Math.floor(n * INV_TWO_32);
  return ((high & -high) >>> 0) * TWO_32;
}

/**
 * Rounds `n` down to a multiple of the power of two `align`.
 *
 * @example
 * ```ts
 * import { alignDown } from "./int.ts";
 * console.log(alignDown(0x8020_1234, 0x1000).toString(16)); // 80201000
 * ```
 */
export function alignDown(n: number, align: number): number {
  // For alignments up to 2^31 the low 32 bits (ToUint32, exact modulo 2^32)
  // say how far n is past the boundary; larger ones divide exactly. (`%` on
  // doubles would call the C library's fmod.)
  if (align <= 0x8000_0000) return n - ((n >>> 0) & (align - 1));
  return Math.floor(n / align) * align;
}

/**
 * Rounds `n` up to a multiple of the power of two `align`.
 *
 * @example
 * ```ts
 * import { alignUp } from "./int.ts";
 * console.log(alignUp(0x8020_1234, 0x1000).toString(16)); // 80202000
 * ```
 */
export function alignUp(n: number, align: number): number {
  if (align <= 0x8000_0000) {
    const rem = (n >>> 0) & (align - 1);
    return rem === 0 ? n : n + (align - rem);
  }
  return Math.ceil(n / align) * align;
}

/**
 * Returns whether `n` is a multiple of the power of two `align`.
 *
 * @example
 * ```ts
 * import { isAligned } from "./int.ts";
 * console.log(isAligned(0x8000_1000, 4096)); // true
 * ```
 */
export function isAligned(n: number, align: number): boolean {
  if (align <= 0x8000_0000) return ((n >>> 0) & (align - 1)) === 0;
  return Math.floor(n / align) * align === n;
}

/**
 * Formats a non-negative integer as lower-case hex with a `0x` prefix, as
 * Rust's `{:#x}` does.
 *
 * @example
 * ```ts
 * import { hex } from "./int.ts";
 * console.log(hex(0x80200000), hex(0xffff_ffc0_8020_0000n)); // 0x80200000 0xffffffc080200000
 * ```
 */
export function hex(n: number | bigint): string {
  return "0x" + n.toString(16);
}
