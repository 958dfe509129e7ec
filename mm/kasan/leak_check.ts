/**
 * kmemleak's scan, for the simulated kernel: from the roots (the script's
 * variables and the kernel image), every live object that some reachable
 * memory points into is referenced; what is left is reported as leaked.
 *
 * @module
 */

import type { PhysicalMemory } from "../../hal/physical_memory.ts";
import type { ObjectRecord } from "./shadow.ts";

/** An object nothing reachable points to. */
export interface Leak {
  /** The object. */
  object: ObjectRecord;
  /** Its first 32 bytes (fewer for a smaller object). */
  head: Uint8Array;
}

/**
 * Finds the live objects no root reaches. `roots` are physical addresses
 * (values the script holds, already translated); `scanRoots` are physical
 * ranges whose words are roots too (the kernel image). An object is
 * referenced by any 8-byte aligned word inside a reachable object or root
 * range that holds an address inside it, kernel virtual (`toPhys` maps it)
 * or physical.
 *
 * @example
 * ```ts ignore
 * const leaks = findLeaks(shadow.live, ram, [0x8100_0000n], [], (v) => v);
 * ```
 */
export function findLeaks(
  live: Iterable<ObjectRecord>,
  ram: PhysicalMemory,
  roots: Iterable<bigint>,
  scanRoots: readonly { start: bigint; size: number }[],
  toPhys: (value: bigint) => bigint,
): Leak[] {
  const objects = [...live].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const reached = new Uint8Array(objects.length);
  const queue: number[] = [];
  const find = (pa: bigint): number => {
    let lo = 0;
    let hi = objects.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const o = objects[mid];
      if (pa < o.start) hi = mid - 1;
      else if (pa >= o.start + BigInt(o.slot)) lo = mid + 1;
      else return mid;
    }
    return -1;
  };
  const mark = (value: bigint) => {
    for (const pa of value === toPhys(value) ? [value] : [toPhys(value), value]) {
      const i = find(pa);
      if (i >= 0 && reached[i] === 0) {
        reached[i] = 1;
        queue.push(i);
      }
    }
  };
  const scan = (start: bigint, size: number) => {
    const from = (start + 7n) & ~7n;
    const skip = Number(from - start);
    if (size - skip < 8 || !ram.isRam(from, BigInt(size - skip))) return;
    const bytes = ram.read(from, size - skip);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let off = 0; off + 8 <= bytes.length; off += 8) {
      const word = view.getBigUint64(off, true);
      if (word !== 0n) mark(word);
    }
  };
  for (const r of roots) mark(r);
  for (const r of scanRoots) scan(r.start, r.size);
  while (queue.length > 0) {
    const o = objects[queue.pop()!];
    scan(o.start, o.slot);
  }
  const leaks: Leak[] = [];
  objects.forEach((o, i) => {
    if (reached[i] === 0) {
      const n = Math.min(32, o.size);
      leaks.push({
        object: o,
        head: ram.isRam(o.start, BigInt(n)) ? ram.read(o.start, n) : new Uint8Array(),
      });
    }
  });
  return leaks;
}

/**
 * A leak as kmemleak prints it.
 *
 * @example
 * ```ts ignore
 * console.log(formatLeak(leak, (pa) => pa + 0xffff_ffc0_0000_0000n).join("\n"));
 * ```
 */
export function formatLeak(leak: Leak, toVirt: (pa: bigint) => bigint): string[] {
  const o = leak.object;
  const hex = [...leak.head].map((b) => b.toString(16).padStart(2, "0"));
  const rows: string[] = [];
  for (let i = 0; i < hex.length; i += 16) rows.push(`    ${hex.slice(i, i + 16).join(" ")}`);
  return [
    `unreferenced object 0x${toVirt(o.start).toString(16)} (size ${o.size}):`,
    `  allocated at ${
      o.allocated
        ? `${o.allocated.where}  ${o.allocated.call}` +
          (o.allocated.cpu ? ` on cpu ${o.allocated.cpu}` : "")
        : "?"
    }`,
    `  hex dump (first ${leak.head.length} bytes):`,
    ...rows,
  ];
}
