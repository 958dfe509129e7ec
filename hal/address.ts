/**
 * 64-bit addresses, and windows that map them onto JavaScript numbers.
 *
 * The simulator's addresses are exact to 64 bits (`bigint`): kernel virtual
 * addresses such as `0xffff_ffc0_8020_0000` exceed 2^53. The allocator
 * models do their arithmetic on numbers for speed; an {@linkcode AddressWindow}
 * places a model at a 64-bit origin so that its numbers are offsets from it.
 *
 * @module
 */

import { SimError } from "./sim_error.ts";
/** The largest address a 64-bit machine has. */
export const U64_MAX = 0xffff_ffff_ffff_ffffn;
const SAFE = BigInt(Number.MAX_SAFE_INTEGER);
/** Window origins are aligned to 1 TiB, so every alignment up to 1 TiB survives the shift. */
export const WINDOW_ALIGN = 1n << 40n;

/** An address or size outside what the simulator can represent. */
export class AddressRangeError extends SimError {
  /** The codes of this class. */
  static readonly codes: readonly string[] = ["AddressRange"];
  /** The error class's name. */
  override readonly name = "AddressRangeError";
  /** The offending value. */
  readonly value: bigint;
  /** Creates the error for `value`, with a message saying why. */
  constructor(value: bigint, message: string) {
    super("AddressRange", message);
    this.value = value;
  }
}

/**
 * Parses an unsigned 64-bit integer written in decimal, `0x` hex, `0b`
 * binary or `0o` octal, with optional `_` separators. Returns `undefined`
 * when the text is not such a number or exceeds 64 bits.
 *
 * @example
 * ```ts
 * import { parseU64 } from "./address.ts";
 * console.log(parseU64("0xffff_ffc0_8020_0000")); // 18446743801051381760n
 * ```
 */
export function parseU64(text: string): bigint | undefined {
  const t = text.replaceAll("_", "");
  if (!/^(0x[0-9a-fA-F]+|0b[01]+|0o[0-7]+|[0-9]+)$/.test(t)) return undefined;
  const v = BigInt(t);
  return v <= U64_MAX ? v : undefined;
}

/**
 * A 64-bit region mapped onto numbers: local number `n` stands for address
 * `origin + n`. The window at origin 0 is the identity for addresses below
 * 2^53.
 *
 * @example A window for kernel virtual addresses
 * ```ts
 * import { AddressWindow } from "./address.ts";
 * const w = AddressWindow.forRegion(0xffff_ffc0_8040_0000n, 0x780_0000n);
 * const local = w.toLocal(0xffff_ffc0_8040_1000n);
 * console.log(w.format(local)); // 0xffffffc080401000
 * ```
 */
export class AddressWindow {
  /** The 64-bit address local 0 stands for. */
  readonly origin: bigint;
  readonly #originIsZero: boolean;

  /** Creates a window at `origin` (a multiple of 1 TiB, or 0). */
  constructor(origin = 0n) {
    if (origin < 0n || origin > U64_MAX || origin % WINDOW_ALIGN !== 0n) {
      throw new AddressRangeError(origin, `window origin ${origin} is not a 1 TiB boundary`);
    }
    this.origin = origin;
    this.#originIsZero = origin === 0n;
  }

  /**
   * The window for `[base, base + size)`: origin 0 when the region lies
   * below 2^53, else `base` rounded down to 1 TiB.
   */
  static forRegion(base: bigint, size: bigint): AddressWindow {
    const end = base + size;
    if (base < 0n || size < 0n || end - 1n > U64_MAX) {
      throw new AddressRangeError(base, `region ${base}+${size} is not within 64 bits`);
    }
    if (end <= SAFE) return new AddressWindow(0n);
    const origin = base - (base % WINDOW_ALIGN);
    if (end - origin > SAFE) {
      throw new AddressRangeError(size, `region of ${size} bytes is too large to simulate`);
    }
    return new AddressWindow(origin);
  }

  /** The local number for `addr`; throws when `addr` is outside the window. */
  toLocal(addr: bigint): number {
    const off = addr - this.origin;
    if (off < 0n || off > SAFE) {
      throw new AddressRangeError(
        addr,
        `address 0x${addr.toString(16)} is outside the window at 0x${this.origin.toString(16)}`,
      );
    }
    return Number(off);
  }

  /** Whether `addr` can be expressed in this window. */
  contains(addr: bigint): boolean {
    const off = addr - this.origin;
    return off >= 0n && off <= SAFE;
  }

  /** The 64-bit address of local number `n`. */
  toAddress(n: number): bigint {
    return this.origin + BigInt(n);
  }

  /** `toAddress(n)` as lower-case hex with `0x`. */
  format(n: number): string {
    return this.#originIsZero ? "0x" + n.toString(16) : "0x" + this.toAddress(n).toString(16);
  }
}

/** A physical address (exact 64-bit). */
export type PhysAddr = bigint & { readonly __addressSpace: "physical" };
/** A virtual address (exact 64-bit). */
export type VirtAddr = bigint & { readonly __addressSpace: "virtual" };
/** A bus (DMA) address as a device sees it (exact 64-bit). */
export type BusAddr = bigint & { readonly __addressSpace: "bus" };

function u64(value: bigint | number, what: string): bigint {
  const v = typeof value === "number" ? numberToBigInt(value, what) : value;
  if (v < 0n || v > U64_MAX) {
    throw new AddressRangeError(v, `${what} ${v} is not an unsigned 64-bit value`);
  }
  return v;
}

function numberToBigInt(value: number, what: string): bigint {
  if (!Number.isSafeInteger(value)) {
    throw new AddressRangeError(
      0n,
      `${what} ${value} is not an exact integer (use a bigint above 2^53)`,
    );
  }
  return BigInt(value);
}

/**
 * Makes a {@linkcode PhysAddr}, checking it fits 64 bits.
 *
 * @example
 * ```ts
 * import { phys } from "./address.ts";
 * const p = phys(0x8020_0000);
 * console.log(p); // 2149580800n
 * ```
 */
export function phys(value: bigint | number): PhysAddr {
  return u64(value, "physical address") as PhysAddr;
}

/**
 * Makes a {@linkcode VirtAddr}, checking it fits 64 bits.
 *
 * @example
 * ```ts
 * import { virt } from "./address.ts";
 * const v = virt(0xffff_ffc0_8020_0000n);
 * ```
 */
export function virt(value: bigint | number): VirtAddr {
  return u64(value, "virtual address") as VirtAddr;
}

/**
 * Makes a {@linkcode BusAddr}, checking it fits 64 bits.
 *
 * @example
 * ```ts
 * import { bus } from "./address.ts";
 * const b = bus(0xc000_0000);
 * ```
 */
export function bus(value: bigint | number): BusAddr {
  return u64(value, "bus address") as BusAddr;
}

/**
 * Adds modulo 2^64, as address arithmetic on a 64-bit machine wraps.
 *
 * @example
 * ```ts
 * import { wrappingAdd } from "./address.ts";
 * console.log(wrappingAdd(0xffff_ffff_ffff_ffffn, 2n)); // 1n
 * ```
 */
export function wrappingAdd(a: bigint, b: bigint): bigint {
  return BigInt.asUintN(64, a + b);
}

/**
 * Subtracts modulo 2^64.
 *
 * @example
 * ```ts
 * import { wrappingSub } from "./address.ts";
 * console.log(wrappingSub(0n, 1n) === 0xffff_ffff_ffff_ffffn); // true
 * ```
 */
export function wrappingSub(a: bigint, b: bigint): bigint {
  return BigInt.asUintN(64, a - b);
}
