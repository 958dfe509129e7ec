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
import type { World } from "../runtime/world.ts";
import { buddyinfo, slabinfo } from "../mm/dragonos/reports.ts";
import { AllocError } from "../mm/allocator/alloc_error.ts";
import { KernelPanic } from "../mm/kernel_panic.ts";

/** The most samples a run keeps. */
export const MAX_SAMPLES = 1024;

/** One sample of the allocators' state. */
export interface Sample {
  /** The operation it was taken after. */
  op: number;
  /** Per allocator: free bytes and the largest free block in bytes (-1: unknown). */
  free: Record<string, { free: number; largest: number }>;
  /** DragonOS's `/proc/buddyinfo` and `/proc/slabinfo` then (when it runs), as indices into {@linkcode RunRecorder.texts}. */
  buddyinfo?: number;
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
export class RunRecorder implements ShadowObserver {
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
  /** Open blocks by physical address. */
  readonly #open = new Map<bigint, number>();
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
    this.#world.onCallFailed = (e) => this.#callFailed(e);
  }

  #site(site: EventSite | undefined): number {
    return site === undefined ? -1 : this.#sites.index(`${site.where}\t${site.call}`);
  }

  #open_(
    start: bigint,
    size: number,
    owner: string,
    site: EventSite | undefined,
    align = 0,
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
    this.#open.set(start, id);
    this.#tick();
  }

  #close(start: bigint, site: EventSite | undefined): void {
    const id = this.#open.get(start);
    if (id === undefined) return;
    this.#open.delete(start);
    this.freeOp[id] = this.op;
    this.freeSite[id] = this.#site(site);
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

  /** The kernel gave it back. */
  released(start: bigint, _size: number, site: EventSite | undefined): void {
    this.#close(start, site);
  }

  #callFailed(e: unknown): void {
    if (e instanceof AllocError || e instanceof KernelPanic) {
      this.failures.push({
        op: this.op,
        kind: e instanceof KernelPanic ? "panic" : "alloc",
        message: e.message,
        where: this.#world.callSite?.where,
      });
      this.#sample();
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
  #sample(): void {
    if (this.samples.length >= MAX_SAMPLES) {
      // Keep every other one, and sample half as often from now on.
      let k = 0;
      for (let i = 0; i < this.samples.length; i += 2) this.samples[k++] = this.samples[i];
      this.samples.length = k;
      this.#stride *= 2;
    }
    const free: Sample["free"] = {};
    const k = this.#world.peekKernel();
    if (k !== undefined && k.stage === "final") {
      const g = k.global;
      free["global bytes"] = {
        free: g.availableBytes(),
        largest: g.balloc.largestFreeBlock?.() ?? -1,
      };
      const largestPages = g.palloc.largestFreeBlock?.();
      free["global pages"] = {
        free: g.availablePages() * 4096,
        largest: largestPages === undefined ? -1 : largestPages * 4096,
      };
    }
    const sample: Sample = { op: this.op, free };
    const d = this.#world.peekDragon();
    if (d !== undefined) {
      const buddy = buddyinfo(d);
      sample.buddyinfo = this.#texts.index(buddy);
      sample.slabinfo = this.#texts.index(slabinfo(d));
      const zones = zoneFree(buddy, d.pages.pageSize);
      if (zones !== undefined) free["zone pages"] = zones;
    }
    this.samples.push(sample);
  }

  /** Ends the recording: a last sample. */
  finish(): void {
    this.#sample();
  }
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
