/**
 * What a run's report shows, recorded as the script runs: every allocation
 * and free the sanitizer's shadow sees (owner, physical address, size, the
 * script line that made it and the one that freed it), the kernel's own
 * reservations (page tables), allocation failures, and, now and then,
 * samples of each allocator's free memory and largest free block and of
 * DragonOS's buddyinfo and slabinfo. Samples thin out as the run grows (at
 * most {@linkcode MAX_SAMPLES}), so a run of millions of operations keeps a
 * report of bounded size; every block is kept exactly.
 *
 * @module
 */

import type { EventSite, ObjectRecord, ShadowObserver } from "../mm/kasan/shadow.ts";
import type { FailedCall, HeapCalls, HeapObserver, World } from "../runtime/world.ts";
import type { ByteAllocator, IdAllocator, PageAllocator } from "../mm/allocator/traits.ts";
import { pageTables } from "./report_data.ts";
import { buddyinfo, slabinfo } from "../mm/dragonos/reports.ts";
import { AllocError } from "../mm/allocator/alloc_error.ts";
import { KernelPanic } from "../mm/kernel_panic.ts";
import { GlobalAllocator } from "../mm/axalloc/global_allocator.ts";
import { ArceosGlobal2026 } from "../mm/axalloc/arceos_profile.ts";
import { BuddySlabGlobalAllocator } from "../mm/axalloc/buddy_slab_global_allocator.ts";
import { buddySlabBuddyinfo, percpuSlabinfo } from "../mm/axalloc/buddy_slab_reports.ts";

/** The most samples a run keeps. */
export const MAX_SAMPLES = 1024;

/** The most page-table snapshots a run keeps (the report shows the tables at any time up to there). */
export const MAX_TABLE_SNAPSHOTS = 512;
/** Page tables with more mappings than this are not snapshotted (only their end is shown). */
export const MAX_SNAPSHOT_MAPPINGS = 4096;

/** One sample of the allocators' state. */
export interface Sample {
  /** The operation it was taken after. */
  op: number;
  /** Per allocator: free bytes and the largest free block in bytes (-1: unknown), and its total. */
  free: Record<string, { free: number; largest: number; total?: number }>;
  /** DragonOS's `/proc/buddyinfo` and `/proc/slabinfo` then (when it runs), as indices into {@linkcode RunRecorder.texts}. */
  buddyinfo?: number;
  /** ArceOS 2026 buddy-slab: its per-CPU slabinfo and the buddy's free blocks then (indices into the texts). */
  percpu?: number;
  /** ArceOS 2026 buddy-slab: the buddy's free blocks per order then (an index into the texts). */
  heapBuddy?: number;
  /** ArceOS 2026 buddy-slab: objects freed on other CPUs still parked, per owner CPU. */
  remote?: number[];
  /** ArceOS 2026 (either global allocator): `usages()` by kind then (an index into the texts). */
  usages?: number;
  slabinfo?: number;
}

/** Something that went wrong, at its moment. */
export interface Failure {
  /** The operation count then. */
  op: number;
  /** `alloc` (a failed allocation), `expect`, `panic`, `sanitizer` or `error`. */
  kind: string;
  /** The message. */
  message: string;
  /** Where in the script (`file:line:col`), if known. */
  where?: string;
  /** Inside `expect error { }`: the script asked for it. */
  expected?: boolean;
  /** A failed allocation: what it asked for, of which allocator, and why it failed. */
  explained?: Explanation;
}

/** Why an allocation failed, from the allocators' state at that moment. */
export interface Explanation {
  /** The request in bytes (pages count 4 KiB each). */
  bytes: number;
  /** The alignment asked for (1 when none). */
  align: number;
  /** The allocator it was asked of (a key of {@linkcode Sample.free}). */
  pool: string;
  /** Free bytes there then (-1: unknown). */
  free: number;
  /** Its largest free block then (-1: unknown). */
  largest: number;
  /**
   * The global allocator's byte heap: the bytes it had to grow by (from
   * the page allocator, whose state `free` and `largest` then are).
   */
  grow?: number;
  /**
   * `memory` (less free memory in all than asked), `fragmentation` (enough
   * in all, in no single block), `alignment` (a free block as large as the
   * request, none aligned as asked), or `unknown`.
   */
  cause: "memory" | "fragmentation" | "alignment" | "unknown";
  /** DragonOS's buddyinfo then, as an index into {@linkcode RunRecorder.texts}. */
  buddyinfo?: number;
}

