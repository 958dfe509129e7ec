/**
 * Builtins of the DragonOS (C era) memory API: kmalloc/kzalloc/kfree, zoned
 * pages, page tables in simulated RAM, `mm_stat`; its constants.
 *
 * @module
 */

import { ECANNOT_FREE_MEM, GFP_ZERO } from "../../mm/dragonos/kmalloc.ts";
import { EFAULT, type PageTable } from "../../mm/dragonos/page_table.ts";
import * as PTE from "../../mm/dragonos/pte_format.ts";
import * as Z from "../../mm/dragonos/zoned_pages.ts";
import { Handle, Rec, type Value } from "../values.ts";
import { big, type BuiltinGroup, handle, int, method, num } from "./args.ts";

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
    levels: () => big(t.format.levels),
    table_frames: () => big(t.tableFrames),
    tlb_hits: () => big(t.tlbStats.hits),
    tlb_misses: () => big(t.tlbStats.misses),
    tlb_flushes: () => big(t.tlbStats.flushes),
  }, {
    translate: method(["vaddr"], ([v]) => translation(t.translate(int(v, "address")))),
    access: method(["vaddr"], ([v]) => translation(t.access(int(v, "address")))),
    map: method(
      ["virt", "phys", "len", "flags", "user?", "flush?"],
      ([v, p, n, f, u, fl]) => (
        t.map(
          int(v, "virt"),
          int(p, "phys"),
          num(n, "len"),
          num(f, "flags"),
          u === true,
          fl !== false,
        ), null
      ),
    ),
    unmap: method(
      ["virt", "len", "flush?"],
      ([v, n, fl]) => big(t.unmap(int(v, "virt"), num(n, "len"), fl !== false)),
    ),
    flush: method(
      ["addr?", "len?"],
      (
        a,
      ) => (a.length ? t.flush(int(a[0], "address"), num(a[1] ?? 4096n, "length")) : t.flush(),
        null),
    ),
    mappings: method([], () => big(t.mappings().length)),
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

const fixed = (v: number): () => Value => () => BigInt(v);

/** DragonOS. */
export const DRAGONOS: BuiltinGroup = {
  title: "DragonOS: kmalloc, zoned pages, page tables",
  builtins: {
    kmalloc: {
      params: ["size", "gfp?"],
      doc:
        "kmalloc(size, gfp): an object of the smallest power-of-two cache; null on failure (logged)",
      fn: (w, [s, g]) =>
        w.dragonForAlloc("kmalloc")?.kmalloc(num(s, "size"), g === undefined ? 0 : num(g, "gfp")) ??
          null,
    },
    kzalloc: {
      params: ["size", "gfp?"],
      doc: "kmalloc with __GFP_ZERO",
      fn: (w, [s, g]) =>
        w.dragonForAlloc("kzalloc")?.kzalloc(num(s, "size"), g === undefined ? 0 : num(g, "gfp")) ??
          null,
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
        const p = w.dragonForAlloc("alloc_pages")?.allocPages(
          num(z, "zone"),
          num(n, "num"),
          num(f, "flags"),
        ) ?? null;
        return p === null ? null : zonePageHandle(p);
      },
    },
    zone_free_pages: {
      params: ["page", "num"],
      doc: "DragonOS free_pages(page, num)",
      fn: (
        w,
        [p, n],
      ) => (w.dragon.freePages(handle<Z.Page>(p, "Page", "page"), num(n, "num")), null),
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
  },
  constants: {
    PAGE_2M_SIZE: fixed(Z.PAGE_2M_SIZE),
    ZONE_DMA: fixed(Z.ZONE_DMA),
    ZONE_NORMAL: fixed(Z.ZONE_NORMAL),
    ZONE_UNMAPPED_IN_PGT: fixed(Z.ZONE_UNMAPPED_IN_PGT),
    PAGE_PGT_MAPPED: fixed(Z.PAGE_PGT_MAPPED),
    PAGE_KERNEL_INIT: fixed(Z.PAGE_KERNEL_INIT),
    PAGE_DEVICE: fixed(Z.PAGE_DEVICE),
    PAGE_KERNEL: fixed(Z.PAGE_KERNEL),
    PAGE_SHARED: fixed(Z.PAGE_SHARED),
    GFP_ZERO: fixed(GFP_ZERO),
    MAP_READ: fixed(PTE.MAP_READ),
    MAP_WRITE: fixed(PTE.MAP_WRITE),
    MAP_EXECUTE: fixed(PTE.MAP_EXECUTE),
    MAP_USER: fixed(PTE.MAP_USER),
    MAP_GLOBAL: fixed(PTE.MAP_GLOBAL),
    MAP_UNCACHED: fixed(PTE.MAP_UNCACHED),
    EFAULT: fixed(EFAULT),
    ECANNOT_FREE_MEM: fixed(ECANNOT_FREE_MEM),
  },
};
