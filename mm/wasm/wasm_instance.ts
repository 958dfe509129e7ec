/**
 * One instance of a user's WebAssembly allocator: its exports called with
 * the ABI's unsigned integers, its traps and its `last_error()` turned into
 * mmsim's errors, and the regions it manages placed in its linear memory.
 *
 * @module
 */

import { hex } from "../../hal/int.ts";
import { AllocError, type AllocErrorKind, NO_MEMORY } from "../allocator/alloc_error.ts";
import { LinearRegions, PlacementError } from "./linear_memory.ts";
import {
  MAX_WASM_MEMORY_BYTES,
  WASM_BYTE_EXPORTS,
  WASM_COMMON_EXPORTS,
  WASM_PAGE_EXPORTS,
  type WasmAllocatorModule,
  WasmCallError,
} from "./wasm_module.ts";

/** `last_error()`'s codes, by value. */
const ERROR_CODES: Readonly<Record<number, AllocErrorKind>> = {
  1: "InvalidParam",
  2: "MemoryOverlap",
  3: "NoMemory",
  4: "NotAllocated",
};

/**
 * Where calls into modules are recorded for a watchdog on another thread
 * (see {@linkcode watchWasmCalls}): whether a call is running, how many
 * have started, and the running one's export and arguments.
 */
let watch: { control: Int32Array; args: Float64Array } | undefined;

/** The exports a watched call can name, by number: the ABI's, in its order. */
const WATCHED_EXPORTS: readonly string[] = [
  ...WASM_BYTE_EXPORTS,
  ...WASM_PAGE_EXPORTS,
  ...WASM_COMMON_EXPORTS.filter((name) => name !== "memory"),
];

/** The numbers of the hot byte exports, for {@linkcode WasmInstance.enter}. */
export const BYTE_ALLOC_EXPORT: number = WATCHED_EXPORTS.indexOf("byte_alloc");
/** See {@linkcode BYTE_ALLOC_EXPORT}. */
export const BYTE_DEALLOC_EXPORT: number = WATCHED_EXPORTS.indexOf("byte_dealloc");

/** Bytes of the record {@linkcode watchWasmCalls} keeps. */
export const WASM_WATCH_BYTES: number = 16 + 8 * 4;

/**
 * Records every call into a WebAssembly module from now on in `buffer`, so
 * that a thread that cannot be blocked by the call (a watchdog) can tell a
 * call that never returns from a long run of short ones, and name it with
 * {@linkcode runningWasmCall}.
 *
 * @example
 * ```ts ignore
 * const buffer = new SharedArrayBuffer(WASM_WATCH_BYTES);
 * watchWasmCalls(buffer); // in the thread that runs the module
 * runningWasmCall(buffer); // in the watchdog's: "byte_alloc(0x20000, 8)" or ""
 * ```
 */
export function watchWasmCalls(buffer: SharedArrayBuffer): void {
  watch = { control: new Int32Array(buffer, 0, 4), args: new Float64Array(buffer, 16, 4) };
}

/** The watched call running now (`""` between calls), and how many calls have started. */
export function runningWasmCall(buffer: SharedArrayBuffer): { call: string; started: number } {
  const control = new Int32Array(buffer, 0, 4);
  const args = new Float64Array(buffer, 16, 4);
  const started = Atomics.load(control, 1);
  if (Atomics.load(control, 0) === 0) return { call: "", started };
  const name = WATCHED_EXPORTS[control[2]] ?? "a call";
  const n = control[3];
  const shown = Array.from(
    { length: Math.min(n, 4) },
    (_, i) => args[i] >= 0x1_0000 ? `0x${args[i].toString(16)}` : String(args[i]),
  );
  return { call: `${name}(${shown.join(", ")})`, started };
}

/** An export as JavaScript sees it: i32 in and out as numbers (i64 as bigints for memory64). */
export type WasmExport = (...args: (number | bigint)[]) => number | bigint | undefined;

/** Calls after which a module's own memory is taken as its steady size. */
export const STEADY_AFTER_CALLS = 100;

/**
 * Growths of its own memory past {@linkcode STEADY_AFTER_CALLS} a module may
 * make without a warning (a table that doubles reaches 1 GiB in 14).
 */
export const STEADY_GROWTHS = 16;

/**
 * A fresh instance of a checked module.
 *
 * @example
 * ```ts ignore
 * import { loadWasmAllocator } from "./wasm_module.ts";
 * import { WasmInstance } from "./wasm_instance.ts";
 * const w = new WasmInstance(loadWasmAllocator(Deno.readFileSync("a.wasm"), "a.wasm"));
 * console.log(w.call("byte_total_bytes", [])); // 0
 * ```
 */