/** The request of a failed builtin call: bytes, alignment, and which allocator serves it. */
function request(
  name: string,
  args: readonly unknown[],
): { bytes: number; align: number; pool: string } | undefined {
  const n = (i: number, unit = 1) => typeof args[i] === "bigint" ? Number(args[i]) * unit : NaN;
  let r: { bytes: number; align: number; pool: string } | undefined;
  switch (name) {
    case "alloc":
      r = { bytes: n(0), align: Number.isNaN(n(1)) ? 1 : n(1), pool: "global bytes" };
      break;
    case "alloc_pages":
      r = { bytes: n(0, 4096), align: Number.isNaN(n(1)) ? 4096 : n(1), pool: "global pages" };
      break;
    case "alloc_pages_at":
      r = { bytes: n(1, 4096), align: Number.isNaN(n(2)) ? 4096 : n(2), pool: "global pages" };
      break;
    case "page_alloc":
    case "page_alloc_zero":
      r = { bytes: 4096, align: 4096, pool: "global pages" };
      break;
    case "page_alloc_contiguous":
      r = { bytes: n(0, 4096), align: Number.isNaN(n(1)) ? 4096 : n(1), pool: "global pages" };
      break;
    case "kmalloc":
    case "kzalloc":
      r = { bytes: n(0), align: 1, pool: "zone pages" };
      break;
    case "zone_alloc_pages":
      r = { bytes: n(1, 4096), align: 4096, pool: "zone pages" };
      break;
  }
  return r !== undefined && Number.isFinite(r.bytes) ? r : undefined;
}

/**
 * The recorder: a shadow observer fed by the sanitizer, and a world hook.
 *
 * @example
 * ```ts ignore
 * const recorder = new RunRecorder(world);
 * recorder.attach();            // before the script runs
 * interpreter.run(script);
 * const data = recorder.data(); // for the report
 * ```
 */
/** A heap the script made with `new_allocator`, as the report shows it. */
export interface Arena {
  /** `tlsf heap 1`, ...: its owner name too. */
  name: string;
  /** The allocator's kind. */
  kind: string;
  /** The memory it was given. */
  regions: { start: number; size: number }[];
  /** At the end: its total and used bytes, by its own statistics (pages count 4 KiB). */
  total?: number;
  used?: number;
}

export class RunRecorder implements ShadowObserver, HeapObserver {
  readonly #world: World;
  /** Sites, `where\tcall`, by index. */
  readonly sites: string[] = [];
  readonly #sites = new Interner(this.sites);
  /** Owners (`global bytes`, `kmalloc`, ...), by index. */
  readonly owners: string[] = [];
  readonly #owners = new Interner(this.owners);
  // The blocks, column by column.
  readonly start: number[] = [];
  readonly size: number[] = [];
  /** The alignment asked for (0: the API takes none). */
  readonly align: number[] = [];
  readonly owner: number[] = [];
  readonly allocOp: number[] = [];
  readonly freeOp: number[] = [];
  readonly allocSite: number[] = [];
  readonly freeSite: number[] = [];
  /** The CPU each block was allocated on, and freed on (-1: not freed). */
  readonly allocCpu: number[] = [];
  readonly freeCpu: number[] = [];
  /** Open blocks by physical address (a heap's by `heap:address`). */
  readonly #open = new Map<bigint | string, number>();
  /** The page tables after each change (see {@linkcode ReportData}'s `tableHistory`). */
  readonly tableHistory: { op: number; text: number }[] = [];
  #tablesSeen = -1;

