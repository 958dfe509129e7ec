/**
 * Page tables in simulated RAM: real entries written into 4 KiB table
 * frames, walked to translate, with 4 KiB and 2 MiB mappings, empty tables
 * freed on unmap, and a TLB that can serve stale translations when a flush
 * is skipped.
 *
 * @module
 */

import { SimError } from "../../hal/sim_error.ts";
import type { PhysicalMemory } from "../../hal/physical_memory.ts";
import type { DecodedPte, PteFormat } from "./pte_format.ts";

/** The frames the page table takes its 4 KiB tables from, and gives back. */
export interface TableFrames {
  /** A zeroed, 4 KiB aligned 4 KiB frame: its kernel virtual and physical addresses. */
  alloc(): { vaddr: bigint; paddr: bigint } | null;
  /** Gives a table frame back. */
  free(vaddr: bigint): void;
}

/** `EFAULT`: what the DragonOS mapping functions return (negated) on failure. */
export const EFAULT = 14;
const PAGE_4K = 0x1000n;
const PAGE_2M = 0x20_0000n;

/** A mapping request that cannot be done; nothing was changed. */
export class PageTableError extends SimError {
  /** The codes of this class. */
  static readonly codes: readonly string[] = ["EFAULT"];
  /** The error class's name. */
  override readonly name = "PageTableError";
  /** The virtual address concerned. */
  readonly vaddr: bigint;
  /** Creates the error. */
  constructor(vaddr: bigint, message: string) {
    super("EFAULT", message);
    this.vaddr = vaddr;
  }
}

/** A translation that found no mapping. */
export class TranslationFault extends SimError {
  /** The codes of this class. */
  static readonly codes: readonly string[] = ["PageFault"];
  /** The error class's name. */
  override readonly name = "TranslationFault";
  /** The faulting virtual address. */
  readonly vaddr: bigint;
  /** The level (0 = root) whose entry was not valid. */
  readonly level: number;
  /** Creates the fault report. */
  constructor(vaddr: bigint, level: number, levels: number) {
    super(
      "PageFault",
      `page fault at 0x${vaddr.toString(16)}: no valid entry at level ${level} of ${levels}` +
        (level === 0 ? " (root table)" : ""),
    );
    this.vaddr = vaddr;
    this.level = level;
  }
}

/** A successful translation. */
export interface Translation {
  /** The physical address. */
  paddr: bigint;
  /** The mapping's size: 4 KiB or 2 MiB. */
  pageSize: number;
  /** The mapping flags (`MAP_*`). */
  flags: number;
  /** Whether a TLB entry answered (possibly stale). */
  fromTlb?: boolean;
}

/** TLB counters. */
export interface TlbStats {
  /** Lookups answered by the TLB. */
  hits: number;
  /** Lookups that walked the tables. */
  misses: number;
  /** Flush operations (each `flush` call or flushing map/unmap). */
  flushes: number;
}

/**
 * One address space's page table.
 *
 * @example Map 2 MiB of RAM with Sv39 and translate through the tables
 * ```ts
 * import { PhysicalMemory } from "../../hal/physical_memory.ts";
 * import { PageTable } from "./page_table.ts";
 * import { MAP_READ, MAP_WRITE, SV39 } from "./pte_format.ts";
 * const ram = new PhysicalMemory([{ name: "RAM", base: 0x8000_0000n, size: 0x800_0000n }]);
 * let next = 0x8700_0000n;
 * const frames = {
 *   alloc: () => { const p = next; next += 0x1000n; return { vaddr: p, paddr: p }; },
 *   free: () => {},
 * };
 * const pt = new PageTable(SV39, ram, frames, (v) => v);
 * pt.map(0xffff_ffc0_8020_0000n, 0x8020_0000n, 0x20_0000, MAP_READ | MAP_WRITE, false);
 * console.log(pt.translate(0xffff_ffc0_8020_1234n).paddr.toString(16)); // 80201234
 * ```
 */
export class PageTable {
  /** The entry format. */
  readonly format: PteFormat;
  /** The root table's physical address. */
  readonly root: bigint;
  readonly #ram: PhysicalMemory;
  readonly #frames: TableFrames;
  readonly #virtOfTable: (paddr: bigint) => bigint;
  /** Table physical address -> number of valid entries. */
  readonly #used = new Map<bigint, number>();
  #version = 0;

