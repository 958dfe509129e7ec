/**
 * Text reports in Linux's `/proc` formats: buddyinfo, slabinfo (version
 * 2.1) and meminfo, for the DragonOS-style memory manager.
 *
 * @module
 */

import { ZONE_NORMAL } from "./zoned_pages.ts";
import { type DragonMemory, kmallocCacheName } from "./dragon_memory.ts";

/**
 * `/proc/buddyinfo`: per zone, free blocks of 2^order pages, orders 0..10.
 *
 * @example
 * ```ts
 * import { DragonMemory } from "./dragon_memory.ts";
 * import { buddyinfo } from "./reports.ts";
 * console.log(buddyinfo(new DragonMemory()));
 * ```
 */
export function buddyinfo(mm: DragonMemory): string {
  return mm.pages.buddyInfo()
    .filter((z) => mm.pages.zones.find((x) => x.name === z.zone)!.pages.length > 0)
    .map((z) =>
      `Node 0, zone ${z.zone.padStart(8)} ` + z.free.map((n) => String(n).padStart(6)).join(" ")
    )
    .join("\n") + "\n";
}

/**
 * `/proc/slabinfo` version 2.1, one line per kmalloc cache.
 *
 * @example
 * ```ts
 * import { DragonMemory } from "./dragon_memory.ts";
 * import { slabinfo } from "./reports.ts";
 * console.log(slabinfo(new DragonMemory()).split("\n")[2]); // kmalloc-32 ...
 * ```
 */
export function slabinfo(mm: DragonMemory): string {
  const lines = [
    "slabinfo - version: 2.1",
    "# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>",
  ];
  const pagesPerSlab = Math.max(1, mm.pages.pageSize / 4096);
  for (const c of mm.slab.caches) {
    const active = c.slabs.filter((s) => s.countUsing > 0).length;
    const name = kmallocCacheName(c.size);
    lines.push(
      `${name.padEnd(17)} ${String(c.countTotalUsing).padStart(6)} ${
        String(c.countTotalUsing + c.countTotalFree).padStart(6)
      } ${String(c.size).padStart(7)} ${String(c.slabs[0].bmpCount).padStart(5)} ${
        String(pagesPerSlab).padStart(4)
      } : tunables    0    0    0 : slabdata ${String(active).padStart(6)} ${
        String(c.slabs.length).padStart(6)
      }      0`,
    );
  }
  return lines.join("\n") + "\n";
}

/**
 * `/proc/meminfo`: the fields the simulation knows, in kB.
 *
 * @example
 * ```ts
 * import { DragonMemory } from "./dragon_memory.ts";
 * import { meminfo } from "./reports.ts";
 * console.log(meminfo(new DragonMemory()).split("\n")[0]); // MemTotal: ...
 * ```
 */
export function meminfo(mm: DragonMemory): string {
  const size = mm.pages.pageSize;
  // MemTotal, MemFree and MemAvailable are mm_stat()'s total, free and
  // available: the normal zone, as the DragonOS API counts them. The other
  // zones get rows of their own.
  const stat = mm.mmStat();
  const slab = mm.slab.caches.reduce((s, c) => s + c.slabs.length, 0) * size;
  const tables = mm.pageTables.reduce((s, t) => s + t.tableFrames, 0) * 4096;
  const row = (name: string, bytes: number) =>
    `${(name + ":").padEnd(16)}${String(Math.floor(bytes / 1024)).padStart(10)} kB`;
  const others = mm.pages.zones.filter((z) => z.id !== ZONE_NORMAL).flatMap((z) => [
    row(`${z.name}Total`, z.pages.length * size),
    row(`${z.name}Free`, z.countPagesFree * size),
  ]);
  return [
    row("MemTotal", stat.total),
    row("MemFree", stat.free),
    row("MemAvailable", stat.available),
    row("Slab", slab),
    row("SUnreclaim", stat.cacheUsed),
    row("PageTables", tables),
    ...others,
  ].join("\n") + "\n";
}
