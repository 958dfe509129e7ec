/**
 * The builtin functions and constants of `.mms` scripts: every operation
 * of the simulated kernel.
 *
 * @module
 */

import { phys, virt } from "../hal/address.ts";
import { memoryMap } from "../hal/memory_map.ts";
import { physToBus, physToVirt, virtToBus, virtToPhys } from "../hal/platform.ts";
import type { ByteAllocator, IdAllocator, PageAllocator } from "../mm/allocator/traits.ts";
import { type BitmapCapacity, checkPagesAtBase } from "../mm/allocator/bitmap_page_allocator.ts";
import { hex } from "../hal/int.ts";
import { AllocError } from "../mm/allocator/alloc_error.ts";
import { ECANNOT_FREE_MEM, GFP_ZERO } from "../mm/dragonos/kmalloc.ts";
import { EFAULT, type PageTable } from "../mm/dragonos/page_table.ts";
import * as PTE from "../mm/dragonos/pte_format.ts";
import { buddyinfo, meminfo, slabinfo } from "../mm/dragonos/reports.ts";
import * as Z from "../mm/dragonos/zoned_pages.ts";
import type { DmaInfo } from "../mm/axdma/dma.ts";
import { allocatorEntry, ALLOCATORS } from "../mm/registry.ts";
import { GlobalPage } from "../mm/axalloc/global_page.ts";
import { ArgumentError, ScriptError } from "./errors.ts";
import { formatValue, Handle, Rec, typeName, type Value } from "./values.ts";
import type { World } from "./world.ts";

/** A builtin function. */
export interface Builtin {
  /** Parameter names; a trailing `?` marks an optional one. */
  params: readonly string[];
  /** What it does, in one line (for `--help` and the docs). */
  doc: string;
  /** The implementation. */
  fn: (w: World, args: Value[]) => Value;
}

function int(v: Value, what: string): bigint {
  if (typeof v === "bigint") return v;
  if (typeof v === "boolean") return v ? 1n : 0n;
  throw new ScriptError(`${what} must be an integer, not ${typeName(v)} ${formatValue(v)}`);
}

function num(v: Value, what: string): number {
  const b = int(v, what);
  if (b < -(2n ** 53n) || b > 2n ** 53n) {
    throw new ScriptError(`${what} ${formatValue(v)} is too large here (above 2^53)`);
  }
  return Number(b);
}

/** How many bytes `read_str` reads at most, and how long a string may grow. */
export const MAX_STRING_BYTES = 16 << 20;

/**
 * A value stored by an access of `bits` bits: signed or unsigned, it must
 * fit (`-2^(bits-1) .. 2^bits - 1`); the result is the unsigned pattern.
 */
function fitting(v: Value, bits: number, what: string): bigint {
  const b = int(v, what);
  const width = BigInt(bits);
  const lo = -(1n << (width - 1n));
  const hi = (1n << width) - 1n;
  if (b < lo || b > hi) {
    throw new ArgumentError(
      what,
      `${what} ${formatValue(b)} does not fit in ${bits} bits (${lo} .. ${formatValue(hi)})`,
    );
  }
  return BigInt.asUintN(bits, b);
}

/** A length or count: not negative, and at most `max` when given. */
function length(v: Value, what: string, max?: number): number {
  const n = num(v, what);
  if (n < 0) throw new ArgumentError(what, `${what} ${n} is negative`);
  if (max !== undefined && n > max) {
    throw new ArgumentError(what, `${what} ${n} is more than the limit of ${max}`);
  }
  return n;
}

function str(v: Value, what: string): string {
  if (typeof v !== "string") throw new ScriptError(`${what} must be a string, not ${typeName(v)}`);
  return v;
}

function handle<T>(v: Value, type: string, what: string): T {
  if (!(v instanceof Handle) || v.type !== type) {
    throw new ScriptError(`${what} must be a ${type}, not ${typeName(v)}`);
  }
  return v.target as T;
}

const big = (n: number) => BigInt(n);

function pageHandle(page: GlobalPage): Handle {
  return new Handle("GlobalPage", page, {
    start_vaddr: () => page.startVaddr(),
    start_paddr: () => page.startPaddr(),
    size: () => big(page.size()),
    released: () => page.released,
  }, {
    fill: ([b]) => (page.fill(Number(fitting(b, 8, "byte"))), null),
    zero: () => (page.zero(), null),
    release: () => (page.release(), null),
    read8: ([i]) => big(page.asSlice().get(num(i, "index"))),
    write8: (
      [i, v],
    ) => (page.asMutSlice().set(num(i, "index"), Number(fitting(v, 8, "value"))), null),
  });
}

