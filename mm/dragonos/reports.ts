/**
 * Text reports in Linux's `/proc` formats: buddyinfo, slabinfo (version
 * 2.1) and meminfo, for the DragonOS-style memory manager.
 *
 * @module
 */

import type { DragonMemory } from "./dragon_memory.ts";

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
    const name = `kmalloc-${c.size >= 1024 ? `${c.size / 1024}k` : c.size}`;
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
  let total = 0;
  let free = 0;
  for (const z of mm.pages.zones) {
    total += z.pages.length * size;
    free += z.countPagesFree * size;
  }
  const stat = mm.mmStat();
  const slab = mm.slab.caches.reduce((s, c) => s + c.slabs.length, 0) * size;
  const tables = mm.pageTables.reduce((s, t) => s + t.tableFrames, 0) * 4096;
  const row = (name: string, bytes: number) =>
    `${(name + ":").padEnd(16)}${String(Math.floor(bytes / 1024)).padStart(10)} kB`;
  return [
    row("MemTotal", total),
    row("MemFree", free),
    row("MemAvailable", free + stat.cacheFree),
    row("Slab", slab),
    row("SUnreclaim", stat.cacheUsed),
    row("PageTables", tables),
  ].join("\n") + "\n";
}
