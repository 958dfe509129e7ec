/**
 * Page-table entry formats: RISC-V Sv39, x86_64 4-level paging, AArch64
 * 4-level translation with the 4 KiB granule. Each encodes and decodes
 * the real bits, so tables in simulated RAM hold what the hardware reads.
 *
 * @module
 */

/** Architecture-neutral mapping flags. */
export const MAP_READ = 1 << 0;
/** Writable. */
export const MAP_WRITE = 1 << 1;
/** Executable. */
export const MAP_EXECUTE = 1 << 2;
/** Accessible from user mode. */
export const MAP_USER = 1 << 3;
/** Global (not flushed on an address-space switch). */
export const MAP_GLOBAL = 1 << 4;
/** Uncached (device or DMA memory). */
export const MAP_UNCACHED = 1 << 5;

/** What an entry says. */
export interface DecodedPte {
  /** The valid / present bit. */
  valid: boolean;
  /** A leaf (page or block) rather than a pointer to the next table. */
  leaf: boolean;
  /** The physical address the entry points at. */
  addr: bigint;
  /** The mapping flags of a leaf (0 for a table pointer). */
  flags: number;
}

/** One architecture's format. */
export interface PteFormat {
  /** Its name (`Sv39`, `x86_64 4-level`, `AArch64 4K 4-level`). */
  readonly name: string;
  /** Table levels, the root first. */
  readonly levels: number;
  /** Virtual address bits translated (39 or 48). */
  readonly vaBits: number;
  /** Physical address bits an entry can hold (Sv39: 56; the 4-level formats here: 48). */
  readonly paBits: number;
  /** Levels (0 = root) at which a leaf may map a 2 MiB block. */
  readonly blockLevel: number;
  /** Encodes a leaf mapping `pa` at `level`. */
  leaf(pa: bigint, flags: number, level: number): bigint;
  /** Encodes a pointer to the next-level table at `pa`. */
  table(pa: bigint): bigint;
  /** Decodes an entry found at `level`. */
  decode(pte: bigint, level: number): DecodedPte;
}

const ADDR_MASK_48 = ((1n << 48n) - 1n) & ~0xfffn;

/** RISC-V Sv39: 3 levels of 512 entries, PPN at bits 10..53. */
export const SV39: PteFormat = {
  name: "Sv39",
  levels: 3,
  vaBits: 39,
  paBits: 56,
  blockLevel: 1,
  leaf(pa, flags) {
    let pte = ((pa >> 12n) << 10n) | 1n | (1n << 6n) | (1n << 7n); // V, A, D
    if (flags & MAP_READ) pte |= 1n << 1n;
    if (flags & MAP_WRITE) pte |= (1n << 2n) | (1n << 1n); // W needs R
    if (flags & MAP_EXECUTE) pte |= 1n << 3n;
    if (flags & MAP_USER) pte |= 1n << 4n;
    if (flags & MAP_GLOBAL) pte |= 1n << 5n;
    if ((pte & 0xen) === 0n) pte |= 1n << 1n; // a leaf needs R, W or X
    return pte;
  },
  table(pa) {
    return ((pa >> 12n) << 10n) | 1n;
  },
  decode(pte) {
    const valid = (pte & 1n) !== 0n;
    const leaf = (pte & 0xen) !== 0n;
    let flags = 0;
    if (leaf) {
      if (pte & 2n) flags |= MAP_READ;
      if (pte & 4n) flags |= MAP_WRITE;
      if (pte & 8n) flags |= MAP_EXECUTE;
      if (pte & 16n) flags |= MAP_USER;
      if (pte & 32n) flags |= MAP_GLOBAL;
    }
    return { valid, leaf, addr: ((pte >> 10n) & ((1n << 44n) - 1n)) << 12n, flags };
  },
};

