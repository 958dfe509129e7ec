/**
 * KASAN's shadow memory, for the simulated kernel: the state of every byte
 * of physical RAM that a script may touch, kept sparse like the RAM itself
 * (a 4 KiB frame costs nothing while all of it is in one state), and the
 * record of every object handed out: its kind, sizes, cache, and the script
 * places that allocated and freed it.
 *
 * Unlike Linux's KASAN there is no quarantine: no allocator's answer
 * changes. A stale pointer into memory handed out again is the new owner's
 * memory.
 *
 * @module
 */

import { hex } from "../../hal/int.ts";
import { physToVirt, type Platform } from "../../hal/platform.ts";
import { type AccessKind, type KasanBug, type KasanFinding, KasanReport } from "./report.ts";

/** A byte a script may read and write. */
export const ACCESSIBLE = 0x00;
/** Inside an object's slot but past the size asked for (KASAN's slab redzone). */
export const SLACK = 0xfc;
/** A byte of a freed object (KASAN's freed slab object). */
export const FREED = 0xfb;
/** A byte no allocator handed out (free memory, allocator metadata, firmware). */
export const NEVER = 0xfe;
/** A byte the kernel itself owns: its image, page tables. */
export const KERNEL = 0xf8;

const FRAME = 4096;
const FRAME_SHIFT = 12n;

const BIG = new BigUint64Array(1);
const HALVES = new Uint32Array(BIG.buffer);

/**
 * A physical address as a number (exact: they lie below 2^53), through a
 * typed array: several times faster than `Number(bigint)` in V8, and the
 * shadow converts an address on every allocation, free and access.
 *
 * @example
 * ```ts
 * import { exact } from "./shadow.ts";
 * console.log(exact(0x8040_0000n)); // 2151677952
 * ```
 */
export function exact(a: bigint): number {
  BIG[0] = a;
  return HALVES[0] + HALVES[1] * 0x1_0000_0000;
}

/** What a freed object's `freed` says when the free happened outside any script call. */
const UNKNOWN_SITE: EventSite = { where: "?", call: "" };

/**
 * Each state eight times over, as the float64 whose bytes those are (none
 * is a NaN: every state byte lies below 0xff), so that a frame's float64
 * view writes eight states at once.
 */
const EIGHT_STATES: Float64Array = (() => {
  const bytes = new Uint8Array(256 * 8);
  for (let s = 0; s < 256; s++) bytes.fill(s, s * 8, s * 8 + 8);
  return new Float64Array(bytes.buffer);
})();

/** `T` with its fields writable (the shadow's own records). */
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** What kind of memory an object is, for the report's wording. */
export type ObjectKind =
  | "kmalloc"
  | "global bytes"
  | "early bytes"
  | "global pages"
  | "DMA32 pages"
  | "early pages"
  | "DMA buffer"
  | "zone pages";

/** Where something happened in a script: `file:line:col` and the call. */
export interface EventSite {
  /** `file:line:col`. */
  where: string;
  /** The call, as written with its values (`kmalloc(64)`). */
  call: string;
  /** The CPU it ran on (0 unless the script said otherwise). */
  cpu?: number;
}

/**
 * Where a script is, cheaply: an object whose `key` changes whenever the
 * call the script makes does (the world's current call, by its place in
 * the syntax tree). The shadow asks for the {@linkcode EventSite} only
 * when the key is not one of the last two it saw: a loop that allocates
 * and frees costs no call per operation.
 */
export interface SiteCursor {
  /** The current call's identity (`undefined`: none). */
  readonly key: unknown;
}

/** An object handed out to the script. */
export interface ObjectRecord {
  /** Its first physical address. */
  readonly start: bigint;
  /** The bytes asked for. */
  readonly size: number;
  /** The bytes of its slot (`size` plus slack; a kmalloc object's cache size). */
  readonly slot: number;
  /** What it is. */
  readonly kind: ObjectKind;
  /** The kmalloc cache (`kmalloc-64`), for kmalloc objects. */
  readonly cache: string | undefined;
  /** The alignment it was asked with, where the API takes one. */
  readonly align?: number;
  /** Where it was allocated. */
  readonly allocated: EventSite | undefined;
  /** Where it was freed, once it is. */
  freed: EventSite | undefined;
}

