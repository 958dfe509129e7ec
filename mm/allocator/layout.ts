/**
 * Validation of memory layouts (`core::alloc::Layout`): a size and a
 * power-of-two alignment.
 *
 * @module
 */

import { isPowerOfTwo } from "../../hal/int.ts";
import { AllocError } from "./alloc_error.ts";

/**
 * Throws `InvalidParam` unless `size` is a safe non-negative integer and
 * `align` a power of two: the layouts Rust's `Layout::from_size_align`
 * accepts (within the 2^53 range mmsim's numbers cover).
 *
 * @example
 * ```ts
 * import { checkLayout } from "./layout.ts";
 * checkLayout(100, 8); // fine
 * try { checkLayout(100, 3); } catch (e) { console.log(String(e)); }
 * ```
 */
export function checkLayout(size: number, align: number): void {
  // Fast path: both below 2^30, where 32-bit integer operations are exact.
  // The rest is out of line, so the allocators' hot paths stay small
  // enough for the JIT to inline.
  if (
    !(size >= 0 && size <= 0x4000_0000 && (size | 0) === size && align > 0 &&
      align <= 0x4000_0000 && (align & (align - 1)) === 0)
  ) checkLargeLayout(size, align);
}

function checkLargeLayout(size: number, align: number): void {
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new AllocError("InvalidParam", { reason: `size ${size} is not a byte count` });
  }
  if (!isPowerOfTwo(align)) {
    throw new AllocError("InvalidParam", { reason: `alignment ${align} is not a power of two` });
  }
}

/**
 * Throws `InvalidParam` unless `start` and `size` describe a region of
 * safe integers.
 *
 * @example
 * ```ts
 * import { checkRegion } from "./layout.ts";
 * checkRegion(0x8000_0000, 0x100_0000); // fine
 * ```
 */
export function checkRegion(start: number, size: number): void {
  if (
    !Number.isSafeInteger(start) || start < 0 || !Number.isSafeInteger(size) || size < 0 ||
    !Number.isSafeInteger(start + size)
  ) {
    throw new AllocError("InvalidParam", {
      address: start,
      reason:
        `region (${start}, ${size}) is outside 0..2^53; place the allocator in an AddressWindow`,
    });
  }
}

/** The size of a pointer (`usize`) on the target a model stands for, in bytes. */
export type PointerWidth = 4 | 8;

/** What a model whose metadata is pointer-sized is told. */
export interface PointerWidthOptions {
  /** The target's pointer size: 8 (64-bit, the default) or 4 (32-bit, as wasm32). */
  pointerWidth?: PointerWidth;
}