function zonePageHandle(page: Z.Page): Handle {
  return new Handle("Page", page, {
    addr_phys: () => page.addrPhys,
    zone: () => big(page.zone),
    attr: () => big(page.attr),
  }, {});
}

function pageTableHandle(t: PageTable): Handle {
  return new Handle("PageTable", t, {
    root: () => t.root,
    format: () => t.format.name,
    table_frames: () => big(t.tableFrames),
    tlb_hits: () => big(t.tlbStats.hits),
    tlb_misses: () => big(t.tlbStats.misses),
    tlb_flushes: () => big(t.tlbStats.flushes),
  }, {
    translate: ([v]) => translation(t.translate(int(v, "address"))),
    access: ([v]) => translation(t.access(int(v, "address"))),
    map: ([v, p, n, f, u, fl]) => (
      t.map(
        int(v, "virt"),
        int(p, "phys"),
        num(n, "len"),
        num(f, "flags"),
        u === true,
        fl !== false,
      ), null
    ),
    unmap: ([v, n, fl]) => big(t.unmap(int(v, "virt"), num(n, "len"), fl !== false)),
    flush: (
      a,
    ) => (a.length ? t.flush(int(a[0], "address"), num(a[1] ?? 4096n, "length")) : t.flush(), null),
    mappings: () => big(t.mappings().length),
  });
}

function translation(t: ReturnType<PageTable["translate"]>): Rec {
  return new Rec("Translation", {
    paddr: t.paddr,
    page_size: big(t.pageSize),
    flags: big(t.flags),
    from_tlb: t.fromTlb ?? false,
  });
}

function allocatorHandle(kind: string, a: ByteAllocator | PageAllocator | IdAllocator): Handle {
  const methods: Record<string, (args: Value[]) => Value> = {
    add_memory: ([s, n]) => (a.addMemory(num(s, "start"), num(n, "size")), null),
  };
  const fields: Record<string, () => Value> = { kind: () => kind };
  if ("alloc" in a) {
    methods.alloc = ([s, al]) => big(a.alloc(num(s, "size"), num(al, "align")));
    methods.try_alloc = ([s, al]) => orNull(() => a.alloc(num(s, "size"), num(al, "align")));
    methods.dealloc = (
      [p, s, al],
    ) => (a.dealloc(num(p, "pointer"), num(s, "size"), num(al, "align")), null);
    fields.total_bytes = () => big(a.totalBytes());
    fields.used_bytes = () => big(a.usedBytes());
    fields.available_bytes = () => big(a.availableBytes());
  } else if ("allocPages" in a) {
    methods.alloc_pages = ([n, al]) => big(a.allocPages(num(n, "pages"), num(al, "align")));
    methods.try_alloc_pages = ([n, al]) =>
      orNull(() => a.allocPages(num(n, "pages"), num(al, "align")));
    methods.alloc_pages_at = ([b, n, al]) => {
      const base = int(b, "base");
      if (base < 0n || base > BigInt(Number.MAX_SAFE_INTEGER)) {
        // Past what the model can place: the real checks, then NoMemory.
        checkPagesAtBase(base, num(al, "align"));
        throw new AllocError("NoMemory", { reason: `${hex(base)} is not in the managed range` });
      }
      return big(a.allocPagesAt(Number(base), num(n, "pages"), num(al, "align")));
    };
    methods.dealloc_pages = ([p, n]) => (a.deallocPages(num(p, "pointer"), num(n, "pages")), null);
    fields.total_pages = () => big(a.totalPages());
    fields.used_pages = () => big(a.usedPages());
    fields.available_pages = () => big(a.availablePages());
  } else {
    methods.alloc_id = ([c, al]) => big(a.allocId(num(c, "count"), num(al ?? 1n, "align")));
    methods.dealloc_id = ([s, c]) => (a.deallocId(num(s, "id"), num(c ?? 1n, "count")), null);
    methods.is_allocated = ([i]) => a.isAllocated(num(i, "id"));
    methods.alloc_fixed_id = ([i]) => (a.allocFixedId(num(i, "id")), null);
    fields.size = () => big(a.size());
    fields.used = () => big(a.used());
    fields.available = () => big(a.available());
  }
  return new Handle(`${kind} allocator`, a, fields, methods);
}

