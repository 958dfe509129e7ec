/**
 * Builtins of the boot and the ArceOS global allocator: the tutorial's
 * early allocator and the switch, axalloc's `GlobalAlloc`, page calls and
 * `GlobalPage`; the constants of the kernel image and RAM.
 *
 * @module
 */

import { GlobalPage } from "../../mm/axalloc/global_page.ts";
import { ScriptError } from "../errors.ts";
import { Handle, type Value } from "../values.ts";
import type { World } from "../world.ts";
import { big, type BuiltinGroup, fitting, int, method, num } from "./args.ts";

/**
 * A `GlobalPage` for scripts. Its views are checked by the sanitizer like
 * any access: after `release()`, a read, a write or a second release is a
 * KASAN report (use-after-free, double-free).
 */
function pageHandle(w: World, page: GlobalPage): Handle {
  const start = page.startVaddr();
  const bytes = page.size();
  const touch = (index: number, length: number, kind: "Read" | "Write") => {
    const shadow = w.shadow;
    if (shadow === undefined || index < 0 || index + length > bytes || w.unchecked > 0) return;
    // A released page says so first, as GlobalPage does, then KASAN's report.
    const what = kind === "Read" ? "as_slice" : "as_mut_slice";
    const summary = page.released
      ? `GlobalPage at 0x${start.toString(16)} was released; ${what} is a use after free`
      : undefined;
    shadow.check(w.toPhys(start + BigInt(index)), length, kind, summary);
  };
  return new Handle("GlobalPage", page, {
    start_vaddr: () => page.startVaddr(),
    start_paddr: () => page.startPaddr(),
    size: () => big(page.size()),
    released: () => page.released,
  }, {
    fill: method(["byte"], ([b]) => {
      const byte = Number(fitting(b, 8, "byte"));
      touch(0, bytes, "Write");
      return page.fill(byte), null;
    }),
    zero: method([], () => (touch(0, bytes, "Write"), page.zero(), null)),
    release: method([], () => {
      const shadow = w.shadow;
      if (page.released && shadow !== undefined) {
        throw shadow.badFree(w.toPhys(start), "release", "UseAfterFree");
      }
      return page.release(), null;
    }),
    read8: method(["index"], ([i]) => {
      const index = num(i, "index");
      touch(index, 1, "Read");
      return big(page.asSlice().get(index));
    }),
    write8: method(["index", "value"], ([i, v]) => {
      const index = num(i, "index");
      const value = Number(fitting(v, 8, "value"));
      touch(index, 1, "Write");
      return page.asMutSlice().set(index, value), null;
    }),
  });
}

/** Boot, the global allocator and `GlobalPage`. */
export const BOOT: BuiltinGroup = {
  title: "boot and the global allocator",
  builtins: {
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
      doc:
        "global_init: the page allocator takes the region, the first 32 KiB become the byte heap",
      fn: (w, [s, n]) => (w.kernel.globalInit(int(s, "start"), int(n, "size")), null),
    },
    global_add_memory: {
      params: ["start", "size"],
      doc: "global_add_memory: more memory for the byte allocator",
      fn: (w, [s, n]) => (w.kernel.globalAddMemory(int(s, "start"), int(n, "size")), null),
    },
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
      fn: (w, [n, a]) => {
        const [pages, align] = [num(n, "num_pages"), num(a, "align")];
        const p = w.kernel.allocPages(pages, align);
        w.checkPageAlignment(`alloc_pages(${pages}, ${align})`, p, align);
        return p;
      },
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
      fn: (w) => big(w.peekKernel()?.usedBytes() ?? 0),
    },
    available_bytes: {
      params: [],
      doc: "bytes available to the current byte allocator",
      fn: (w) => big(w.peekKernel()?.availableBytes() ?? 0),
    },
    used_pages: {
      params: [],
      doc: "pages in use by the current page allocator",
      fn: (w) => big(w.peekKernel()?.usedPages() ?? 0),
    },
    available_pages: {
      params: [],
      doc: "pages available to the current page allocator",
      fn: (w) => big(w.peekKernel()?.availablePages() ?? 0),
    },
    allocator_name: {
      params: [],
      doc: "the global allocator's name: TLSF, slab, buddy or a WebAssembly module's path",
      fn: (w) => w.allocatorName,
    },
    heap_start: {
      params: [],
      doc: "where global_init placed the initial 32 KiB heap",
      fn: (w) => {
        const k = w.peekKernel();
        if (k === undefined || !k.global.initialised) {
          throw new ScriptError("heap_start(): the global allocator is not initialised yet");
        }
        return k.toVirt(k.global.heapStart);
      },
    },
    boot_stage: {
      params: [],
      doc: "boot, early or final",
      fn: (w) => w.peekKernel()?.stage ?? "boot",
    },
    owner_of: {
      params: ["addr"],
      doc: "which allocator owns a live allocation (early-bytes, global-pages, ...) or null",
      fn: (w, [a]) => w.peekKernel()?.ownerOf(int(a, "address")) ?? null,
    },
    page_alloc: {
      params: [],
      doc: "GlobalPage::alloc(): one page",
      fn: (w) => pageHandle(w, GlobalPage.alloc(w.kernel)),
    },
    page_alloc_zero: {
      params: [],
      doc: "GlobalPage::alloc_zero(): one zeroed page",
      fn: (w) => pageHandle(w, GlobalPage.allocZero(w.kernel)),
    },
    page_alloc_contiguous: {
      params: ["num_pages", "align"],
      doc: "GlobalPage::alloc_contiguous(n, align)",
      fn: (w, [n, a]) => {
        const [pages, align] = [num(n, "num_pages"), num(a, "align")];
        const page = GlobalPage.allocContiguous(w.kernel, pages, align);
        w.checkPageAlignment(`page_alloc_contiguous(${pages}, ${align})`, page.startVaddr(), align);
        return pageHandle(w, page);
      },
    },
  },
  constants: {
    _skernel: (w) => w.platform.kernelVaddr,
    _ekernel: (w) => w.platform.kernelVaddr + w.platform.kernelSize,
    kernel_paddr: (w) => w.platform.kernelPaddr,
    phys_memory_base: (w) => w.platform.ram[0].base,
    phys_memory_size: (w) => w.platform.ram.reduce((s, r) => s + r.size, 0n),
    phys_virt_offset: (w) => w.platform.physVirtOffset,
    platform_name: (w) => w.platform.name,
    PAGE_SIZE: (): Value => 4096n,
  },
};