/** What a {@linkcode Shadow}'s observer is told. */
export interface ShadowObserver {
  /** An object was handed out. */
  allocated(rec: ObjectRecord): void;
  /** `bytes` of the object `rec` were freed, at `site`. */
  freed(rec: ObjectRecord, bytes: number, site: EventSite | undefined): void;
  /** The kernel took memory for itself (a page table, the kernel image). */
  reserved(start: bigint, size: number, what: string, site: EventSite | undefined): void;
  /** The kernel gave such memory back. */
  released(start: bigint, size: number, site: EventSite | undefined): void;
  /**
   * Memory was handed to a sub-allocator that manages it from now on (the
   * DragonOS memory manager's pages, carved from the global allocator).
   */
  handedOver?(start: bigint, size: number, to: string, site: EventSite | undefined): void;
}

/**
 * The shadow of one machine's RAM.
 *
 * @example
 * ```ts
 * import { Shadow } from "./shadow.ts";
 * import { getPlatform } from "../../hal/platform.ts";
 * const shadow = new Shadow(getPlatform(), () => undefined);
 * shadow.allocated(0x8100_0000n, 40, 64, "kmalloc", "kmalloc-64");
 * shadow.check(0x8100_0000n, 40, "Write"); // fine
 * try { shadow.check(0x8100_0028n, 1, "Write"); } catch (e) { console.log((e as Error).message); }
 * // BUG: KASAN: slab-out-of-bounds ...
 * ```
 */
export class Shadow {
  /** The platform (for virtual addresses in reports). */
  readonly platform: Platform;
  /** Per 4 KiB frame: one state for all its bytes, or a byte each. Absent: {@linkcode NEVER}. */
  readonly #frames = new Map<number, number | Uint8Array>();
  /**
   * Every object by its start's offset from the lowest RAM address (a small
   * integer, which V8 hashes fastest): a live one, or the last one freed
   * there (its `freed` set), for use-after-free and double-free reports.
   */
  readonly #objects = new Map<number, Mutable<ObjectRecord>>();
  /** The frame whose word view {@linkcode Shadow.#words} is (-1: none). */
  #wordsFrame = -1;
  /** A 32-bit view of one frame's byte states, for setting four at a time. */
  #words: Uint32Array | undefined;
  /** The record last allocated or freed, and its key: a free-then-allocate loop's one lookup. */
  #lastKey = -1;
  #lastRec: Mutable<ObjectRecord> | undefined;
  /**
   * A free whose states are not written yet (-1: none): the start and slot
   * of the object last freed, poisoned when anything next looks at or
   * writes the shadow, or never, when the same object comes back at once.
   */
  #pendingAt = -1;
  #pendingSlot = 0;
  /**
   * The record whose bytes hold exactly the states its allocation wrote,
   * nothing written since (none: unknown): an object handed out again with
   * the same sizes while its free is pending needs no write at all.
   */
  #clean: ObjectRecord | undefined;
  /** The same frame's view eight states at a time (see {@linkcode EIGHT_STATES}). */
  #eights: Float64Array | undefined;
  /** The lowest RAM address, as a number: {@linkcode Shadow.#objects}' keys count from it. */
  readonly #base: number;
  /** What each kernel-owned range is, by its start. */
  readonly #kernel = new Map<bigint, { size: number; what: string }>();
  readonly #site: () => EventSite | undefined;
  readonly #cursor: SiteCursor | undefined;
  /** The sites of the last two cursor keys (see {@linkcode SiteCursor}). */
  #keyA: unknown;
  #siteA: EventSite | undefined;
  #keyB: unknown;
  #siteB: EventSite | undefined;