/** The result as an integer, or null for `NoMemory` (other errors propagate). */
function orNull(fn: () => number): Value {
  try {
    return big(fn());
  } catch (e) {
    if (e instanceof AllocError && e.kind === "NoMemory") return null;
    throw e;
  }
}

function dmaRec(info: DmaInfo, size: bigint, align: bigint): Rec {
  return new Rec("DMAInfo", { cpu_addr: info.cpuAddr, bus_addr: info.busAddr, size, align });
}

/** The region `subject()` initialises a byte or ID allocator with. */
export const SUBJECT_BYTES = { base: 0x9000_0000, size: 0x10_0000 };
/** The region `subject()` initialises a page allocator with. */
export const SUBJECT_PAGES = { base: 0x8040_0000, size: 0x100_0000 };

function subjectRegion(w: World): { base: number; size: number } {
  const s = w.subject;
  if (s === undefined) {
    throw new ScriptError(
      "subject() is for conformance scripts: run them with deno task conformance",
    );
  }
  return s.kind === "PageAllocator"
    ? SUBJECT_PAGES
    : s.kind === "IdAllocator"
    ? { base: 0, size: 4096 }
    : SUBJECT_BYTES;
}

/**
 * Runs code of the allocator under test: an exception that is not an
 * allocator error (a bug in a user's allocator) becomes a script error, so
 * the contract fails instead of the run crashing.
 */
function guarded<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof AllocError || e instanceof ScriptError || e instanceof RangeError) throw e;
    throw new ScriptError(
      `the allocator under test threw ${
        e instanceof Error ? `${e.name}: ${e.message}` : String(e)
      }`,
    );
  }
}

