/**
 * Byte-addressable, sparse physical RAM. A 4 KiB frame is materialised the
 * first time something non-zero is written to it; reading anything else
 * reads zeros. Simulating many GiB costs nothing until it is touched.
 *
 * @module
 */

import { ArgumentError, SimError } from "./sim_error.ts";
import type { Region } from "./platform.ts";

/** The granule in which RAM is materialised. */
export const FRAME_SIZE = 4096;
const FRAME = 4096n;

/** An access to an address that is not RAM. */
export class PhysicalMemoryError extends SimError {
  /** The codes of this class. */
  static readonly codes: readonly string[] = ["OutOfRam"];
  /** The error class's name. */
  override readonly name = "PhysicalMemoryError";
  /** The first address of the access. */
  readonly address: bigint;
  /** The access's length in bytes. */
  readonly length: bigint;
  /** Creates the error for an access of `length` bytes at `address`. */
  constructor(address: bigint, length: bigint, message?: string) {
    super(
      "OutOfRam",
      message ??
        `physical access of ${length} byte${length === 1n ? "" : "s"} at 0x${
          address.toString(16)
        } is outside RAM`,
    );
    this.address = address;
    this.length = length;
  }
}

/** A physical address as the memory API takes it. */
export type PhysInput = bigint | number;

function toBig(a: PhysInput): bigint {
  if (typeof a === "bigint") return a;
  if (!Number.isSafeInteger(a)) {
    throw new PhysicalMemoryError(0n, 0n, `address ${a} is not an exact integer`);
  }
  return BigInt(a);
}

/**
 * Sparse physical memory over a platform's RAM regions.
 *
 * @example
 * ```ts
 * import { PhysicalMemory } from "./physical_memory.ts";
 * const ram = new PhysicalMemory([{ name: "RAM", base: 0x8000_0000n, size: 64n << 30n }]);
 * ram.write64(0x8000_1000n, 0xdead_beef_cafe_f00dn);
 * console.log(ram.read32(0x8000_1000n).toString(16), ram.committedBytes); // cafef00d 4096
 * ```
 */
export class PhysicalMemory {
  /** The RAM regions, sorted. */
  readonly regions: readonly Region[];
  /**
   * Materialised 4 KiB frames by number: their bytes, or one byte value for
   * a frame filled whole with it (a `fill` over gigabytes costs a number
   * a frame, not the frames). Absent: all zero.
   */
  readonly #frames = new Map<number, Uint8Array | number>();
  #bytesFrames = 0;
  /** For reads of uniform frames: a frame of each value read so far. */
  readonly #uniform = new Map<number, Uint8Array>();

  /**
   * Called every 256 frames of one long access (and by page tables every
   * 4096 pages): it throws to stop the work (a time limit). None by default.
   */
  poll: (() => void) | undefined;
  /** Ranges backed by memory outside the frames (see {@linkcode PhysicalMemory.attach}). */
  readonly #attached: { start: number; end: number; bytes: AttachedBytes }[] = [];

  /** Creates RAM covering `regions` (all zero). */
  constructor(regions: readonly Region[]) {
    this.regions = [...regions].sort((a, b) => (a.base < b.base ? -1 : 1));
  }

  /** Bytes of host memory the simulated RAM holds (materialised frames). */
  get committedBytes(): number {
    return this.#bytesFrames * FRAME_SIZE;
  }

  /** How many frames are materialised (filled whole with one value, or byte by byte). */
  get committedFrames(): number {
    return this.#frames.size;
  }

  /**
   * Backs `[addr, addr + size)` with memory of someone else's (a
   * WebAssembly allocator's linear memory, which holds a heap's bytes):
   * reads and writes there go to `bytes(offset, length)`, a live view
   * asked for at each access. What was written there before is copied in.
   */
  attach(addr: PhysInput, size: number, bytes: AttachedBytes): void {
    const start = Number(toBig(addr));
    this.check(start, size);
    const before = this.read(start, size);
    this.#attached.push({ start, end: start + size, bytes });
    bytes(0, size).set(before);
    for (const [no, f] of this.#frames) {
      const s = no * FRAME_SIZE;
      if (s >= start && s + FRAME_SIZE <= start + size) {
        this.#frames.delete(no);
        if (typeof f !== "number") this.#bytesFrames--;
      }
    }
  }

  /** Whether `[addr, addr + length)` lies in RAM. */
  isRam(addr: PhysInput, length: PhysInput = 1): boolean {
    const a = toBig(addr);
    const end = a + toBig(length);
    return this.regions.some((r) => a >= r.base && end <= r.base + r.size);
  }

  /** Throws {@linkcode PhysicalMemoryError} unless the range is RAM. */
  check(addr: PhysInput, length: PhysInput): void {
    if (!this.isRam(addr, length)) throw new PhysicalMemoryError(toBig(addr), toBig(length));
  }