  /** After a statement: if a page table may have changed, its trees now (a bounded history). */
  #watchTables(): void {
    const d = this.#world.peekDragon();
    if (d === undefined) return;
    let version = d.pageTables.length;
    for (const t of d.pageTables) version += t.version;
    if (version === this.#tablesSeen) return;
    this.#tablesSeen = version;
    if (this.tableHistory.length >= MAX_TABLE_SNAPSHOTS) return;
    const trees = pageTables(this.#world);
    if (trees.reduce((n, t) => n + t.mappings, 0) > MAX_SNAPSHOT_MAPPINGS) return;
    const text = this.#texts.index(JSON.stringify(trees));
    const last = this.tableHistory[this.tableHistory.length - 1];
    if (last?.text === text) return;
    // A change of the mappings is an operation of its own: it has a moment on the time axis.
    this.#tick();
    this.tableHistory.push({ op: this.op, text });
  }

  /** The block closed last (a hand-over reopens it). */
  #released: number | undefined;
  /** The heaps the script made, and their allocators (sampled). */
  readonly arenas: Arena[] = [];
  readonly #arenaAllocators: (ByteAllocator | PageAllocator | IdAllocator)[] = [];
  /** Operations so far (each allocation and free is one). */
  op = 0;
  readonly samples: Sample[] = [];
  #stride = 1;
  readonly failures: Failure[] = [];
  /** Texts the samples share (buddyinfo and slabinfo change less often than they are sampled). */
  readonly texts: string[] = [];
  readonly #texts = new Interner(this.texts);

  /** A recorder of `world`'s run. */
  constructor(world: World) {
    this.#world = world;
  }

  /**
   * Starts listening, before the script runs: to the sanitizer's shadow
   * (once the world makes it; the sanitizer must be on) and to failed calls.
   */
  attach(): void {
    if (!this.#world.sanitize) {
      throw new Error(
        "the report is recorded from the sanitizer's shadow: run with the sanitizer on",
      );
    }
    this.#world.shadowObserver = this;
    this.#world.heapObserver = this;
    this.#world.afterStatement = () => this.#watchTables();
    this.#world.onCallFailed = (e, call) => this.#callFailed(e, call);
  }

  #site(site: EventSite | undefined): number {
    return site === undefined ? -1 : this.#sites.index(`${site.where}\t${site.call}`);
  }