  /** Counts calls that may change the mappings (`map`, `unmap`): a report watches it. */
  get version(): number {
    return this.#version;
  }
  readonly #tlb = new Map<bigint, Translation & { base: bigint }>();
  readonly #stats: TlbStats = { hits: 0, misses: 0, flushes: 0 };

  /**
   * Creates an empty table. `virtOfTable` gives a table frame's kernel
   * virtual address from its physical one (to free it).
   */
  constructor(
    format: PteFormat,
    ram: PhysicalMemory,
    frames: TableFrames,
    virtOfTable: (paddr: bigint) => bigint,
  ) {
    this.format = format;
    this.#ram = ram;
    this.#frames = frames;
    this.#virtOfTable = virtOfTable;
    const root = frames.alloc();
    if (root === null) throw new PageTableError(0n, "no frame for the root page table");
    this.root = root.paddr;
    this.#used.set(root.paddr, 0);
  }

  /** How many table frames (root included) the table uses. */
  get tableFrames(): number {
    return this.#used.size;
  }

  /** TLB counters. */
  get tlbStats(): Readonly<TlbStats> {
    return { ...this.#stats };
  }

  /**
   * Maps `[vaddr, vaddr + len)` to `[paddr, paddr + len)` with 4 KiB pages
   * (`use4k`) or 2 MiB blocks. Misaligned addresses, a length that is not a
   * multiple of the mapping size, a non-canonical address, or any page
   * already mapped throw {@linkcode PageTableError} before anything is
   * written. With `flush`, the TLB entries of the range are flushed.
   */
  map(
    vaddr: bigint,
    paddr: bigint,
    len: number,
    flags: number,
    use4k: boolean,
    flush = true,
  ): void {
    this.#version++;
    const size = use4k ? PAGE_4K : PAGE_2M;
    const what = use4k ? "4 KiB" : "2 MiB";
    if (len <= 0 || BigInt(len) % size !== 0n) {
      throw new PageTableError(vaddr, `length ${len} is not a positive multiple of ${what}`);
    }
    if (vaddr % size !== 0n) {
      throw new PageTableError(
        vaddr,
        `virtual address 0x${vaddr.toString(16)} is not ${what} aligned`,
      );
    }
    if (paddr % size !== 0n) {
      throw new PageTableError(
        vaddr,
        `physical address 0x${paddr.toString(16)} is not ${what} aligned`,
      );
    }
    if (paddr < 0n || paddr + BigInt(len) > 1n << BigInt(this.format.paBits)) {
      throw new PageTableError(
        vaddr,
        `physical range [0x${paddr.toString(16)}, +0x${len.toString(16)}) is wider than ` +
          `${this.format.name}'s ${this.format.paBits}-bit physical addresses`,
      );
    }
    const n = BigInt(len) / size;
    const leafLevel = use4k ? this.format.levels - 1 : this.format.blockLevel;
    for (let i = 0n; i < n; i++) {
      if ((i & 4095n) === 4095n) this.#ram.poll?.();
      const v = vaddr + i * size;
      this.#checkCanonical(v);
      const clash = this.#probe(v, leafLevel);
      if (clash !== undefined) {
        throw new PageTableError(
          v,
          `0x${v.toString(16)} is already mapped (${clash}); unmap it first`,
        );
      }
    }
    const created: bigint[] = [];
    let done = 0n;
    try {
      for (let i = 0n; i < n; i++, done = i) {
        if ((i & 4095n) === 4095n) this.#ram.poll?.();
        const v = vaddr + i * size;
        const table = this.#walkCreate(v, leafLevel, created);
        const slot = table + this.#index(v, leafLevel) * 8n;
        this.#ram.write64(slot, this.format.leaf(paddr + i * size, flags, leafLevel));
        this.#used.set(table, this.#used.get(table)! + 1);
      }
    } catch (e) {
      // Out of table frames (or time) part-way: undo what was mapped, so the
      // table is as before.
      for (let i = 0n; i <= done && i < n; i++) this.#unmapOne(vaddr + i * size, leafLevel, false);
      throw e;
    }
    if (flush) this.flush(vaddr, len);
  }

  /**
   * Unmaps `[vaddr, vaddr + len)` (4 KiB aligned). Tables left empty are
   * freed. A 2 MiB block can only be unmapped whole. Returns how many
   * mappings were removed; holes are skipped.
   */
  unmap(vaddr: bigint, len: number, flush = true): number {
    this.#version++;
    if (vaddr % PAGE_4K !== 0n || len <= 0 || BigInt(len) % PAGE_4K !== 0n) {
      throw new PageTableError(
        vaddr,
        `unmap of [0x${vaddr.toString(16)}, +${len}) is not whole 4 KiB pages`,
      );
    }
    let removed = 0;
    const end = vaddr + BigInt(len);
    let steps = 0;
    for (let v = vaddr; v < end;) {
      if ((++steps & 4095) === 0) this.#ram.poll?.();
      this.#checkCanonical(v);
      const found = this.#find(v);
      if (found === undefined) {
        v += PAGE_4K;
        continue;
      }
      const size = found.level === this.format.levels - 1 ? PAGE_4K : PAGE_2M;
      if (v % size !== 0n || v + size > end) {
        throw new PageTableError(
          v,
          `0x${v.toString(16)} is inside a 2 MiB mapping; unmap the whole block`,
        );
      }
      this.#unmapOne(v, found.level, true);
      removed++;
      v += size;
    }
    if (flush) this.flush(vaddr, len);
    return removed;
  }

  /** Walks the tables in RAM; throws {@linkcode TranslationFault} where the walk stops. */
  translate(vaddr: bigint): Translation {
    this.#checkCanonical(vaddr);
    let table = this.root;
    for (let level = 0; level < this.format.levels; level++) {
      const pte = this.#ram.read64(table + this.#index(vaddr, level) * 8n);
      const d = this.format.decode(pte, level);
      if (!d.valid) throw new TranslationFault(vaddr, level, this.format.levels);
      if (d.leaf) {
        const size = level === this.format.levels - 1 ? PAGE_4K : PAGE_2M;
        return { paddr: d.addr + (vaddr % size), pageSize: Number(size), flags: d.flags };
      }
      table = d.addr;
    }
    throw new TranslationFault(vaddr, this.format.levels - 1, this.format.levels);
  }

  /**
   * Translates as the CPU does: a TLB hit answers without walking (and is
   * stale if a mapping changed without a flush); a miss walks and fills.
   */
  access(vaddr: bigint): Translation {
    for (const size of [PAGE_4K, PAGE_2M]) {
      const hit = this.#tlb.get(vaddr - (vaddr % size));
      if (hit !== undefined && BigInt(hit.pageSize) === size) {
        this.#stats.hits++;
        return {
          paddr: hit.paddr + (vaddr - hit.base),
          pageSize: hit.pageSize,
          flags: hit.flags,
          fromTlb: true,
        };
      }
    }
    this.#stats.misses++;
    const t = this.translate(vaddr);
    const base = vaddr - (vaddr % BigInt(t.pageSize));
    this.#tlb.set(base, { ...t, paddr: t.paddr - (vaddr - base), base });
    return { ...t, fromTlb: false };
  }

  /** Flushes the TLB entries of a range, or all of them. Counts one flush. */
  flush(vaddr?: bigint, len?: number): void {
    this.#stats.flushes++;
    if (vaddr === undefined) {
      this.#tlb.clear();
      return;
    }
    const end = vaddr + BigInt(len ?? 1);
    for (const [base, t] of this.#tlb) {
      if (base < end && vaddr < base + BigInt(t.pageSize)) this.#tlb.delete(base);
    }
  }

  /** Every leaf mapping, in address order (for reports and tests). */
  mappings(): { vaddr: bigint; paddr: bigint; size: number; flags: number }[] {
    const out: { vaddr: bigint; paddr: bigint; size: number; flags: number }[] = [];
    const walk = (table: bigint, level: number, prefix: bigint) => {
      for (let i = 0n; i < 512n; i++) {
        const d = this.format.decode(this.#ram.read64(table + i * 8n), level);
        if (!d.valid) continue;
        const va = prefix | (i << this.#shift(level));
        if (d.leaf) {
          out.push({
            vaddr: this.#canonical(va),
            paddr: d.addr,
            size: level === this.format.levels - 1 ? 0x1000 : 0x20_0000,
            flags: d.flags,
          });
        } else walk(d.addr, level + 1, va);
      }
    };
    walk(this.root, 0, 0n);
    return out;
  }

  #shift(level: number): bigint {
    return BigInt(12 + 9 * (this.format.levels - 1 - level));
  }

  #index(vaddr: bigint, level: number): bigint {
    return (vaddr >> this.#shift(level)) & 511n;
  }

  #canonical(va: bigint): bigint {
    const bits = BigInt(this.format.vaBits);
    return (va & (1n << (bits - 1n))) !== 0n ? va | (((1n << 64n) - 1n) ^ ((1n << bits) - 1n)) : va;
  }

  #checkCanonical(vaddr: bigint): void {
    if (this.#canonical(vaddr & ((1n << BigInt(this.format.vaBits)) - 1n)) !== vaddr) {
      throw new PageTableError(
        vaddr,
        `0x${
          vaddr.toString(16)
        } is not a canonical ${this.format.vaBits}-bit address (${this.format.name})`,
      );
    }
  }