  /** Reads `length` bytes (a copy). */
  read(addr: PhysInput, length: number): Uint8Array {
    const a = toBig(addr);
    this.check(a, BigInt(length));
    const out = new Uint8Array(length);
    this.#each(a, length, (frame, off, pos, n) => {
      if (frame) out.set(frame.subarray(off, off + n), pos);
    }, false);
    return out;
  }

  /** Writes `bytes` at `addr`. */
  write(addr: PhysInput, bytes: Uint8Array): void {
    const a = toBig(addr);
    this.check(a, BigInt(bytes.length));
    this.#each(
      a,
      bytes.length,
      (frame, off, pos, n) => {
        frame!.set(bytes.subarray(pos, pos + n), off);
      },
      true,
      (pos, n) => isZero(bytes, pos, n),
    );
  }

  /** Sets `length` bytes at `addr` to `value` (zeros on untouched frames cost nothing). */
  fill(addr: PhysInput, length: PhysInput, value: number): void {
    const a = toBig(addr);
    const len = toBig(length);
    this.check(a, len);
    const byte = value & 0xff;
    this.#each(
      a,
      Number(len),
      (frame, off, _pos, n) => {
        frame!.fill(byte, off, off + n);
      },
      true,
      () => byte === 0,
      byte,
    );
  }

  /** Copies `length` bytes from `src` to `dst` (overlap-safe, like memmove). */
  copy(dst: PhysInput, src: PhysInput, length: number): void {
    this.write(dst, this.read(src, length));
  }

  /** Compares two ranges like `memcmp`: negative, 0 or positive. */
  compare(a: PhysInput, b: PhysInput, length: number): number {
    const x = this.read(a, length);
    const y = this.read(b, length);
    for (let i = 0; i < length; i++) if (x[i] !== y[i]) return x[i] - y[i];
    return 0;
  }

  /** Reads a byte. */
  read8(addr: PhysInput): number {
    return this.read(addr, 1)[0];
  }

  /** Reads a little-endian u16. */
  read16(addr: PhysInput): number {
    const b = this.read(addr, 2);
    return b[0] | (b[1] << 8);
  }

  /** Reads a little-endian u32. */
  read32(addr: PhysInput): number {
    const b = this.read(addr, 4);
    return new DataView(b.buffer).getUint32(0, true);
  }

  /** Reads a little-endian u64. */
  read64(addr: PhysInput): bigint {
    const b = this.read(addr, 8);
    return new DataView(b.buffer).getBigUint64(0, true);
  }

  /** Writes a byte. */
  write8(addr: PhysInput, value: number): void {
    this.write(addr, Uint8Array.of(value & 0xff));
  }

  /** Writes a little-endian u16. */
  write16(addr: PhysInput, value: number): void {
    this.write(addr, Uint8Array.of(value & 0xff, (value >>> 8) & 0xff));
  }

  /** Writes a little-endian u32. */
  write32(addr: PhysInput, value: number): void {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, value >>> 0, true);
    this.write(addr, b);
  }

  /** Writes a little-endian u64 (the value is taken modulo 2^64). */
  write64(addr: PhysInput, value: bigint): void {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, value), true);
    this.write(addr, b);
  }

  /**
   * Visits the frames under `[addr, addr + length)`: `fn(frame, offset in
   * frame, position in the range, byte count)`. With `create`, a missing
   * frame is materialised, unless `skipIfZero(pos, n)` says the write would
   * leave it all zeros anyway.
   */
  #each(
    addr: bigint,
    length: number,
    fn: (frame: Uint8Array | undefined, off: number, pos: number, n: number) => void,
    create: boolean,
    skipIfZero?: (pos: number, n: number) => boolean,
    fillValue?: number,
  ): void {
    let pos = 0;
    let frameNo = Number(addr / FRAME);
    let off = Number(addr % FRAME);
    const list = this.#attached;
    let steps = 0;
    while (pos < length) {
      if ((++steps & 255) === 0) this.poll?.();
      let n = Math.min(length - pos, FRAME_SIZE - off);
      if (list.length === 0) {
        this.#frameStep(frameNo, off, pos, n, fn, create, skipIfZero, fillValue);
        pos += n;
        frameNo++;
        off = 0;
        continue;
      }
      // Attached ranges: the one attached last wins (a heap inside a page
      // allocator's region is the heap's bytes); a step ends where a later range starts.
      const at = frameNo * FRAME_SIZE + off;
      let k = list.length - 1;
      while (k >= 0 && !(at >= list[k].start && at < list[k].end)) k--;
      let next = Infinity;
      for (let j = k + 1; j < list.length; j++) {
        if (list[j].start > at && list[j].start < next) next = list[j].start;
      }
      if (k >= 0) {
        const a = list[k];
        n = Math.min(length - pos, a.end - at, next - at);
        fn(a.bytes(at - a.start, n), 0, pos, n);
      } else {
        n = Math.min(n, next - at);
        this.#frameStep(frameNo, off, pos, n, fn, create, skipIfZero, fillValue);
      }
      pos += n;
      frameNo = Math.floor((at + n) / FRAME_SIZE);
      off = (at + n) % FRAME_SIZE;
    }
  }

  /**
   * One step inside frame `frameNo`: materialised (unless the write keeps
   * it zero) when `create`; a `fill` of the whole frame keeps one number.
   */
  #frameStep(
    frameNo: number,
    off: number,
    pos: number,
    n: number,
    fn: (frame: Uint8Array | undefined, off: number, pos: number, n: number) => void,
    create: boolean,
    skipIfZero?: (pos: number, n: number) => boolean,
    fillValue?: number,
  ): void {
    const f = this.#frames.get(frameNo);
    if (fillValue !== undefined && n === FRAME_SIZE) {
      if (typeof f === "object") this.#bytesFrames--;
      if (fillValue === 0) this.#frames.delete(frameNo);
      else this.#frames.set(frameNo, fillValue);
      return;
    }
    let frame: Uint8Array | undefined;
    if (typeof f === "number") {
      if (!create) {
        // A read of a uniform frame: one shared frame of that value (never written).
        let same = this.#uniform.get(f);
        if (same === undefined) this.#uniform.set(f, same = new Uint8Array(FRAME_SIZE).fill(f));
        fn(same, off, pos, n);
        return;
      }
      frame = new Uint8Array(FRAME_SIZE).fill(f);
      this.#frames.set(frameNo, frame);
      this.#bytesFrames++;
    } else frame = f;
    if (frame === undefined && create) {
      if (skipIfZero?.(pos, n)) return;
      frame = new Uint8Array(FRAME_SIZE);
      this.#frames.set(frameNo, frame);
      this.#bytesFrames++;
    }
    fn(frame, off, pos, n);
  }
}