  /** A heap made by the script: its blocks are an owner of their own, its state is sampled. */
  heapMade(
    kind: string,
    allocator: ByteAllocator | PageAllocator | IdAllocator,
    start: number,
    size: number,
  ): HeapCalls {
    const index = this.arenas.length;
    const arena: Arena = { name: `${kind} heap ${index + 1}`, kind, regions: [{ start, size }] };
    this.arenas.push(arena);
    this.#arenaAllocators.push(allocator);
    const key = (addr: number) => `${index}:${addr}`;
    return {
      allocated: (addr, bytes, align) =>
        this.#open_(BigInt(addr), bytes, arena.name, this.#world.callSite, align, key(addr)),
      freed: (addr) => this.#close(BigInt(addr), this.#world.callSite, key(addr)),
      failed: (e, bytes, align) => {
        if (!(e instanceof AllocError)) return;
        const sample = this.#sample();
        const failure: Failure = {
          op: this.op,
          kind: "alloc",
          message: `${arena.name}: ${e.message}`,
          where: this.#world.callSite?.where,
        };
        if (this.#world.expectingError > 0) failure.expected = true;
        if (e.kind === "NoMemory") {
          failure.explained = explain(
            { bytes, align: Math.max(1, align), pool: arena.name },
            sample,
          );
        }
        this.failures.push(failure);
      },
      added: (addr, bytes) => {
        arena.regions.push({ start: addr, size: bytes });
      },
    };
  }

  #open_(
    start: bigint,
    size: number,
    owner: string,
    site: EventSite | undefined,
    align = 0,
    key: bigint | string = start,
  ): void {
    const id = this.start.length;
    this.start.push(Number(start));
    this.size.push(size);
    this.align.push(align);
    this.owner.push(this.#owners.index(owner));
    this.allocOp.push(this.op);
    this.freeOp.push(-1);
    this.allocSite.push(this.#site(site));
    this.freeSite.push(-1);
    this.allocCpu.push(this.#world.cpu);
    this.freeCpu.push(-1);
    this.#open.set(key, id);
    this.#tick();
  }

  #close(start: bigint, site: EventSite | undefined, key: bigint | string = start): void {
    const id = this.#open.get(key);
    this.#released = id;
    if (id === undefined) return;
    this.#open.delete(key);
    this.freeOp[id] = this.op;
    this.freeSite[id] = this.#site(site);
    this.freeCpu[id] = this.#world.cpu;
    this.#tick();
  }

  /** An object was handed out. */
  allocated(rec: ObjectRecord): void {
    this.#open_(rec.start, rec.slot, rec.cache ?? rec.kind, rec.allocated, rec.align);
  }

  /** An object (or its first `bytes`) was freed. */
  freed(rec: ObjectRecord, bytes: number, site: EventSite | undefined): void {
    this.#close(rec.start, site);
    if (bytes < rec.slot) {
      // The rest stays live: a block of its own from here on.
      this.#open_(
        rec.start + BigInt(bytes),
        rec.slot - bytes,
        rec.cache ?? rec.kind,
        rec.allocated,
        rec.align,
      );
    }
  }

  /** The kernel took memory (a page table). */
  reserved(start: bigint, size: number, what: string, site: EventSite | undefined): void {
    this.#open_(start, size, what.replace(/^an? /, "") + "s", site, 4096);
  }

  /** Pages handed to a sub-allocator: in use by it from now on (its objects are blocks of their own). */
  handedOver(start: bigint, size: number, to: string, site: EventSite | undefined): void {
    const id = this.#released;
    if (id !== undefined && this.start[id] === Number(start) && this.size[id] === size) {
      // The same block, never freed: its owner is the sub-allocator now.
      this.freeOp[id] = -1;
      this.freeSite[id] = -1;
      this.owner[id] = this.#owners.index(to);
      this.#open.set(`handed:${start}`, id);
      return;
    }
    this.#open_(start, size, to, site, 4096, `handed:${start}`);
  }

  /** The kernel gave it back. */
  released(start: bigint, _size: number, site: EventSite | undefined): void {
    this.#close(start, site);
  }

  #callFailed(e: unknown, call: FailedCall | undefined): void {
    if (e instanceof AllocError || e instanceof KernelPanic) {
      const sample = this.#sample();
      const failure: Failure = {
        op: this.op,
        kind: e instanceof KernelPanic ? "panic" : "alloc",
        message: e.message,
        where: this.#world.callSite?.where,
      };
      if (this.#world.expectingError > 0) failure.expected = true;
      const asked = call === undefined ? undefined : request(call.name, call.args);
      if (asked !== undefined && (!(e instanceof AllocError) || e.kind === "NoMemory")) {
        failure.explained = explain(asked, sample);
      }
      this.failures.push(failure);
    }
  }

  /** The run ended with `kind` (`expect`, `panic`, `sanitizer`, `error`) at `where`. */
  ended(kind: string, message: string, where?: string): void {
    this.failures.push({ op: this.op, kind, message, where });
  }

  #tick(): void {
    this.op++;
    if (this.op % this.#stride === 0) this.#sample();
  }

  /** Takes a sample now (also at the end of the run). */
  #sample(): Sample {
    if (this.samples.length >= MAX_SAMPLES) {
      // Keep every other one, and sample half as often from now on.
      let k = 0;
      for (let i = 0; i < this.samples.length; i += 2) this.samples[k++] = this.samples[i];
      this.samples.length = k;
      this.#stride *= 2;
    }
    const free: Sample["free"] = {};
    let buddySlab: BuddySlabGlobalAllocator | undefined;
    let usages: string | undefined;
    const k = this.#world.peekKernel();
    if (k !== undefined && k.stage === "final") {
      const g = k.global;
      if (g instanceof GlobalAllocator) {
        free["global bytes"] = {
          free: g.availableBytes(),
          largest: g.balloc.largestFreeBlock?.() ?? -1,
          total: g.balloc.totalBytes(),
        };
        const largestPages = g.palloc.largestFreeBlock?.();
        free["global pages"] = {
          free: g.availablePages() * 4096,
          largest: largestPages === undefined ? -1 : largestPages * 4096,
        };
      } else if (g instanceof ArceosGlobal2026) {
        // One allocator serves bytes and pages.
        free["global memory"] = {
          free: g.availableBytes(),
          largest: g.largestFreeBytes(),
          total: g.totalBytes(),
        };
        if (g.model instanceof BuddySlabGlobalAllocator) buddySlab = g.model;
        usages = g.model.usages().toString();
      }
    }
    this.arenas.forEach((arena, i) => {
      const a = this.#arenaAllocators[i];
      if ("totalBytes" in a) {
        free[arena.name] = { free: a.availableBytes(), largest: a.largestFreeBlock?.() ?? -1 };
      } else if ("totalPages" in a) {
        const largest = a.largestFreeBlock?.();
        free[arena.name] = {
          free: a.availablePages() * 4096,
          largest: largest === undefined ? -1 : largest * 4096,
        };
      }
    });
    const sample: Sample = { op: this.op, free };
    if (usages !== undefined) sample.usages = this.#texts.index(usages);
    if (buddySlab !== undefined) {
      sample.percpu = this.#texts.index(percpuSlabinfo(buddySlab));
      sample.heapBuddy = this.#texts.index(buddySlabBuddyinfo(buddySlab));
      const remote = new Array<number>(buddySlab.cpus).fill(0);
      for (const row of buddySlab.slabInfo()) remote[row.cpu] += row.remotePending;
      sample.remote = remote;
    }
    const d = this.#world.peekDragon();
    if (d !== undefined) {
      const buddy = buddyinfo(d);
      sample.buddyinfo = this.#texts.index(buddy);
      sample.slabinfo = this.#texts.index(slabinfo(d));
      const zones = zoneFree(buddy, d.pages.pageSize);
      if (zones !== undefined) free["zone pages"] = zones;
    }
    this.samples.push(sample);
    return sample;
  }