export class WasmInstance {
  /** The module's path, for messages. */
  readonly path: string;
  /** 4 (wasm32) or 8 (memory64). */
  readonly pointerWidth: 4 | 8;
  /** Where the managed regions are in its memory. */
  readonly regions: LinearRegions;
  /** The largest integer an argument can carry (`usize::MAX`). */
  readonly maxWord: number;
  /** The raw exports. */
  readonly exports: Readonly<Record<string, WasmExport>>;
  readonly #memory: WebAssembly.Memory;
  readonly #module: WasmAllocatorModule;
  /** The memory's buffer as last seen (see {@linkcode WasmInstance.checkMemory}). */
  #seen: ArrayBuffer | SharedArrayBuffer;
  /** Calls made (checked after). */
  #calls = 0;
  /** Its own memory in bytes after its first {@linkcode STEADY_AFTER_CALLS} calls. */
  #steadyOwn = -1;
  /** Its own memory in bytes when last seen. */
  #lastOwn = Infinity;
  /** Times it grew its own memory since then. */
  #steadyGrowths = 0;
  /** Whether the growth warning was given for this instance. */
  #warned = false;

  /** Instantiates `module` (which imports nothing). */
  constructor(module: WasmAllocatorModule) {
    this.path = module.path;
    this.#module = module;
    if (module.exceeded !== undefined) {
      throw new WasmCallError(
        module.path,
        "instantiation",
        `refused: earlier in this run ${module.exceeded}`,
      );
    }
    this.pointerWidth = module.pointerWidth;
    this.maxWord = module.pointerWidth === 4 ? 0xffff_ffff : Number.MAX_SAFE_INTEGER;
    let instance: WebAssembly.Instance;
    try {
      instance = new WebAssembly.Instance(module.module, {});
    } catch (e) {
      throw new WasmCallError(module.path, "instantiation", `failed: ${(e as Error).message}`);
    }
    this.exports = instance.exports as unknown as Record<string, WasmExport>;
    this.#memory = instance.exports.memory as WebAssembly.Memory;
    this.#seen = new ArrayBuffer(0); // checked on the first call
    this.regions = new LinearRegions(this.#memory, module.pointerWidth);
  }

  /** `name(args)` as it reads in a message. */
  describe(name: string, args: readonly number[]): string {
    return `${name}(${args.map((a) => (a >= 0x1_0000 ? hex(a) : String(a))).join(", ")})`;
  }

  /**
   * Calls export `name` with linear-memory integers; its result as an
   * unsigned number (0 for none). A trap becomes a {@linkcode WasmCallError}.
   */
  call(name: string, args: readonly number[]): number {
    const f = this.exports[name];
    let r;
    const w = watch;
    if (w !== undefined) {
      const c = w.control;
      c[2] = WATCHED_EXPORTS.indexOf(name);
      c[3] = args.length;
      for (let i = 0; i < args.length && i < 4; i++) w.args[i] = args[i];
      // Plain stores: the watchdog looks every 100 ms, and needs no fence.
      c[1]++;
      c[0] = 1;
    }
    try {
      r = this.pointerWidth === 4 ? f(...args) : f(...args.map((a) => BigInt(a)));
    } catch (e) {
      throw this.trap(name, args, e);
    } finally {
      if (w !== undefined) w.control[0] = 0;
    }
    this.checkMemory(name, args);
    return typeof r === "bigint" ? Number(BigInt.asUintN(64, r)) : (Number(r ?? 0) >>> 0);
  }

  /**
   * Marks the start of a direct call of export `index` (a hot path that
   * does not go through {@linkcode WasmInstance.call}) for the watchdog.
   */
  enter(index: number, a: number, b: number): void {
    const w = watch;
    if (w === undefined) return;
    const c = w.control;
    c[2] = index;
    c[3] = 2;
    w.args[0] = a;
    w.args[1] = b;
    c[1]++;
    c[0] = 1;
  }

  /** Marks the end of a direct call. */
  leave(): void {
    if (watch !== undefined) watch.control[0] = 0;
  }

  /**
   * After a call: a module that now has more memory than
   * {@linkcode MAX_WASM_MEMORY_BYTES} fails the call, named, and is not
   * instantiated again in this run.
   */
  checkMemory(name: string, args: readonly number[]): void {
    if (++this.#calls === STEADY_AFTER_CALLS) {
      this.#steadyOwn = this.#memory.buffer.byteLength - this.regions.grownBytes;
    }
    // The buffer last seen is detached when the memory grows: until then
    // nothing has changed, and the memory's own getter (slower) is not asked.
    if (this.#seen.byteLength !== 0) return;
    this.#seen = this.#memory.buffer;
    // Its own memory: what it holds beyond the regions mmsim placed in it.
    const own = this.#seen.byteLength - this.regions.grownBytes;
    const grew = own > this.#lastOwn;
    this.#lastOwn = own;
    if (this.#steadyOwn >= 0 && grew && own > this.#steadyOwn) {
      this.#steadyGrowths++;
      if (this.#steadyGrowths > STEADY_GROWTHS && !this.#warned) {
        this.#warned = true;
        const pages = (b: number) => Math.round(b / 65536);
        (this.#module.notes ??= []).push(
          `${this.path} grew its own memory ${this.#steadyGrowths} times in steady operation: ` +
            `from ${pages(this.#steadyOwn)} to ${pages(own)} pages of 64 KiB between its call ` +
            `${STEADY_AFTER_CALLS} and call ${this.#calls} (${this.describe(name, args)}); ` +
            `an allocator that grows on every call runs out of memory in a long workload`,
        );
      }
    }
    if (own > MAX_WASM_MEMORY_BYTES) {
      const what = `grew the module's own memory to ${
        (own / 2 ** 20).toFixed(0)
      } MiB, past the limit of ${MAX_WASM_MEMORY_BYTES >> 30} GiB a module may have`;
      this.#module.exceeded ??= `${this.describe(name, args)} ${what}`;
      throw new WasmCallError(this.path, this.describe(name, args), what);
    }
  }

  /** The error to throw for what a call threw: a trap is described, anything else passes. */
  trap(name: string, args: readonly number[], e: unknown): unknown {
    if (e instanceof WebAssembly.RuntimeError) {
      const hint = /unreachable/i.test(e.message) ? " (a Rust panic or an abort)" : "";
      return new WasmCallError(
        this.path,
        this.describe(name, args),
        `trapped: ${e.message}${hint}`,
      );
    }
    if (e instanceof RangeError && /call stack/i.test(e.message)) {
      return new WasmCallError(this.path, this.describe(name, args), "overflowed the stack");
    }
    return e;
  }

  /** After a call answered failure: the {@linkcode AllocError} `last_error()` names. */
  lastError(name: string, args: readonly number[]): AllocError | WasmCallError {
    return this.#errorOf(name, args, this.call("last_error", []), "failed and last_error() is");
  }

  #errorOf(
    name: string,
    args: readonly number[],
    code: number,
    said: string,
  ): AllocError | WasmCallError {
    const kind = ERROR_CODES[code];
    if (kind === undefined) {
      return new WasmCallError(
        this.path,
        this.describe(name, args),
        `${said} ${code}, not an error code of the ABI ` +
          "(1 InvalidParam, 2 MemoryOverlap, 3 NoMemory, 4 NotAllocated)",
      );
    }
    return new AllocError(kind, { reason: `${this.describe(name, args)} failed` });
  }

  /**
   * `PREFIX_init` (or, with `add`, `PREFIX_add_memory`, whose non-zero answer
   * is the error it names) over simulated `[start, start + size)`, placed in
   * the module's memory first; `onRegion` is told once the bytes are there.
   */
  giveRegion(
    prefix: "byte" | "page",
    add: boolean,
    start: number,
    size: number,
    onRegion: ((start: number, size: number) => void) | undefined,
  ): void {
    const offset = this.place(start, size);
    onRegion?.(start, size);
    const name = add ? `${prefix}_add_memory` : `${prefix}_init`;
    const code = this.call(name, [offset, size]);
    if (add && code !== 0) throw this.#errorOf(name, [offset, size], code, "answered");
  }

  /**
   * The offset of a block a free names, or a `NotAllocated` refusal: a
   * pointer outside the memory the module manages is never passed on,
   * where it would make the module write outside its heap.
   */
  freeTarget(addr: number): number {
    const at = this.regions.toLinear(addr);
    if (at < 0) {
      throw new AllocError("NotAllocated", {
        address: addr,
        reason: `${hex(addr)} is not in the memory ${this.path} manages`,
      });
    }
    return at;
  }

  /** Calls an allocating export: the block's simulated address, or the error it failed with. */
  allocate(name: string, args: readonly number[], bytes: number): number {
    const p = this.tryAllocate(name, args, bytes);
    if (p === NO_MEMORY) {
      throw new AllocError("NoMemory", { reason: `${this.describe(name, args)} failed` });
    }
    return p;
  }

  /**
   * {@linkcode WasmInstance.allocate} that answers a `NoMemory` failure with
   * {@linkcode NO_MEMORY} instead of an exception (other errors still throw).
   */
  tryAllocate(name: string, args: readonly number[], bytes: number): number {
    const p = this.call(name, args);
    if (p === 0) {
      const e = this.lastError(name, args);
      if (e instanceof AllocError && e.kind === "NoMemory") return NO_MEMORY;
      throw e;
    }
    return this.returned(name, args, p, bytes);
  }

  /**
   * Places simulated `[start, start + size)` in linear memory; its offset.
   * A region no 32-bit allocator could hold is `InvalidParam`.
   */
  place(start: number, size: number): number {
    if (!(size >= 0 && size <= this.maxWord)) {
      throw new AllocError("InvalidParam", {
        address: start,
        reason: `a region of ${hex(size)} bytes does not fit a ${8 * this.pointerWidth}-bit target`,
      });
    }
    try {
      return this.regions.place(start, size);
    } catch (e) {
      if (!(e instanceof PlacementError)) throw e;
      throw new AllocError("InvalidParam", { address: start, reason: e.message });
    }
  }

  /**
   * The simulated address of a block the module returned at `offset`,
   * `bytes` long; a block outside the memory it manages breaks the ABI.
   */
  returned(name: string, args: readonly number[], offset: number, bytes: number): number {
    const addr = this.regions.blockFromLinear(offset, bytes);
    if (addr < 0) {
      throw new WasmCallError(
        this.path,
        this.describe(name, args),
        `returned ${hex(offset)}, a ${bytes}-byte block outside the memory it manages`,
      );
    }
    return addr;
  }
}