  /** What already occupies the leaf slot for `v` at `leafLevel`, if anything. */
  #probe(v: bigint, leafLevel: number): string | undefined {
    let table = this.root;
    for (let level = 0; level <= leafLevel; level++) {
      const d = this.#entry(table, v, level);
      if (!d.valid) return undefined;
      if (d.leaf) return level === this.format.levels - 1 ? "a 4 KiB page" : "a 2 MiB block";
      if (level === leafLevel) return "a page table with mappings";
      table = d.addr;
    }
    return undefined;
  }

  #entry(table: bigint, v: bigint, level: number): DecodedPte {
    return this.format.decode(this.#ram.read64(table + this.#index(v, level) * 8n), level);
  }

  #walkCreate(v: bigint, leafLevel: number, created: bigint[]): bigint {
    let table = this.root;
    for (let level = 0; level < leafLevel; level++) {
      const slot = table + this.#index(v, level) * 8n;
      const d = this.format.decode(this.#ram.read64(slot), level);
      if (d.valid) {
        table = d.addr;
        continue;
      }
      const frame = this.#frames.alloc();
      if (frame === null) {
        throw new PageTableError(v, "out of memory for a page table frame");
      }
      this.#ram.fill(frame.paddr, PAGE_4K, 0);
      this.#ram.write64(slot, this.format.table(frame.paddr));
      this.#used.set(table, this.#used.get(table)! + 1);
      this.#used.set(frame.paddr, 0);
      created.push(frame.paddr);
      table = frame.paddr;
    }
    return table;
  }

  #find(v: bigint): { level: number } | undefined {
    let table = this.root;
    for (let level = 0; level < this.format.levels; level++) {
      const d = this.#entry(table, v, level);
      if (!d.valid) return undefined;
      if (d.leaf) return { level };
      table = d.addr;
    }
    return undefined;
  }

  /** Clears the leaf for `v` at `level` if present, freeing tables left empty. */
  #unmapOne(v: bigint, leafLevel: number, mustExist: boolean): void {
    const path: bigint[] = [];
    let table = this.root;
    for (let level = 0; level < leafLevel; level++) {
      path.push(table);
      const d = this.#entry(table, v, level);
      if (!d.valid || d.leaf) {
        if (mustExist) throw new PageTableError(v, "internal: mapping vanished");
        return;
      }
      table = d.addr;
    }
    const d = this.#entry(table, v, leafLevel);
    if (!d.valid || !d.leaf) {
      if (mustExist) throw new PageTableError(v, "internal: mapping vanished");
      return;
    }
    this.#ram.write64(table + this.#index(v, leafLevel) * 8n, 0n);
    this.#used.set(table, this.#used.get(table)! - 1);
    // Free tables that are now empty, bottom up (never the root).
    for (let level = leafLevel; level > 0; level--) {
      if (this.#used.get(table)! !== 0) break;
      const parent = path[level - 1];
      this.#ram.write64(parent + this.#index(v, level - 1) * 8n, 0n);
      this.#used.set(parent, this.#used.get(parent)! - 1);
      this.#used.delete(table);
      this.#frames.free(this.#virtOfTable(table));
      table = parent;
    }
  }
}