  /** Ends the recording: a last sample, and each heap's statistics. */
  finish(): void {
    this.#sample();
    this.arenas.forEach((arena, i) => {
      const a = this.#arenaAllocators[i];
      if ("totalBytes" in a) [arena.total, arena.used] = [a.totalBytes(), a.usedBytes()];
      else if ("totalPages" in a) {
        [arena.total, arena.used] = [a.totalPages() * 4096, a.usedPages() * 4096];
      }
    });
  }
}

/**
 * Why `asked` failed, from `sample`: less free memory than asked is
 * `memory`; enough free memory but no free block as large is
 * `fragmentation`; a free block as large as the request but the request
 * failed is `alignment` (no part of it aligned as asked, with room).
 */
function explain(
  asked: { bytes: number; align: number; pool: string },
  sample: Sample,
): Explanation {
  // The global allocator's byte heap grows from its page allocator: a byte
  // request that the heap cannot serve fails for want of pages.
  // ArceOS 2026: one allocator holds bytes and pages ("global memory").
  if (
    sample.free[asked.pool] === undefined && asked.pool.startsWith("global ") &&
    sample.free["global memory"] !== undefined
  ) asked = { ...asked, pool: "global memory" };
  const state = sample.free[asked.pool];
  const pages = sample.free["global pages"];
  let e: Explanation;
  if (asked.pool === "global bytes" && state?.total !== undefined && pages !== undefined) {
    // axalloc: the heap had no room, so it asked the page allocator for
    // next_power_of_two(max(heap total, size)) bytes (4 KiB at least), and
    // that failed: the question is why the pages were not there.
    const grow = Math.max(4096, 2 ** Math.ceil(Math.log2(Math.max(state.total, asked.bytes, 1))));
    const cause = pages.free < grow
      ? "memory"
      : pages.largest >= 0 && pages.largest < grow
      ? "fragmentation"
      : "unknown";
    e = { ...asked, free: pages.free, largest: pages.largest, cause, grow };
  } else {
    const free = state?.free ?? -1;
    const largest = state?.largest ?? -1;
    const cause = free >= 0 && free < asked.bytes
      ? "memory"
      : largest >= 0 && largest < asked.bytes
      ? "fragmentation"
      : largest >= asked.bytes && asked.align > 1
      ? "alignment"
      : "unknown";
    e = { ...asked, free, largest, cause };
  }
  if (sample.buddyinfo !== undefined) e.buddyinfo = sample.buddyinfo;
  return e;
}

/** A list of distinct strings, each stored once: its index stands for it. */
class Interner {
  readonly #list: string[];
  readonly #index = new Map<string, number>();
  constructor(list: string[]) {
    this.#list = list;
  }

  /** The index of `text`, added at the end the first time. */
  index(text: string): number {
    let i = this.#index.get(text);
    if (i === undefined) {
      i = this.#list.length;
      this.#list.push(text);
      this.#index.set(text, i);
    }
    return i;
  }
}

/** Free bytes and the largest free block from buddyinfo's free counts per order. */
function zoneFree(text: string, pageSize: number): { free: number; largest: number } | undefined {
  let free = 0;
  let largest = 0;
  let seen = false;
  for (const line of text.split("\n")) {
    const m = /zone\s+\S+\s+(.*)$/.exec(line);
    if (m === null) continue;
    seen = true;
    m[1].trim().split(/\s+/).map(Number).forEach((count, order) => {
      if (!(count > 0)) return;
      free += count * pageSize * 2 ** order;
      largest = Math.max(largest, pageSize * 2 ** order);
    });
  }
  return seen ? { free, largest } : undefined;
}