/** x86_64 4-level paging: PML4, PDPT, PD (PS for 2 MiB), PT. */
export const X86_64: PteFormat = {
  name: "x86_64 4-level",
  levels: 4,
  vaBits: 48,
  paBits: 48,
  blockLevel: 2,
  leaf(pa, flags, level) {
    let pte = (pa & ADDR_MASK_48) | 1n | (1n << 5n) | (1n << 6n); // P, A, D
    if (flags & MAP_WRITE) pte |= 1n << 1n;
    if (flags & MAP_USER) pte |= 1n << 2n;
    if (flags & MAP_UNCACHED) pte |= (1n << 4n) | (1n << 3n); // PCD, PWT
    if (level === 2) pte |= 1n << 7n; // PS: a 2 MiB page
    if (flags & MAP_GLOBAL) pte |= 1n << 8n;
    if (!(flags & MAP_EXECUTE)) pte |= 1n << 63n; // NX
    return pte;
  },
  table(pa) {
    return (pa & ADDR_MASK_48) | 1n | 2n | 4n; // P, RW, US: leaves decide
  },
  decode(pte, level) {
    const valid = (pte & 1n) !== 0n;
    const leaf = level === 3 || (level === 2 && (pte & (1n << 7n)) !== 0n);
    let flags = 0;
    if (leaf) {
      flags |= MAP_READ;
      if (pte & 2n) flags |= MAP_WRITE;
      if (pte & 4n) flags |= MAP_USER;
      if (pte & 16n) flags |= MAP_UNCACHED;
      if (pte & 256n) flags |= MAP_GLOBAL;
      if (!(pte & (1n << 63n))) flags |= MAP_EXECUTE;
    }
    return {
      valid,
      leaf,
      addr: pte & ADDR_MASK_48 & (leaf && level === 2 ? ~0x1f_ffffn : ~0n),
      flags,
    };
  },
};

/** AArch64, 4 KiB granule, 4 levels (L0..L3), 48-bit addresses. */
export const AARCH64: PteFormat = {
  name: "AArch64 4K 4-level",
  levels: 4,
  vaBits: 48,
  paBits: 48,
  blockLevel: 2,
  leaf(pa, flags, level) {
    // L3 page: bits[1:0] = 0b11; L2 block: 0b01. AF (bit 10), inner shareable.
    let pte = (pa & ADDR_MASK_48) | (level === 3 ? 3n : 1n) | (1n << 10n) | (3n << 8n);
    pte |= BigInt(flags & MAP_UNCACHED ? 1 : 0) << 2n; // AttrIndx 1: device/non-cacheable
    if (flags & MAP_USER) pte |= 1n << 6n; // AP[1]: EL0 access
    if (!(flags & MAP_WRITE)) pte |= 1n << 7n; // AP[2]: read-only
    if (!(flags & MAP_GLOBAL)) pte |= 1n << 11n; // nG
    if (!(flags & MAP_EXECUTE)) pte |= (1n << 53n) | (1n << 54n); // PXN, UXN
    return pte;
  },
  table(pa) {
    return (pa & ADDR_MASK_48) | 3n;
  },
  decode(pte, level) {
    const valid = (pte & 1n) !== 0n;
    const leaf = level === 3 ? (pte & 3n) === 3n : (pte & 3n) === 1n;
    let flags = 0;
    if (leaf) {
      flags |= MAP_READ;
      if (!(pte & (1n << 7n))) flags |= MAP_WRITE;
      if (pte & (1n << 6n)) flags |= MAP_USER;
      if (!(pte & (1n << 11n))) flags |= MAP_GLOBAL;
      if (((pte >> 2n) & 7n) === 1n) flags |= MAP_UNCACHED;
      if (!(pte & (1n << 53n))) flags |= MAP_EXECUTE;
    }
    return { valid, leaf, addr: pte & ADDR_MASK_48, flags };
  },
};

/**
 * The format of an architecture.
 *
 * @example
 * ```ts
 * import { MAP_READ, MAP_WRITE, pteFormatFor } from "./pte_format.ts";
 * const sv39 = pteFormatFor("riscv64");
 * console.log(sv39.leaf(0x8020_0000n, MAP_READ | MAP_WRITE, 2).toString(16)); // 200800c7
 * ```
 */
export function pteFormatFor(arch: "riscv64" | "x86_64" | "aarch64"): PteFormat {
  return arch === "riscv64" ? SV39 : arch === "x86_64" ? X86_64 : AARCH64;
}
