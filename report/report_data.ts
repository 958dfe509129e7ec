/**
 * The report's data: what the recorder saw, the machine's memory map, the
 * byte heap's regions, the page tables, the failures and the script's
 * sources, as one JSON object whose block columns travel as gzip-compressed
 * binary (base64), so that a run of a million operations stays a few MB.
 *
 * @module
 */

import { memoryMap } from "../hal/memory_map.ts";
import {
  MAP_EXECUTE,
  MAP_GLOBAL,
  MAP_READ,
  MAP_UNCACHED,
  MAP_USER,
  MAP_WRITE,
} from "../mm/dragonos/pte_format.ts";
import type { LoadedScript } from "../runtime/loader.ts";
import type { World } from "../runtime/world.ts";
import type { Arena, Failure, RunRecorder, Sample } from "./recorder.ts";

/** How the run ended. */
export interface ReportOutcome {
  /** Whether every expectation held and nothing stopped the run. */
  ok: boolean;
  /** One line: `10 expectations held` or the error. */
  summary: string;
}

/** A page table as a tree: per level, the entries in use. */
export interface TableNode {
  /** The entry's index in its table. */
  index: number;
  /** A leaf: the mapping it holds. */
  leaf?: { vaddr: string; paddr: string; size: number; flags: string };
  /** A table pointer: the next level's entries. */
  children?: TableNode[];
}

/** The JSON the page reads. */
export interface ReportData {
  title: string;
  platform: string;
  allocator: string;
  /** The machine's CPUs. */
  cpus: number;
  outcome: ReportOutcome;
  ops: number;
  owners: string[];
  sites: string[];
  blocks: { count: number; gzip: boolean; columns: string };
  map: { name: string; kind: string; base: number; size: number }[];
  heap: { start: number; size: number }[];
  /** The heaps the script made with `new_allocator`, side by side. */
  arenas: Arena[];
  samples: Sample[];
  texts: string[];
  failures: Failure[];
  sources: { file: string; text: string }[];
  tables: { format: string; root: string; mappings: number; tree: TableNode[] }[];
  /** The page tables as they were after each change: at op `op`, `texts[text]` (their JSON). */
  tableHistory: { op: number; text: number }[];
}

function flagsText(flags: number): string {
  return [
    [MAP_READ, "R"],
    [MAP_WRITE, "W"],
    [MAP_EXECUTE, "X"],
    [MAP_USER, "U"],
    [MAP_GLOBAL, "G"],
    [MAP_UNCACHED, "NC"],
  ].filter(([bit]) => (flags & (bit as number)) !== 0).map(([, s]) => s).join(" ");
}

/** How {@linkcode reportData} packs the blocks. */
export interface ReportDataOptions {
  /** Compresses the block columns with gzip (`node:zlib`'s `gzipSync`); without it they stay raw. */
  gzip?: (bytes: Uint8Array) => Uint8Array;
}

/**
 * The block columns, packed: start (f64), size, owner, alloc op, free op,
 * alloc site, free site, align, alloc CPU, free CPU (i32).
 */
function packBlocks(r: RunRecorder, gzip: ReportDataOptions["gzip"]): string {
  const n = r.start.length;
  const cols = [
    r.size,
    r.owner,
    r.allocOp,
    r.freeOp,
    r.allocSite,
    r.freeSite,
    r.align,
    r.allocCpu,
    r.freeCpu,
  ];
  const buf = new ArrayBuffer(n * 8 + n * 4 * cols.length);
  new Float64Array(buf, 0, n).set(r.start);
  cols.forEach((c, k) => new Int32Array(buf, n * 8 + k * n * 4, n).set(c));
  const bytes = gzip === undefined ? new Uint8Array(buf) : gzip(new Uint8Array(buf));
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(text);
}

/**
 * The page tables as trees, now.
 *
 * @example
 * ```ts ignore
 * console.log(pageTables(world).length);
 * ```
 */
export function pageTables(world: World): ReportData["tables"] {
  const d = world.peekDragon();
  if (d === undefined) return [];
  return d.pageTables.map((t) => {
    const levels = t.format.levels;
    const root: TableNode[] = [];
    const maps = t.mappings();
    for (const m of maps) {
      // The leaf's level follows its size: 4 KiB at the last level, 2 MiB one up, ...
      const leafLevel = levels - 1 - Math.round(Math.log2(m.size / 4096) / 9);
      let nodes = root;
      for (let level = 0; level <= leafLevel; level++) {
        const shift = BigInt(12 + 9 * (levels - 1 - level));
        const index = Number((m.vaddr >> shift) & 511n);
        let node = nodes.find((x) => x.index === index);
        if (node === undefined) {
          node = { index };
          nodes.push(node);
        }
        if (level === leafLevel) {
          node.leaf = {
            vaddr: "0x" + m.vaddr.toString(16),
            paddr: "0x" + m.paddr.toString(16),
            size: m.size,
            flags: flagsText(m.flags),
          };
        } else nodes = node.children ??= [];
      }
    }
    return {
      format: t.format.name,
      root: "0x" + t.root.toString(16),
      mappings: maps.length,
      tree: root,
    };
  });
}

/**
 * Everything the report shows, from a finished run.
 *
 * @example
 * ```ts ignore
 * const data = await reportData(recorder, world, script, "boot.mms", { ok: true, summary: "ok" });
 * ```
 */
export function reportData(
  recorder: RunRecorder,
  world: World,
  script: LoadedScript,
  title: string,
  outcome: ReportOutcome,
  options: ReportDataOptions = {},
): ReportData {
  const k = world.peekKernel();
  const heap = k === undefined ? [] : k.global.heapRegions.map((r) => ({
    start: Number(k.virtToPhys(k.toVirt(r.start))),
    size: r.size,
  }));
  return {
    title,
    platform: world.platform.name,
    allocator: world.allocatorName,
    cpus: world.cpus,
    outcome,
    ops: recorder.op,
    owners: recorder.owners,
    sites: recorder.sites,
    blocks: {
      count: recorder.start.length,
      gzip: options.gzip !== undefined,
      columns: packBlocks(recorder, options.gzip),
    },
    map: memoryMap(world.platform).map((e) => ({
      name: e.name,
      kind: e.kind,
      base: Number(e.base),
      size: Number(e.size),
    })),
    heap,
    arenas: recorder.arenas,
    samples: recorder.samples,
    texts: recorder.texts,
    failures: recorder.failures,
    sources: [...script.programs.values()].map((p) => ({ file: p.file, text: p.source })),
    tables: pageTables(world),
    tableHistory: recorder.tableHistory,
  };
}