  /**
   * Creates the shadow of `platform`'s RAM; `site` says where the script
   * is, and `cursor`, if given, when that changes.
   */
  constructor(platform: Platform, site: () => EventSite | undefined, cursor?: SiteCursor) {
    this.platform = platform;
    this.#site = site;
    this.#cursor = cursor;
    this.#keyA = this.#keyB = cursor === undefined ? undefined : {};
    this.#base = Number(
      platform.ram.reduce((m, r) => (r.base < m ? r.base : m), platform.ram[0].base),
    );
    this.reserve(platform.kernelPaddr, Number(platform.kernelSize), "the kernel image");
  }

  /**
   * Told of every allocation, free and kernel reservation the shadow sees
   * (the run report's recorder); none by default.
   */
  observer: ShadowObserver | undefined;

  /** The live objects, in no particular order. */
  get live(): ObjectRecord[] {
    const out: ObjectRecord[] = [];
    for (const rec of this.#objects.values()) if (rec.freed === undefined) out.push(rec);
    return out;
  }

  /** An object handed to the script: `size` bytes usable, the rest of `slot` slack. */
  allocated(
    start: bigint,
    size: number,
    slot: number,
    kind: ObjectKind,
    cache?: string,
    align?: number,
  ): void {
    this.allocatedAt(exact(start), size, slot, kind, cache, align, start);
  }

  /**
   * {@linkcode Shadow.allocated} of a physical address given as a number
   * (below 2^53): the kmalloc path, which converts no bigint when an
   * object is handed out where one was freed before.
   */
  allocatedAt(
    at: number,
    size: number,
    slot: number,
    kind: ObjectKind,
    cache?: string,
    align?: number,
    start?: bigint,
  ): void {
    const key = at - this.#base;
    const full = slot > size ? slot : size;
    // The record of the object freed here before is reused (nothing else
    // keeps it: reports and the observer copy what they need). A loop that
    // frees and allocates again finds it without a lookup.
    let rec = key === this.#lastKey ? this.#lastRec : this.#objects.get(key);
    if (
      at === this.#pendingAt && rec === this.#clean && rec !== undefined && rec.size === size &&
      rec.slot === full
    ) {
      // Freed and handed out again with nothing in between (a kmalloc/kfree
      // loop): its bytes still hold the states this allocation would write.
      this.#pendingAt = -1;
      rec.kind = kind;
      rec.cache = cache;
      rec.align = align;
      rec.allocated = this.#siteNow();
      rec.freed = undefined;
      this.observer?.allocated(rec);
      return;
    }
    this.#flush();
    if (rec !== undefined && rec.freed !== undefined) {
      rec.size = size;
      rec.slot = full;
      rec.kind = kind;
      rec.cache = cache;
      rec.align = align;
      rec.allocated = this.#siteNow();
      rec.freed = undefined;
    } else {
      rec = {
        start: start ?? BigInt(at),
        size,
        slot: full,
        kind,
        cache,
        align,
        allocated: this.#siteNow(),
        freed: undefined,
      };
      this.#objects.set(key, rec);
    }
    this.#lastKey = key;
    this.#lastRec = rec;
    this.#set(at, size, ACCESSIBLE);
    if (full > size) this.#set(at + size, full - size, SLACK);
    this.#clean = rec;
    this.observer?.allocated(rec);
  }

  /**
   * The object at `start` was freed (or its first `bytes`, for a partial
   * free of pages): those bytes are poisoned until handed out again, the
   * rest stays the script's.
   */
  freed(start: bigint, bytes?: number): void {
    this.freedAt(exact(start), bytes);
  }

  /** {@linkcode Shadow.freed} of a physical address given as a number (below 2^53). */
  freedAt(at: number, bytes?: number): void {
    const key = at - this.#base;
    const rec = key === this.#lastKey ? this.#lastRec : this.#objects.get(key);
    if (rec === undefined || rec.freed !== undefined) return;
    this.#lastKey = key;
    this.#lastRec = rec;
    const site = this.#siteNow();
    this.observer?.freed(rec, bytes ?? rec.slot, site);
    this.#flush();
    if (bytes !== undefined && bytes < rec.slot) {
      this.#clean = undefined;
      const rest: ObjectRecord = {
        ...rec,
        start: rec.start + BigInt(bytes),
        size: Math.max(0, rec.size - bytes),
        slot: rec.slot - bytes,
      };
      this.#objects.set(key + bytes, rest);
      rec.size = Math.min(rec.size, bytes);
      rec.slot = bytes;
      rec.freed = site ?? UNKNOWN_SITE;
      this.#set(at, bytes, FREED);
      return;
    }
    rec.freed = site ?? UNKNOWN_SITE;
    this.#pendingAt = at;
    this.#pendingSlot = rec.slot;
  }

  /** Memory the kernel itself now owns (a page table, ...): no script access. */
  reserve(start: bigint, size: number, what: string): void {
    this.observer?.reserved(start, size, what, this.#siteNow());
    this.#flush();
    this.#clean = undefined;
    this.#kernel.set(start, { size, what });
    this.#set(Number(start), size, KERNEL);
  }

  /** Memory handed back to an allocator (a page table freed, pages given to a sub-allocator). */
  release(start: bigint, size: number): void {
    this.observer?.released(start, size, this.#siteNow());
    this.#flush();
    this.#clean = undefined;
    this.#kernel.delete(start);
    this.#objects.delete(Number(start) - this.#base);
    if (this.#lastKey === Number(start) - this.#base) this.#lastKey = -1;
    this.#set(Number(start), size, NEVER);
  }

  /**
   * Pages of an allocation handed to a sub-allocator `to` (released like
   * {@linkcode Shadow.release}: its objects are tracked from now on), told
   * to the observer as still in use, by `to`.
   */
  handOver(start: bigint, size: number, to: string): void {
    this.release(start, size);
    this.observer?.handedOver?.(start, size, to, this.#siteNow());
  }

  /** Whether `[start, start + length)` is all accessible. */
  accessible(start: bigint, length: number): boolean {
    return this.#firstBad(start, length) < 0;
  }

  /**
   * Checks a script's access of `length` bytes at physical `start`: throws a
   * {@linkcode KasanReport} at the first byte it may not touch.
   */
  check(start: bigint, length: number, access: AccessKind, summary?: string): void {
    if (length <= 0) return;
    const bad = this.#firstBad(start, length);
    if (bad >= 0) throw this.#report(start + BigInt(bad), start, length, access, summary);
  }

  /**
   * The report for a free the allocator refused (`double-free` of a freed
   * object, `invalid-free` of anything else), in KASAN's shape; `code` is
   * the name `expect error` matched before the sanitizer (`NotAllocated`,
   * `DoubleFree`, ...), kept as an alias.
   */
  badFree(start: bigint, call: string, alias: string, summary?: string): KasanReport {
    const at = this.#objects.get(Number(start) - this.#base);
    const freed = at?.freed !== undefined ? at : undefined;
    const rec = freed ?? this.#containing(start);
    const bug: KasanBug = freed !== undefined ? "double-free" : "invalid-free";
    const site = this.#siteNow();
    return new KasanReport({
      bug,
      where: site?.where ?? "?",
      call: site?.call ?? call,
      cpu: site?.cpu,
      addr: this.#virt(start),
      object: rec === undefined ? undefined : this.#describe(rec, start),
      shadow: this.#shadowRows(start),
      alias,
      summary,
    });
  }

  /** The live object whose slot holds `addr`, if any. */
  objectAt(addr: bigint): ObjectRecord | undefined {
    const rec = this.#containing(addr);
    return rec !== undefined && rec.freed === undefined ? rec : undefined;
  }

  // --- internals -------------------------------------------------------

  /** Where the script is now: the last two sites again without asking, while the cursor says so. */
  #siteNow(): EventSite | undefined {
    const cursor = this.#cursor;
    if (cursor === undefined) return this.#site();
    const key = cursor.key;
    if (key === this.#keyA) return this.#siteA;
    if (key === this.#keyB) return this.#siteB;
    const site = this.#site();
    this.#keyB = this.#keyA;
    this.#siteB = this.#siteA;
    this.#keyA = key;
    this.#siteA = site;
    return site;
  }

  #virt(pa: bigint): bigint {
    return physToVirt(this.platform, pa as never);
  }

  /** Writes the pending free's states, if one is pending (before the shadow is read or written). */
  #flush(): void {
    if (this.#pendingAt < 0) return;
    const at = this.#pendingAt;
    this.#pendingAt = -1;
    this.#clean = undefined;
    this.#set(at, this.#pendingSlot, FREED);
  }

  /**
   * Sets `[start, start + size)` to `state`, whole frames as one number.
   * The common case first, small enough to inline where it is called: an
   * object of 8-byte multiples inside the frame set last (a kmalloc loop).
   */
  #set(start: number, size: number, state: number): void {
    // (Integer arithmetic below 4 GiB, the common RAM.)
    const frame = start < 0x1_0000_0000 ? (start / FRAME) >>> 0 : Math.floor(start / FRAME);
    const off = start - frame * FRAME;
    if (frame === this.#wordsFrame && off + size <= FRAME && ((off | size) & 7) === 0) {
      const eights = this.#eights!;
      const e = EIGHT_STATES[state];
      for (let i = off >> 3, end = (off + size) >> 3; i < end; i++) eights[i] = e;
      return;
    }
    this.#setAny(start, size, state);
  }

  /** {@linkcode Shadow.#set} in every other case. */
  #setAny(start: number, size: number, state: number): void {
    let frame = Math.floor(start / FRAME);
    let off = start - frame * FRAME;
    if (off + size <= FRAME && ((off | size) & 3) === 0) {
      // A small object inside one frame of byte states (kmalloc's common
      // case): four states a write, through the last frame's word view.
      let words = frame === this.#wordsFrame ? this.#words : undefined;
      if (words === undefined) {
        const bytes = this.#frames.get(frame);
        if (typeof bytes === "object") {
          words = new Uint32Array(bytes.buffer, bytes.byteOffset, FRAME >> 2);
          this.#wordsFrame = frame;
          this.#words = words;
          this.#eights = new Float64Array(bytes.buffer, bytes.byteOffset, FRAME >> 3);
        }
      }
      if (words !== undefined && ((off | size) & 7) === 0) {
        // Eight states a write (kmalloc objects are 8-aligned multiples of 8).
        const eights = this.#eights!;
        const e = EIGHT_STATES[state];
        for (let i = off >> 3, end = (off + size) >> 3; i < end; i++) eights[i] = e;
        return;
      }
      if (words !== undefined) {
        const w = state * 0x0101_0101;
        for (let i = off >> 2, end = (off + size) >> 2; i < end; i++) words[i] = w;
        return;
      }
    }
    // Frames may change from states to one number (or go): the word view is forgotten.
    this.#wordsFrame = -1;
    this.#words = undefined;
    let left = size;
    while (left > 0) {
      const n = Math.min(left, FRAME - off);
      if (n === FRAME) {
        if (state === NEVER) this.#frames.delete(frame);
        else this.#frames.set(frame, state);
      } else {
        let bytes = this.#frames.get(frame);
        if (typeof bytes !== "object") {
          const fill = bytes ?? NEVER;
          if (fill === state) {
            frame++;
            off = 0;
            left -= n;
            continue;
          }
          bytes = new Uint8Array(FRAME).fill(fill);
          this.#frames.set(frame, bytes);
        }
        bytes.fill(state, off, off + n);
      }
      frame++;
      off = 0;
      left -= n;
    }
  }

  /** The state of one byte. */
  #state(pa: bigint): number {
    this.#flush();
    const f = this.#frames.get(Number(pa >> FRAME_SHIFT));
    if (f === undefined) return NEVER;
    return typeof f === "number" ? f : f[Number(pa & 0xfffn)];
  }

  /** The offset of the first byte of the range that is not accessible, or -1. */
  #firstBad(start: bigint, length: number): number {
    this.#flush();
    const at = exact(start);
    let frame = Math.floor(at / FRAME);
    let off = at - frame * FRAME;
    let done = 0;
    while (done < length) {
      const n = Math.min(length - done, FRAME - off);
      const f = this.#frames.get(frame);
      if (f === undefined) return done;
      if (typeof f === "number") {
        if (f !== ACCESSIBLE) return done;
      } else {
        for (let i = 0; i < n; i++) if (f[off + i] !== ACCESSIBLE) return done + i;
      }
      done += n;
      frame++;
      off = 0;
    }
    return -1;
  }

  /** The object (live, else freed) whose slot holds `addr`. */
  #containing(addr: bigint): ObjectRecord | undefined {
    const exact = this.#objects.get(Number(addr) - this.#base);
    if (exact !== undefined && exact.freed === undefined) return exact;
    let freed = exact;
    for (const rec of this.#objects.values()) {
      if (addr >= rec.start && addr < rec.start + BigInt(rec.slot)) {
        if (rec.freed === undefined) return rec;
        freed ??= rec;
      }
    }
    return freed;
  }

  /** The live object ending at most 64 bytes below `addr` (an overrun's victim). */
  #overrun(addr: bigint): ObjectRecord | undefined {
    let best: ObjectRecord | undefined;
    for (const rec of this.#objects.values()) {
      if (rec.freed !== undefined) continue;
      const end = rec.start + BigInt(rec.slot);
      if (end <= addr && addr - end < 64n && (best === undefined || rec.start > best.start)) {
        best = rec;
      }
    }
    return best;
  }

  #report(
    bad: bigint,
    start: bigint,
    length: number,
    access: AccessKind,
    summary?: string,
  ): KasanReport {
    const state = this.#state(bad);
    let rec: ObjectRecord | undefined;
    let bug: KasanBug;
    let note: string | undefined;
    if (state === FREED) {
      rec = this.#containing(bad);
      bug = rec?.kind === "kmalloc" ? "slab-use-after-free" : "use-after-free";
    } else if (state === SLACK) {
      rec = this.#containing(bad);
      bug = rec?.kind === "kmalloc" ? "slab-out-of-bounds" : "out-of-bounds";
    } else if (state === KERNEL) {
      bug = "wild-memory-access";
      for (const [s, k] of this.#kernel) {
        if (bad >= s && bad < s + BigInt(k.size)) note = `it belongs to ${k.what}`;
      }
    } else {
      rec = this.#overrun(bad);
      if (rec !== undefined) bug = rec.kind === "kmalloc" ? "slab-out-of-bounds" : "out-of-bounds";
      else {
        bug = "wild-memory-access";
        note = "no allocator handed this memory out";
      }
    }
    const site = this.#siteNow();
    return new KasanReport({
      bug,
      where: site?.where ?? "?",
      call: site?.call ?? "",
      cpu: site?.cpu,
      access,
      size: length,
      addr: this.#virt(start),
      badAddr: this.#virt(bad),
      object: rec === undefined ? undefined : this.#describe(rec, bad),
      note,
      shadow: this.#shadowRows(bad),
      summary,
    });
  }

  #describe(rec: ObjectRecord, addr: bigint): KasanFinding["object"] {
    const off = addr - rec.start;
    const freed = rec.freed !== undefined;
    const where = off < 0n
      ? `${-off} bytes to the left of`
      : off < BigInt(rec.size)
      ? `${off} bytes inside of`
      : `${off - BigInt(rec.size)} bytes to the right of`;
    return {
      start: this.#virt(rec.start),
      kind: rec.kind,
      cache: rec.cache,
      slot: rec.slot,
      size: rec.size,
      allocated: rec.allocated,
      freed: rec.freed,
      location: `${where} ${freed ? "freed " : "allocated "}${rec.size}-byte region ` +
        `[${hex(this.#virt(rec.start))}, ${hex(this.#virt(rec.start) + BigInt(rec.size))})`,
    };
  }

  /** KASAN's "Memory state around the buggy address": rows of 16 granules of 8 bytes. */
  #shadowRows(addr: bigint): string[] {
    const row0 = (addr & ~0x7fn) - 0x80n;
    const rows: string[] = [];
    for (let r = 0n; r < 3n; r++) {
      const base = row0 + r * 0x80n;
      const cells: string[] = [];
      for (let g = 0n; g < 16n; g++) {
        const at = base + g * 8n;
        let ok = 0;
        let other = ACCESSIBLE;
        for (let b = 0n; b < 8n; b++) {
          const s = this.#state(at + b);
          if (s === ACCESSIBLE && other === ACCESSIBLE) ok++;
          else if (other === ACCESSIBLE) other = s;
        }
        cells.push(other === ACCESSIBLE ? "00" : ok > 0 ? `0${ok}` : other.toString(16));
      }
      const mark = addr >= base && addr < base + 0x80n ? ">" : " ";
      rows.push(`${mark}${this.#virt(base).toString(16)}: ${cells.join(" ")}`);
      if (mark === ">") {
        const col = Number((addr - base) / 8n);
        rows.push(" ".repeat(this.#virt(base).toString(16).length + 3 + col * 3) + "^");
      }
    }
    return rows;
  }
}
