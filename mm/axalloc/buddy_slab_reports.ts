/**
 * What the buddy-slab global allocator shows of itself, as `/proc` files
 * show a kernel's memory: per-CPU slabinfo and the buddy's free blocks.
 *
 * @module
 */

import type { BuddySlabGlobalAllocator } from "./buddy_slab_global_allocator.ts";

/**
 * Per-CPU slabinfo of the buddy-slab allocator: one line per CPU and class
 * that has slabs (or drained remote frees).
 *
 * @example
 * ```ts
 * import { BuddySlabGlobalAllocator } from "./buddy_slab_global_allocator.ts";
 * import { percpuSlabinfo } from "./buddy_slab_reports.ts";
 * const g = new BuddySlabGlobalAllocator({ cpus: 2 });
 * g.init(0x8040_0000, 0x80_0000);
 * g.alloc(64, 8);
 * console.log(percpuSlabinfo(g).split("\n")[1].trim().split(/ +/).slice(0, 4)); // ["0", "64", "1", "62"]
 * ```
 */
export function percpuSlabinfo(g: BuddySlabGlobalAllocator): string {
  const rows = g.slabInfo();
  const lines = [
    "# cpu  size  active   objs  slabs partial  full empty  pages remote_pending drained",
  ];
  for (const r of rows) {
    lines.push(
      [
        String(r.cpu).padStart(5),
        String(r.objectSize).padStart(5),
        String(r.active).padStart(7),
        String(r.objects).padStart(6),
        String(r.partial + r.full + r.empty).padStart(6),
        String(r.partial).padStart(7),
        String(r.full).padStart(5),
        String(r.empty).padStart(5),
        String(r.pages).padStart(6),
        String(r.remotePending).padStart(14),
        String(r.drained).padStart(7),
      ].join(" "),
    );
  }
  return lines.join("\n") + "\n";
}

/**
 * The buddy's free blocks per order, as `/proc/buddyinfo` shows a zone's.
 *
 * @example
 * ```ts
 * import { BuddySlabGlobalAllocator } from "./buddy_slab_global_allocator.ts";
 * import { buddySlabBuddyinfo } from "./buddy_slab_reports.ts";
 * const g = new BuddySlabGlobalAllocator();
 * g.init(0x8040_0000, 0x80_0000);
 * console.log(buddySlabBuddyinfo(g).startsWith("Node 0, buddy")); // true
 * ```
 */
export function buddySlabBuddyinfo(g: BuddySlabGlobalAllocator): string {
  const counts = g.buddy.freeBlocks();
  return `Node 0, buddy ${counts.map((n) => String(n).padStart(6)).join(" ")}\n`;
}
