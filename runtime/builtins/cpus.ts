/**
 * Builtins of the machine's CPUs and of ArceOS 2026's global allocators:
 * which CPU runs, DMA32 pages, and what the per-CPU slabs and the buddy
 * hold.
 *
 * @module
 */

import { ArceosGlobal2026 } from "../../mm/axalloc/arceos_profile.ts";
import { BuddySlabGlobalAllocator } from "../../mm/axalloc/buddy_slab_global_allocator.ts";
import type { TlsfGlobalAllocator } from "../../mm/axalloc/tlsf_global_allocator.ts";
import { buddySlabBuddyinfo, percpuSlabinfo } from "../../mm/axalloc/buddy_slab_reports.ts";
import { ScriptError } from "../errors.ts";
import type { World } from "../world.ts";
import { big, type BuiltinGroup, num } from "./args.ts";

/** The running kernel's ArceOS 2026 global allocator, started, or a clear error. */
function global2026(w: World, what: string): TlsfGlobalAllocator | BuddySlabGlobalAllocator {
  const g = w.kernel.global;
  if (!(g instanceof ArceosGlobal2026)) {
    throw new ScriptError(
      `${what}: the kernel runs ArceOS ${w.kernel.profile}, which has no usage accounting ` +
        `(kernel arceos = "2026-tlsf" or "2026-buddy-slab" has it)`,
    );
  }
  if (!g.initialised) {
    throw new ScriptError(`${what}: the global allocator has not started (final_init() first)`);
  }
  return g.model;
}

/** The running kernel's buddy-slab allocator, started, or a clear error saying what `lacks`. */
function buddySlab(w: World, what: string, lacks: string): BuddySlabGlobalAllocator {
  const g = w.kernel.global;
  const model = g instanceof ArceosGlobal2026 ? g.model : undefined;
  if (model instanceof BuddySlabGlobalAllocator) {
    global2026(w, what); // (started, or says so)
    return model;
  }
  throw new ScriptError(
    `${what}: the kernel runs ArceOS ${w.kernel.profile}, which has no ${lacks} ` +
      `(kernel arceos = "2026-buddy-slab" has ${lacks.endsWith("s") ? "them" : "one"})`,
  );
}

/** CPUs and ArceOS 2026. */
export const CPUS: BuiltinGroup = {
  title: "CPUs and ArceOS 2026",
  builtins: {
    cpu: {
      params: [],
      doc: "the CPU this statement runs on (0 unless on cpu / parallel says)",
      fn: (w) => big(w.cpu),
    },
    cpu_count: {
      params: [],
      doc: "CPUs the machine has (the platform's harts, or cpus N)",
      fn: (w) => big(w.cpus),
    },
    alloc_dma32_pages: {
      params: ["num_pages", "align"],
      doc:
        "global_allocator().alloc_dma32_pages (ArceOS 2026): pages whose physical end is at most 4 GiB",
      fn: (w, [n, a]) => w.kernel.allocDma32Pages(num(n, "num_pages"), num(a, "align")),
    },
    percpu_slabinfo: {
      params: [],
      doc: "the buddy-slab allocator's slabs per CPU and class, with remote frees waiting",
      fn: (w) => percpuSlabinfo(buddySlab(w, "percpu_slabinfo()", "per-CPU slabs")),
    },
    remote_pending: {
      params: ["cpu?"],
      doc: "objects freed on other CPUs still waiting for their owner (that CPU's, or all)",
      fn: (w, [c]) => {
        const rows = buddySlab(w, "remote_pending()", "per-CPU slabs").slabInfo();
        const k = c === undefined ? undefined : w.cpuNumber(num(c, "cpu"));
        return big(
          rows.reduce((n, r) => n + (k === undefined || r.cpu === k ? r.remotePending : 0), 0),
        );
      },
    },
    heap_buddyinfo: {
      params: [],
      doc: "free blocks per order 0..20 of the buddy-slab allocator's buddy",
      fn: (w) => buddySlabBuddyinfo(buddySlab(w, "heap_buddyinfo()", "buddy page allocator")),
    },
    usages: {
      params: [],
      doc: "ax-alloc's usage by kind (RustHeap, Global, Dma, ...), in bytes (both 2026 versions)",
      fn: (w) => global2026(w, "usages()").usages().toString(),
    },
  },
  constants: {},
};