/** A live view of `length` bytes at `offset` into an attached range (see {@linkcode PhysicalMemory.attach}). */
export type AttachedBytes = (offset: number, length: number) => Uint8Array;

function isZero(bytes: Uint8Array, pos: number, n: number): boolean {
  for (let i = pos; i < pos + n; i++) if (bytes[i] !== 0) return false;
  return true;
}

/** Options of {@linkcode MemoryView}. */
export interface MemoryViewOptions {
  /** Whether the view may write (an `as_mut_slice`); default false. */
  writable?: boolean;
  /** Called before every access; throws to forbid it (a released owner). */
  guard?: () => void;
}

/**
 * A live window onto `length` bytes of simulated RAM: reads see every write
 * made through any path to the same physical bytes, and writes land in RAM.
 *
 * @example
 * ```ts
 * import { MemoryView, PhysicalMemory } from "./physical_memory.ts";
 * const ram = new PhysicalMemory([{ name: "RAM", base: 0n, size: 0x10000n }]);
 * const view = new MemoryView(ram, 0x1000n, 16, { writable: true });
 * view.set(0, 0x41);
 * console.log(ram.read8(0x1000n)); // 65
 * ```
 */
export class MemoryView {
  /** The physical address of byte 0. */
  readonly base: bigint;
  /** The number of bytes. */
  readonly length: number;
  /** Whether writes are allowed. */
  readonly writable: boolean;
  readonly #mem: PhysicalMemory;
  readonly #guard: (() => void) | undefined;

  /** Creates a view of `[base, base + length)`, which must be RAM. */
  constructor(mem: PhysicalMemory, base: bigint, length: number, options: MemoryViewOptions = {}) {
    mem.check(base, BigInt(length));
    this.#mem = mem;
    this.base = base;
    this.length = length;
    this.writable = options.writable ?? false;
    this.#guard = options.guard;
  }

  #at(index: number, n: number): bigint {
    this.#guard?.();
    if (!Number.isInteger(index) || index < 0 || index + n > this.length) {
      throw new ArgumentError("index", `index ${index} is outside a view of ${this.length} bytes`);
    }
    return this.base + BigInt(index);
  }

  #writeCheck(): void {
    if (!this.writable) {
      throw new ArgumentError("view", "this view is read-only (as_slice); use as_mut_slice");
    }
  }

  /** Reads byte `index`. */
  get(index: number): number {
    return this.#mem.read8(this.#at(index, 1));
  }

  /** Writes byte `index`. */
  set(index: number, value: number): void {
    this.#writeCheck();
    this.#mem.write8(this.#at(index, 1), value);
  }

  /** Copies `length` bytes from `index` out of RAM (all by default). */
  read(index = 0, length: number = this.length - index): Uint8Array {
    return this.#mem.read(this.#at(index, length), length);
  }

  /** Writes `bytes` at `index`. */
  write(bytes: Uint8Array, index = 0): void {
    this.#writeCheck();
    this.#mem.write(this.#at(index, bytes.length), bytes);
  }

  /** Sets every byte to `value`. */
  fill(value: number): void {
    this.#writeCheck();
    this.#mem.fill(this.#at(0, this.length), BigInt(this.length), value);
  }
}
