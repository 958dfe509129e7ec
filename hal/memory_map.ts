/**
 * The physical memory map of a platform, and the free memory a booting
 * kernel hands to its allocators: RAM minus reserved regions, minus the
 * kernel image, minus MMIO.
 *
 * @module
 */

import type { Platform, Region } from "./platform.ts";

/** What a stretch of the memory map is. */
export type MemoryKind = "free" | "reserved" | "kernel" | "mmio";

/** One stretch of the memory map. */
export interface MemoryMapEntry extends Region {
  /** What the stretch is. */
  kind: MemoryKind;
}

type Range = [bigint, bigint];

function subtract(ranges: Range[], cut: Range): Range[] {
  const out: Range[] = [];
  for (const [s, e] of ranges) {
    if (cut[1] <= s || cut[0] >= e) {
      out.push([s, e]);
      continue;
    }
    if (cut[0] > s) out.push([s, cut[0]]);
    if (cut[1] < e) out.push([cut[1], e]);
  }
  return out;
}

/**
 * The free RAM regions, sorted and non-overlapping: what ArceOS's boot
 * code passes to `global_init` / `global_add_memory`.
 *
 * @example
 * ```ts
 * import { freeMemoryRegions } from "./memory_map.ts";
 * import { getPlatform } from "./platform.ts";
 * const free = freeMemoryRegions(getPlatform("riscv64-qemu-virt"));
 * console.log(free.map((r) => r.base.toString(16))); // [ "80400000" ]: after SBI and a 2 MiB kernel
 * ```
 */
export function freeMemoryRegions(platform: Platform): Region[] {
  let ranges: Range[] = platform.ram.map((r) => [r.base, r.base + r.size]);
  const cuts: Range[] = [
    ...platform.reserved.map((r): Range => [r.base, r.base + r.size]),
    [platform.kernelPaddr, platform.kernelPaddr + platform.kernelSize],
    ...platform.mmio.map((r): Range => [r.base, r.base + r.size]),
  ];
  for (const cut of cuts) ranges = subtract(ranges, cut);
  return ranges
    .sort((a, b) => (a[0] < b[0] ? -1 : 1))
    .map(([s, e], i) => ({ name: `free${i}`, base: s, size: e - s }));
}

/**
 * The whole memory map: RAM stretches labelled free, reserved or kernel,
 * and MMIO regions, sorted by address.
 *
 * @example
 * ```ts
 * import { memoryMap } from "./memory_map.ts";
 * import { getPlatform } from "./platform.ts";
 * for (const e of memoryMap(getPlatform())) console.log(e.kind, e.name, e.base.toString(16));
 * ```
 */
export function memoryMap(platform: Platform): MemoryMapEntry[] {
  const entries: MemoryMapEntry[] = [
    ...freeMemoryRegions(platform).map((r) => ({ ...r, kind: "free" as const })),
    ...platform.reserved.map((r) => ({ ...r, kind: "reserved" as const })),
    {
      name: "kernel image",
      base: platform.kernelPaddr,
      size: platform.kernelSize,
      kind: "kernel",
    },
    ...platform.mmio.map((r) => ({ ...r, kind: "mmio" as const })),
  ];
  return entries.sort((a, b) => (a.base < b.base ? -1 : a.base > b.base ? 1 : 0));
}