/** A set of address ranges (exact 64-bit), for checking that live blocks never overlap. */
class RangeSet {
  readonly #starts: bigint[] = [];
  readonly #sizes = new Map<bigint, bigint>();
  /** Adds `[start, start + size)`; false (and nothing added) if it overlaps a member. */
  add(start: bigint, size: bigint): boolean {
    const s = this.#starts;
    let lo = 0;
    let hi = s.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (s[mid] < start) lo = mid + 1;
      else hi = mid;
    }
    const extent = (n: bigint) => (n > 0n ? n : 1n);
    const prev = s[lo - 1];
    if (prev !== undefined && prev + extent(this.#sizes.get(prev)!) > start) return false;
    const next = s[lo];
    if (next !== undefined && start + extent(size) > next) return false;
    s.splice(lo, 0, start);
    this.#sizes.set(start, size);
    return true;
  }
  /** Removes the member starting at `start`; its size, or -1. */
  remove(start: bigint): bigint {
    const size = this.#sizes.get(start);
    if (size === undefined) return -1n;
    this.#sizes.delete(start);
    this.#starts.splice(this.#starts.indexOf(start), 1);
    return size;
  }
  get count(): number {
    return this.#starts.length;
  }
  get total(): bigint {
    let t = 0n;
    for (const v of this.#sizes.values()) t += v;
    return t;
  }
  at(i: number): bigint {
    return this.#starts[i];
  }
  sizeOf(start: bigint): bigint {
    return this.#sizes.get(start) ?? -1n;
  }
}

function rangeSetHandle(w: World, r: RangeSet): Handle {
  return new Handle("Blocks", r, {
    count: () => big(r.count),
    total: () => r.total,
  }, {
    add: ([a, n]) => r.add(int(a, "address"), int(n, "size")),
    remove: ([a]) => r.remove(int(a, "address")),
    size_of: ([a]) => r.sizeOf(int(a, "address")),
    pick: () => {
      if (r.count === 0) throw new ScriptError("pick() on an empty block set");
      return r.at(Number(w.rng.between(0n, big(r.count - 1))));
    },
  });
}

/** The builtin functions, by name. */
export const BUILTINS: Readonly<Record<string, Builtin>> = {
  // --- boot ---
  early_init: {
    params: ["start", "size"],
    doc: "the tutorial's early allocator takes [start, start + size)",
    fn: (w, [s, n]) => (w.kernel.earlyInit(int(s, "start"), int(n, "size")), null),
  },
  final_init: {
    params: [],
    doc:
      "hands all free RAM to the global allocator (largest region to global_init, the rest to global_add_memory)",
    fn: (w) => (w.kernel.finalInit(), null),
  },
  global_init: {
    params: ["start", "size"],
    doc: "global_init: the page allocator takes the region, the first 32 KiB become the byte heap",
    fn: (w, [s, n]) => (w.kernel.globalInit(int(s, "start"), int(n, "size")), null),
  },
  global_add_memory: {
    params: ["start", "size"],
    doc: "global_add_memory: more memory for the byte allocator",
    fn: (w, [s, n]) => (w.kernel.globalAddMemory(int(s, "start"), int(n, "size")), null),
  },
  // --- the kernel's GlobalAlloc ---
  alloc: {
    params: ["size", "align"],
    doc: "GlobalAlloc::alloc: bytes from the current allocator; failure is a kernel panic",
    fn: (w, [s, a]) => w.kernel.alloc(num(s, "size"), num(a, "align")),
  },
  dealloc: {
    params: ["ptr", "size", "align"],
    doc: "GlobalAlloc::dealloc: frees into the allocator that owns the pointer",
    fn: (
      w,
      [p, s, a],
    ) => (w.kernel.dealloc(int(p, "pointer"), num(s, "size"), num(a, "align")), null),
  },
  alloc_pages: {
    params: ["num_pages", "align"],
    doc: "global_allocator().alloc_pages: 4 KiB pages (NoMemory / InvalidParam on failure)",
    fn: (w, [n, a]) => w.kernel.allocPages(num(n, "num_pages"), num(a, "align")),
  },
  alloc_pages_at: {
    params: ["base", "num_pages", "align"],
    doc: "global_allocator().alloc_pages_at: exactly these pages",
    fn: (w, [b, n, a]) =>
      w.kernel.allocPagesAt(int(b, "base"), num(n, "num_pages"), num(a, "align")),
  },
  dealloc_pages: {
    params: ["ptr", "num_pages"],
    doc: "global_allocator().dealloc_pages",
    fn: (w, [p, n]) => (w.kernel.deallocPages(int(p, "pointer"), num(n, "num_pages")), null),
  },
  used_bytes: {
    params: [],
    doc: "bytes in use by the current byte allocator",
    fn: (w) => big(w.kernel.usedBytes()),
  },
  available_bytes: {
    params: [],
    doc: "bytes available to the current byte allocator",
    fn: (w) => big(w.kernel.availableBytes()),
  },
  used_pages: {
    params: [],
    doc: "pages in use by the current page allocator",
    fn: (w) => big(w.kernel.usedPages()),
  },
  available_pages: {
    params: [],
    doc: "pages available to the current page allocator",
    fn: (w) => big(w.kernel.availablePages()),
  },
  allocator_name: {
    params: [],
    doc: "the global allocator's name: TLSF, slab or buddy",
    fn: (w) => w.kernel.global.name(),
  },
  heap_start: {
    params: [],
    doc: "where global_init placed the initial 32 KiB heap",
    fn: (w) => w.kernel.toVirt(w.kernel.global.heapStart),
  },
  boot_stage: { params: [], doc: "boot, early or final", fn: (w) => w.kernel.stage },
  owner_of: {
    params: ["addr"],
    doc: "which allocator owns a live allocation (early-bytes, global-pages, ...) or null",
    fn: (w, [a]) => w.kernel.ownerOf(int(a, "address")) ?? null,
  },
  // --- GlobalPage ---
  page_alloc: {
    params: [],
    doc: "GlobalPage::alloc(): one page",
    fn: (w) => pageHandle(GlobalPage.alloc(w.kernel)),
  },
  page_alloc_zero: {
    params: [],
    doc: "GlobalPage::alloc_zero(): one zeroed page",
    fn: (w) => pageHandle(GlobalPage.allocZero(w.kernel)),
  },
  page_alloc_contiguous: {
    params: ["num_pages", "align"],
    doc: "GlobalPage::alloc_contiguous(n, align)",
    fn: (w, [n, a]) =>
      pageHandle(GlobalPage.allocContiguous(w.kernel, num(n, "num_pages"), num(a, "align"))),
  },
  // --- DMA ---
  alloc_coherent: {
    params: ["size", "align"],
    doc: "axdma alloc_coherent: a DMAInfo {cpu_addr, bus_addr}; pages marked uncached",
    fn: (w, [s, a]) =>
      dmaRec(w.dma.allocCoherent(num(s, "size"), num(a, "align")), int(s, "size"), int(a, "align")),
  },
  dealloc_coherent: {
    params: ["dma"],
    doc: "axdma dealloc_coherent of a DMAInfo from alloc_coherent",
    fn: (w, [d]) => {
      if (!(d instanceof Rec) || d.type !== "DMAInfo") {
        throw new ScriptError("dealloc_coherent takes a DMAInfo");
      }
      const f = d.fields;
      w.dma.deallocCoherent(
        {
          cpuAddr: virt(int(f.cpu_addr, "cpu_addr")),
          busAddr: int(f.bus_addr, "bus_addr") as never,
        },
        num(f.size, "size"),
        num(f.align, "align"),
      );
      return null;
    },
  },
  virt_to_phys: {
    params: ["vaddr"],
    doc: "the linear mapping, virtual to physical",
    fn: (w, [v]) => virtToPhys(w.platform, virt(int(v, "vaddr"))),
  },
  phys_to_virt: {
    params: ["paddr"],
    doc: "the linear mapping, physical to virtual",
    fn: (w, [p]) => physToVirt(w.platform, phys(int(p, "paddr"))),
  },
  phys_to_bus: {
    params: ["paddr"],
    doc: "phys_to_bus: adds the platform's bus offset",
    fn: (w, [p]) => physToBus(w.platform, phys(int(p, "paddr"))),
  },
  virt_to_bus: {
    params: ["vaddr"],
    doc: "virt_to_bus = phys_to_bus(virt_to_phys(v))",
    fn: (w, [v]) => virtToBus(w.platform, virt(int(v, "vaddr"))),
  },
  memory_attribute: {
    params: ["vaddr"],
    doc: "the caching attribute of a page: normal or uncached",
    fn: (w, [v]) => w.kernel.memoryAttribute(int(v, "vaddr")),
  },
  // --- physical memory (kernel virtual addresses of the linear map, or physical ones) ---
  read8: {
    params: ["addr"],
    doc: "reads a byte",
    fn: (w, [a]) => big(w.ram.read8(w.toPhys(int(a, "address")))),
  },
  read16: {
    params: ["addr"],
    doc: "reads a little-endian u16",
    fn: (w, [a]) => big(w.ram.read16(w.toPhys(int(a, "address")))),
  },
  read32: {
    params: ["addr"],
    doc: "reads a little-endian u32",
    fn: (w, [a]) => big(w.ram.read32(w.toPhys(int(a, "address")))),
  },
  read64: {
    params: ["addr"],
    doc: "reads a little-endian u64",
    fn: (w, [a]) => w.ram.read64(w.toPhys(int(a, "address"))),
  },
  write8: {
    params: ["addr", "value"],
    doc: "writes a byte",
    fn: (
      w,
      [a, v],
    ) => (w.ram.write8(w.toPhys(int(a, "address")), Number(fitting(v, 8, "value"))), null),
  },
  write16: {
    params: ["addr", "value"],
    doc: "writes a u16",
    fn: (
      w,
      [a, v],
    ) => (w.ram.write16(w.toPhys(int(a, "address")), Number(fitting(v, 16, "value"))), null),
  },
  write32: {
    params: ["addr", "value"],
    doc: "writes a u32",
    fn: (
      w,
      [a, v],
    ) => (w.ram.write32(w.toPhys(int(a, "address")), Number(fitting(v, 32, "value"))), null),
  },
  write64: {
    params: ["addr", "value"],
    doc: "writes a u64",
    fn: (w, [a, v]) => (w.ram.write64(w.toPhys(int(a, "address")), fitting(v, 64, "value")), null),
  },
  write: {
    params: ["addr", "text"],
    doc: "writes a string's UTF-8 bytes",
    fn: (
      w,
      [a, t],
    ) => (w.ram.write(w.toPhys(int(a, "address")), new TextEncoder().encode(str(t, "text"))), null),
  },
  read_str: {
    params: ["addr", "len"],
    doc: "reads len bytes as UTF-8 text",
    fn: (w, [a, n]) => {
      const len = length(n, "length", MAX_STRING_BYTES);
      return new TextDecoder().decode(w.ram.read(w.toPhys(int(a, "address")), len));
    },
  },
  fill: {
    params: ["addr", "len", "byte"],
    doc: "memset",
    fn: (
      w,
      [a, n, b],
    ) => (
      w.ram.fill(
        w.toPhys(int(a, "address")),
        length(n, "length"),
        Number(fitting(b, 8, "byte")),
      ), null
    ),
  },
  copy: {
    params: ["dst", "src", "len"],
    doc: "memmove",
    fn: (
      w,
      [d, s, n],
    ) => (w.ram.copy(w.toPhys(int(d, "dst")), w.toPhys(int(s, "src")), length(n, "length")), null),
  },
  compare: {
    params: ["a", "b", "len"],
    doc: "memcmp: negative, 0 or positive",
    fn: (w, [a, b, n]) =>
      big(w.ram.compare(w.toPhys(int(a, "a")), w.toPhys(int(b, "b")), length(n, "length"))),
  },
  ram_committed: {
    params: [],
    doc: "bytes of host memory the simulated RAM holds",
    fn: (w) => big(w.ram.committedBytes),
  },
  // --- the allocator library ---
  new_allocator: {
    params: ["kind", "start", "size", "capacity?"],
    doc: `a standalone allocator (${
      ALLOCATORS.map((a) => a.name).join(", ")
    }), initialised with the region`,
    fn: (_w, [k, s, n, c]) => {
      const kind = str(k, "kind");
      const entry = allocatorEntry(kind);
      if (entry === undefined) {
        throw new ArgumentError(
          "kind",
          `new_allocator: kind '${kind}' is not one of ${ALLOCATORS.map((a) => a.name).join(", ")}`,
        );
      }
      if (c !== undefined && entry.interface !== "PageAllocator") {
        throw new ArgumentError("capacity", `new_allocator: a ${kind} allocator takes no capacity`);
      }
      const capacity = c === undefined ? undefined : str(c, "capacity").toLowerCase();
      const a = entry.create({ capacity: capacity as BitmapCapacity | undefined });
      a.init(num(s, "start"), num(n, "size"));
      return allocatorHandle(kind, a);
    },
  },
  // --- conformance ---
  subject: {
    params: [],
    doc:
      "a fresh instance of the allocator under test, initialised with subject_base / subject_size",
    fn: (w) => {
      const r = subjectRegion(w);
      const a = guarded(() => {
        const made = w.subject!.make();
        made.init(r.base, r.size);
        return made;
      });
      const h = allocatorHandle(w.subject!.name, a);
      const methods = Object.fromEntries(
        Object.entries(h.methods).map(([k, m]) => [k, (args: Value[]) => guarded(() => m(args))]),
      );
      const fields = Object.fromEntries(
        Object.entries(h.fields).map(([k, f]) => [k, () => guarded(f)]),
      );
      return new Handle(h.type, a, fields, methods);
    },
  },
  blocks: {
    params: [],
    doc:
      "an empty set of address ranges: add(addr, size) is false on overlap; remove, size_of, pick, count, total",
    fn: (w) => rangeSetHandle(w, new RangeSet()),
  },
  // --- DragonOS ---
  kmalloc: {
    params: ["size", "gfp?"],
    doc:
      "kmalloc(size, gfp): an object of the smallest power-of-two cache; null on failure (logged)",
    fn: (w, [s, g]) => w.dragon.kmalloc(num(s, "size"), g === undefined ? 0 : num(g, "gfp")),
  },
  kzalloc: {
    params: ["size", "gfp?"],
    doc: "kmalloc with __GFP_ZERO",
    fn: (w, [s, g]) => w.dragon.kzalloc(num(s, "size"), g === undefined ? 0 : num(g, "gfp")),
  },
  kfree: {
    params: ["ptr"],
    doc: "kfree; null does nothing; a foreign, interior or freed pointer is an error",
    fn: (w, [p]) => (w.dragon.kfree(p === null ? null : int(p, "pointer")), null),
  },
  zone_alloc_pages: {
    params: ["zone", "num", "flags"],
    doc: "DragonOS alloc_pages(zone_select, num, flags): a Page or null (logged)",
    fn: (w, [z, n, f]) => {
      const p = w.dragon.allocPages(num(z, "zone"), num(n, "num"), num(f, "flags"));
      return p === null ? null : zonePageHandle(p);
    },
  },
  zone_free_pages: {
    params: ["page", "num"],
    doc: "DragonOS free_pages(page, num)",
    fn: (w, [p, n]) => (w.dragon.freePages(handle<Z.Page>(p, "Page", "page"), num(n, "num")), null),
  },
  mm_stat: {
    params: [],
    doc: "mm_stat(): total, used, free, shared, cache_used, cache_free, available",
    fn: (w) => {
      const s = w.dragon.mmStat();
      return new Rec("mm_stat", {
        total: big(s.total),
        used: big(s.used),
        free: big(s.free),
        shared: big(s.shared),
        cache_used: big(s.cacheUsed),
        cache_free: big(s.cacheFree),
        available: big(s.available),
      });
    },
  },
  kernel_page_table: {
    params: [],
    doc: "the current (kernel) page table",
    fn: (w) => pageTableHandle(w.dragon.kernelTable),
  },
  new_page_table: {
    params: [],
    doc: "a new, empty page table (tables from kmalloc)",
    fn: (w) => pageTableHandle(w.dragon.createPageTable()),
  },
  mm_map_phys_addr: {
    params: ["virt", "phys", "len", "flags", "use4k"],
    doc: "maps in the kernel table: 0 or -EFAULT (reason logged)",
    fn: (w, [v, p, n, f, u]) =>
      big(
        w.dragon.mmMapPhysAddr(
          int(v, "virt"),
          int(p, "phys"),
          num(n, "len"),
          num(f, "flags"),
          u === true || u === 1n,
        ),
      ),
  },
  mm_map_proc_page_table: {
    params: ["pgt", "is_phys", "virt", "phys", "len", "flags", "user", "flush", "use4k"],
    doc: "maps in a page table: 0 or -EFAULT",
    fn: (w, [t, ip, v, p, n, f, us, fl, u]) =>
      big(w.dragon.mmMapProcPageTable(
        handle<PageTable>(t, "PageTable", "pgt"),
        ip === true,
        int(v, "virt"),
        int(p, "phys"),
        num(n, "len"),
        num(f, "flags"),
        us === true || us === 1n,
        fl === true || fl === 1n,
        u === true || u === 1n,
      )),
  },
  mm_unmap_proc_table: {
    params: ["pgt", "is_phys", "virt", "len"],
    doc: "unmaps from a page table, freeing empty tables: 0 or -EFAULT",
    fn: (w, [t, ip, v, n]) =>
      big(
        w.dragon.mmUnmapProcTable(
          handle<PageTable>(t, "PageTable", "pgt"),
          ip === true,
          int(v, "virt"),
          num(n, "len"),
        ),
      ),
  },
  mm_unmap_addr: {
    params: ["virt", "len"],
    doc: "unmaps from the kernel table",
    fn: (w, [v, n]) => big(w.dragon.mmUnmapAddr(int(v, "virt"), num(n, "len"))),
  },
  translate: {
    params: ["vaddr", "pgt?"],
    doc: "walks the page tables in RAM: {paddr, page_size, flags}; a PageFault names the level",
    fn: (w, [v, t]) =>
      translation(
        (t === undefined ? w.dragon.kernelTable : handle<PageTable>(t, "PageTable", "pgt"))
          .translate(int(v, "vaddr")),
      ),
  },
  // --- reports ---
  buddyinfo: {
    params: [],
    doc: "/proc/buddyinfo of the DragonOS zones",
    fn: (w) => buddyinfo(w.dragon),
  },
  slabinfo: {
    params: [],
    doc: "/proc/slabinfo of the kmalloc caches",
    fn: (w) => slabinfo(w.dragon),
  },
  meminfo: { params: [], doc: "/proc/meminfo", fn: (w) => meminfo(w.dragon) },
  memory_map: {
    params: [],
    doc: "the platform's memory map and, once booted, who owns what",
    fn: (w) => {
      const lines = memoryMap(w.platform).map((e) =>
        `${("0x" + e.base.toString(16)).padStart(12)}-${
          ("0x" + (e.base + e.size).toString(16)).padEnd(12)
        } ${e.kind.padEnd(8)} ${e.name}`
      );
      try {
        const owned = w.kernel.allocations();
        if (owned.length > 0) {
          lines.push("live allocations:");
          for (const a of owned) {
            lines.push(`  0x${a.addr.toString(16)} ${String(a.size).padStart(8)} B  ${a.owner}`);
          }
        }
      } catch { /* the DragonOS manager owns the machine */ }
      return lines.join("\n") + "\n";
    },
  },
  // --- numbers ---
  rand: {
    params: ["lo", "hi"],
    doc: "a seeded random integer in [lo, hi] (--seed)",
    fn: (w, [lo, hi]) => w.rng.between(int(lo, "lo"), int(hi, "hi")),
  },
  hex: {
    params: ["x"],
    doc: "0x... text",
    fn: (_w, [x]) => {
      const v = int(x, "x");
      return v < 0n ? "-0x" + (-v).toString(16) : "0x" + v.toString(16);
    },
  },
  dec: { params: ["x"], doc: "decimal text", fn: (_w, [x]) => int(x, "x").toString() },
  str: { params: ["x"], doc: "the value as printed", fn: (_w, [x]) => formatValue(x) },
  len: { params: ["s"], doc: "a string's length", fn: (_w, [s]) => big(str(s, "s").length) },
  min: {
    params: ["a", "b"],
    doc: "the smaller",
    fn: (_w, [a, b]) => (int(a, "a") < int(b, "b") ? a : b),
  },
  max: {
    params: ["a", "b"],
    doc: "the larger",
    fn: (_w, [a, b]) => (int(a, "a") > int(b, "b") ? a : b),
  },
  align_up: {
    params: ["x", "align"],
    doc: "rounds up to a multiple of align",
    fn: (_w, [x, a]) => {
      const al = int(a, "align");
      const v = int(x, "x");
      return (v + al - 1n) / al * al;
    },
  },
  align_down: {
    params: ["x", "align"],
    doc: "rounds down",
    fn: (_w, [x, a]) => int(x, "x") / int(a, "align") * int(a, "align"),
  },
  is_aligned: {
    params: ["x", "align"],
    doc: "x % align == 0",
    fn: (_w, [x, a]) => int(x, "x") % int(a, "align") === 0n,
  },
};

/** Named constants: of the platform, or of the modelled APIs. */
export function constant(w: World, name: string): Value | undefined {
  switch (name) {
    case "_skernel":
      return w.platform.kernelVaddr;
    case "_ekernel":
      return w.platform.kernelVaddr + w.platform.kernelSize;
    case "kernel_paddr":
      return w.platform.kernelPaddr;
    case "phys_memory_base":
      return w.platform.ram[0].base;
    case "phys_memory_size":
      return w.platform.ram.reduce((s, r) => s + r.size, 0n);
    case "phys_virt_offset":
      return w.platform.physVirtOffset;
    case "bus_offset":
      return w.platform.physBusOffset;
    case "platform_name":
      return w.platform.name;
    case "subject_base":
      return w.subject === undefined ? undefined : big(subjectRegion(w).base);
    case "subject_size":
      return w.subject === undefined ? undefined : big(subjectRegion(w).size);
    case "subject_name":
      return w.subject?.name;
  }
  return CONSTANTS[name];
}

/** Constants that do not depend on the platform. */
export const CONSTANTS: Readonly<Record<string, Value>> = {
  PAGE_SIZE: 4096n,
  PAGE_2M_SIZE: BigInt(Z.PAGE_2M_SIZE),
  ZONE_DMA: BigInt(Z.ZONE_DMA),
  ZONE_NORMAL: BigInt(Z.ZONE_NORMAL),
  ZONE_UNMAPPED_IN_PGT: BigInt(Z.ZONE_UNMAPPED_IN_PGT),
  PAGE_PGT_MAPPED: BigInt(Z.PAGE_PGT_MAPPED),
  PAGE_KERNEL_INIT: BigInt(Z.PAGE_KERNEL_INIT),
  PAGE_DEVICE: BigInt(Z.PAGE_DEVICE),
  PAGE_KERNEL: BigInt(Z.PAGE_KERNEL),
  PAGE_SHARED: BigInt(Z.PAGE_SHARED),
  GFP_ZERO: BigInt(GFP_ZERO),
  MAP_READ: BigInt(PTE.MAP_READ),
  MAP_WRITE: BigInt(PTE.MAP_WRITE),
  MAP_EXECUTE: BigInt(PTE.MAP_EXECUTE),
  MAP_USER: BigInt(PTE.MAP_USER),
  MAP_GLOBAL: BigInt(PTE.MAP_GLOBAL),
  MAP_UNCACHED: BigInt(PTE.MAP_UNCACHED),
  EFAULT: BigInt(EFAULT),
  ECANNOT_FREE_MEM: BigInt(ECANNOT_FREE_MEM),
};

/** The platform-dependent constant names. */
export const PLATFORM_CONSTANTS: readonly string[] = [
  "_skernel",
  "_ekernel",
  "kernel_paddr",
  "phys_memory_base",
  "phys_memory_size",
  "phys_virt_offset",
  "bus_offset",
  "platform_name",
  "subject_base",
  "subject_size",
  "subject_name",
];
