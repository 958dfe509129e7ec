/**
 * The simulated world a script runs in: the platform, the ArceOS-style
 * kernel memory subsystem, the DragonOS-style memory manager (booted on
 * first use), seeded randomness, and the trace recorder.
 *
 * @module
 */

import { phys, virt } from "../hal/address.ts";
import {
  getPlatform,
  MAX_HARTS,
  type Platform,
  PlatformError,
  withRamSize,
} from "../hal/platform.ts";
import { PhysicalMemory } from "../hal/physical_memory.ts";
import type { Loc } from "../dsl/ast.ts";
import { type EventSite, Shadow, type ShadowObserver } from "../mm/kasan/shadow.ts";
import type { AccessKind } from "../mm/kasan/report.ts";
import { Handle, Rec, type Value } from "./values.ts";
import { findLeaks, type Leak } from "../mm/kasan/leak_check.ts";
import type { BitmapCapacity } from "../mm/allocator/bitmap_page_allocator.ts";
import type { ByteAllocator, IdAllocator, PageAllocator } from "../mm/allocator/traits.ts";
import type { WasmAllocatorModule } from "../mm/wasm/wasm_module.ts";
import { WasmByteAllocator } from "../mm/wasm/wasm_byte_allocator.ts";
import { WasmPageAllocator } from "../mm/wasm/wasm_page_allocator.ts";
import { DmaAllocator } from "../mm/axdma/dma.ts";
import { DragonMemory } from "../mm/dragonos/dragon_memory.ts";
import { PAGE_2M_SIZE } from "../mm/dragonos/zoned_pages.ts";
import {
  BYTE_ALLOCATOR_KINDS,
  type ByteAllocatorKind,
  isByteAllocatorKind,
} from "../mm/registry.ts";
import { KernelMemory } from "../mm/axalloc/kernel_memory.ts";
import {
  ARCEOS_PROFILES,
  type ArceosProfile,
  isArceosProfile,
} from "../mm/axalloc/arceos_profile.ts";
import { KernelHalted, KernelPanic } from "../mm/kernel_panic.ts";
import { ScriptError, SimError } from "./errors.ts";
import { TraceRecorder } from "../trace/recorder.ts";

/** The allocator a conformance script tests (`subject()`). */
export interface Subject {
  /** Its name (`tlsf`, `bitmap`, a module path ...). */
  name: string;
  /** Which interface it implements. */
  kind: "ByteAllocator" | "PageAllocator" | "IdAllocator";
  /** Makes a fresh, uninitialised instance. */
  make: () => ByteAllocator | PageAllocator | IdAllocator;
  /**
   * With `--exact MODEL`: the model's name and a fresh instance of it,
   * which every call is also made on and must answer the same.
   */
  reference?: { name: string; make: () => ByteAllocator | PageAllocator | IdAllocator };
  /** Warnings about its instances since last asked (a module's memory growing as it runs). */
  notes?: () => string[];
}

/**
 * A builtin call that failed, for the run report: its name and arguments
 * (a `kmalloc` that returned NULL is one too).
 */
export interface FailedCall {
  /** The builtin's name (`alloc`, `kmalloc`, ...). */
  name: string;
  /** Its arguments, as the script gave them. */
  args: readonly unknown[];
}

/** What the run report hears of the heaps a script makes (`new_allocator`). */
export interface HeapObserver {
  /** A heap was made: `kind` at `[start, start + size)`; its handle for the calls. */
  heapMade(
    kind: string,
    allocator: ByteAllocator | PageAllocator | IdAllocator,
    start: number,
    size: number,
  ): HeapCalls;
}

/** What the report hears of one heap's calls. */
export interface HeapCalls {
  /** A block of `bytes` at `addr` (alignment `align`) was handed out. */
  allocated(addr: number, bytes: number, align: number): void;
  /** The block at `addr` was freed. */
  freed(addr: number): void;
  /** A call failed (`NoMemory`, ...) asking for `bytes` at `align`. */
  failed(error: unknown, bytes: number, align: number): void;
  /** Memory was added: `[start, start + size)`. */
  added(start: number, size: number): void;
}

/** How a world is set up. */
export interface WorldOptions {
  /** The allocator `subject()` gives, for conformance scripts. */
  subject?: Subject;
  /** The platform's name (default `riscv64-qemu-virt`). */
  platform?: string;
  /** The global allocator's byte allocator (default `tlsf`). */
  byteAllocator?: ByteAllocatorKind;
  /** A WebAssembly byte allocator of the user's in place of `byteAllocator` (`--allocator FILE.wasm`). */
  wasmByteAllocator?: WasmAllocatorModule;
  /** A WebAssembly page allocator of the user's in place of the bitmap (`--allocator FILE.wasm`). */
  wasmPageAllocator?: WasmAllocatorModule;
  /**
   * Reads and checks the module `kernel byte_allocator = "FILE.wasm"` names
   * (`path` as written, `from` the script that says it); without it, a
   * script cannot name one.
   */
  loadWasm?: (path: string, from: string) => WasmAllocatorModule;
  /** The seed of `rand` (default 1). */
  seed?: bigint;
  /** The ArceOS version the kernel runs (default `classic`; `kernel arceos = ...` changes it). */
  profile?: ArceosProfile;
  /** Receives the kernel's log lines. */
  log?: (line: string) => void;
  /**
   * Receives warnings: what the real code does silently and would hurt a
   * real kernel (a misaligned page for a device), with the call it is
   * about. Each is said once per call site.
   */
  warn?: (warning: Warning) => void;
  /** Records global-allocator operations in the trace format. */
  trace?: TraceRecorder;
  /** Whether the KASAN-style sanitizer checks the script's accesses and frees (default on). */
  sanitize?: boolean;
}

/** Configuration keys of the `kernel KEY = VALUE` statement and their values. */
export const KERNEL_KEYS: Readonly<Record<string, string>> = {
  byte_allocator: `${BYTE_ALLOCATOR_KINDS.join(", ")} or "FILE.wasm" (a WebAssembly allocator)`,
  page_allocator: `bitmap or "FILE.wasm" (a WebAssembly page allocator)`,
  page_capacity: "256M, 4G, 64G or 1T (the bitmap page allocator's feature)",
  dragonos_memory: "bytes of RAM the DragonOS memory manager takes (a multiple of 2 MiB)",
  arceos: `the ArceOS version: ${ARCEOS_PROFILES.map((p) => `"${p}"`).join(", ")}`,
};

/** The `kernel` settings that choose the classic ArceOS's allocators (none of ArceOS 2026's). */
const CLASSIC_ONLY_KEYS: readonly string[] = ["byte_allocator", "page_allocator", "page_capacity"];

/** The DragonOS memory manager cannot start: too little memory is free for it (`NoMemory`). */
export class MemoryShortError extends SimError {
  /** The codes of this class. */
  static readonly codes: readonly string[] = ["NoMemory"];
  /** The error class's name. */
  override readonly name = "MemoryShortError";
  /** Creates the error. */
  constructor(message: string) {
    super("NoMemory", message);
  }
}

/** A seeded 64-bit generator (splitmix64): the same seed gives the same numbers. */
export class Rng {
  #state: bigint;
  /** Creates the generator. */
  constructor(seed: bigint) {
    this.#state = BigInt.asUintN(64, seed);
  }
  /** The next 64-bit value. */
  next(): bigint {
    this.#state = BigInt.asUintN(64, this.#state + 0x9e37_79b9_7f4a_7c15n);
    let z = this.#state;
    z = BigInt.asUintN(64, (z ^ (z >> 30n)) * 0xbf58_476d_1ce4_e5b9n);
    z = BigInt.asUintN(64, (z ^ (z >> 27n)) * 0x94d0_49bb_1331_11ebn);
    return z ^ (z >> 31n);
  }
  /** A value in `[lo, hi]`. */
  between(lo: bigint, hi: bigint): bigint {
    if (hi < lo) throw new ScriptError(`rand(${lo}, ${hi}): the range is empty`);
    return lo + this.next() % (hi - lo + 1n);
  }
}

/** A power-of-two size as a kernel developer writes it (`64 KiB`, `4 KiB`, `2 MiB`). */
function sizeText(n: bigint): string {
  for (const [unit, shift] of [["GiB", 30n], ["MiB", 20n], ["KiB", 10n]] as const) {
    if (n >= 1n << shift && n % (1n << shift) === 0n) return `${n >> shift} ${unit}`;
  }
  return `${n} bytes`;
}

/** A warning about a call of the script: {@linkcode World.warn}. */
export interface Warning {
  /** What happened, and what the real code does. */
  message: string;
  /** The script file of the call. */
  file: string;
  /** The call's place, if a call was being made. */
  loc: Loc | undefined;
}

/**
 * A call's text on one line, as a report shows it: `source` from `start` to
 * `end` with each run of white space one space, at most 80 characters. The
 * common call (ASCII, single spaces) is sliced without a regular
 * expression: the sanitizer makes one per call site it meets.
 */
function oneLine(source: string, start: number, end: number): string {
  for (let i = start; i < end; i++) {
    const c = source.charCodeAt(i);
    if (
      c > 0x7e || (c <= 0x20 && (c !== 0x20 || (i + 1 < end && source.charCodeAt(i + 1) <= 0x20)))
    ) {
      return source.slice(start, end).replace(/\s+/g, " ").slice(0, 80);
    }
  }
  return source.slice(start, Math.min(end, start + 80));
}

/**
 * The world.
 *
 * @example
 * ```ts
 * import { World } from "./world.ts";
 * const w = new World({ platform: "aarch64-raspi4" });
 * w.kernel.finalInit();
 * console.log(w.platform.physBusOffset.toString(16)); // c0000000
 * ```
 */
export class World {
  /** Seeded randomness. */
  readonly rng: Rng;
  /** The trace recorder, if `--trace` was given. */
  readonly trace: TraceRecorder | undefined;
  /** The allocator under test, for conformance scripts. */
  readonly subject: Subject | undefined;
  readonly #log: (line: string) => void;
  #platformName: string;
  #byteAllocator: ByteAllocatorKind;
  #wasm: WasmAllocatorModule | undefined;
  #wasmPages: WasmAllocatorModule | undefined;
  readonly #loadWasm: ((path: string, from: string) => WasmAllocatorModule) | undefined;
  #capacity: BitmapCapacity | undefined;
  #dragonBytes: bigint | undefined;
  #platformPinned = false;
  #allocatorPinned = false;
  #kernel: KernelMemory | undefined;
  #dragon: DragonMemory | undefined;
  #ram: PhysicalMemory | undefined;
  #dma: DmaAllocator | undefined;
  #halted: KernelPanic | undefined;
  #profile: ArceosProfile = "classic";
  /** The classic kernel's allocator setting the script made last (`byte_allocator`, ...), if any. */
  #classicSetting: string | undefined;
  #cpus: number | undefined;
  #ramSize: bigint | undefined;
  #sized: Platform | undefined;
  #cpu = 0;

  /** Creates a world; nothing boots until a script uses it. */
  constructor(options: WorldOptions = {}) {
    this.#platformName = options.platform ?? "riscv64-qemu-virt";
    getPlatform(this.#platformName);
    this.#byteAllocator = options.byteAllocator ?? "tlsf";
    this.#wasm = options.wasmByteAllocator;
    this.#wasmPages = options.wasmPageAllocator;
    this.#loadWasm = options.loadWasm;
    this.rng = new Rng(options.seed ?? 1n);
    this.#profile = options.profile ?? "classic";
    this.#log = options.log ?? (() => {});
    this.#warn = options.warn;
    this.trace = options.trace;
    this.subject = options.subject;
    this.sanitize = options.sanitize ?? true;
  }

  /** Whether the sanitizer is on for this world. */
  readonly sanitize: boolean;
  readonly #warn: ((warning: Warning) => void) | undefined;
  readonly #warned = new Set<string>();
  #callFile = "";
  #callSource = "";
  /**
   * The current call, where the sanitizer's shadow can see it change: its
   * place in the syntax tree on CPU 0, a stand-in for that place and CPU on
   * another (the same call on two CPUs is two sites).
   */
  readonly #call: { key: object | undefined } = { key: undefined };
  #callLoc: Loc | undefined;
  /** The stand-ins of calls made on CPUs other than 0, per call and CPU. */
  readonly #cpuKeys = new WeakMap<Loc, object[]>();
  #lastSiteKey: object | undefined;
  #lastSite: EventSite | undefined;
  #otherSiteKey: object | undefined;
  #otherSite: EventSite | undefined;
  /** How deep the script is inside `unchecked { ... }` blocks. */
  unchecked = 0;
  /**
   * Told of each call of the allocator under test as it starts (and `""`
   * when it returns): a conformance runner names the call that never returned.
   */
  onCall: ((op: string) => void) | undefined;
  #contractEnd: (() => void)[] = [];

  /** Runs `check` at the end of the current contract (the subject harness's integrity check). */
  atContractEnd(check: () => void): void {
    this.#contractEnd.push(check);
  }

  /** The current contract ends: its checks run (when it ran through) and are dropped. */
  endContract(ranThrough: boolean): void {
    const checks = this.#contractEnd;
    this.#contractEnd = [];
    if (ranThrough) { for (const check of checks) check(); }
  }
  /** The script's variables, for the leak check's roots (set by the interpreter). */
  roots: () => Iterable<Value> = () => [];
  readonly #sites = new WeakMap<object, EventSite>();
  #shadow: Shadow | undefined;

  /** The sanitizer's shadow of the machine's RAM (undefined with the sanitizer off). */
  get shadow(): Shadow | undefined {
    if (this.sanitize && this.#shadow === undefined) {
      this.#shadow = new Shadow(this.platform, () => this.#currentSite(), this.#call);
      this.#shadow.observer = this.shadowObserver;
    }
    return this.#shadow;
  }

  /**
   * Told of each error a builtin call throws (caught by `expect error` or
   * not): the run report marks failed allocations with it.
   */
  onCallFailed: ((error: unknown, call?: FailedCall) => void) | undefined;

  /** How deep the script is in `expect error { }` blocks (a failure there is expected). */
  expectingError = 0;

  /** Called after each statement of the script (the run report watches the page tables). */
  afterStatement: (() => void) | undefined;

  /**
   * Told of every heap a script makes with `new_allocator` (the run
   * report's recorder): it gets the allocator and a name, and returns what
   * to tell of each of its calls.
   */
  heapObserver: HeapObserver | undefined;

  /** Given to the sanitizer's shadow when it is made (the run report's recorder). */
  shadowObserver: ShadowObserver | undefined;

  /** Where the script is: its current call's `file:line:col` and text. */
  get callSite(): EventSite | undefined {
    return this.#currentSite();
  }

  /**
   * Warns when a page run came back less aligned than asked: the real
   * bitmap page allocator serves a single page from the lowest free page
   * whatever the alignment, so a real kernel hands a device or a page table
   * a misaligned buffer without a word.
   */
  checkPageAlignment(call: string, addr: bigint, align: number): void {
    if (align <= 4096 || addr % BigInt(align) === 0n) return;
    const got = addr & -addr;
    const who = this.#wasmPages === undefined
      ? "the real BitmapPageAllocator (allocator crate 0.1.2) serves a single page from the " +
        "lowest free page whatever the alignment"
      : `the page allocator ${this.#wasmPages.path} ignored the alignment`;
    this.warn(
      `${call} returned 0x${addr.toString(16)}, aligned only to ${sizeText(got)}, not ${
        sizeText(BigInt(align))
      }: ${who}; a device or page table that needs the alignment would get a misaligned buffer`,
      "page alignment",
    );
  }

  /**
   * Warns about the current call (once per call site and `kind` of
   * warning, the message by default): what the real code does here
   * silently, and what it costs a real kernel.
   */
  warn(message: string, kind = message): void {
    if (this.#warn === undefined) return;
    const loc = this.#callLoc;
    const key = `${this.#callFile}:${loc?.start}:${kind}`;
    if (this.#warned.has(key)) return;
    this.#warned.add(key);
    this.#warn({ message, file: this.#callFile, loc });
  }

  /** The call the script is making: set by the interpreter before each builtin call. */
  setCallSite(file: string, source: string, loc: Loc): void {
    this.#callFile = file;
    this.#callSource = source;
    this.#callLoc = loc;
    const cpu = this.#cpu;
    if (cpu === 0) this.#call.key = loc;
    else {
      let keys = this.#cpuKeys.get(loc);
      if (keys === undefined) this.#cpuKeys.set(loc, keys = []);
      this.#call.key = keys[cpu] ??= {};
    }
  }

  #currentSite(): EventSite | undefined {
    const key = this.#call.key;
    const loc = this.#callLoc;
    if (key === undefined || loc === undefined) return undefined;
    // A loop calls from one or two places again and again (an allocation
    // and its free): the last two answers first.
    if (key === this.#lastSiteKey) return this.#lastSite;
    if (key === this.#otherSiteKey) return this.#otherSite;
    let site = this.#sites.get(key);
    if (site === undefined) {
      site = {
        where: `${this.#callFile}:${loc.line}:${loc.column}`,
        call: oneLine(this.#callSource, loc.start, loc.end),
        cpu: this.#cpu,
      };
      this.#sites.set(key, site);
    }
    this.#otherSiteKey = this.#lastSiteKey;
    this.#otherSite = this.#lastSite;
    this.#lastSiteKey = key;
    this.#lastSite = site;
    return site;
  }

  /**
   * kmemleak's scan: the live objects that neither the script's variables
   * nor the kernel image reach, directly or through pointers stored in
   * reachable objects.
   */
  leaks(): Leak[] {
    const shadow = this.shadow;
    if (shadow === undefined) {
      throw new ScriptError("the leak check needs the sanitizer, which --sanitize off turned off");
    }
    const roots: bigint[] = [];
    const add = (v: Value): void => {
      if (typeof v === "bigint") roots.push(v);
      else if (v instanceof Rec) { for (const f of Object.values(v.fields)) add(f); }
      else if (v instanceof Handle) {
        for (const name of ["start_vaddr", "addr_phys"]) {
          const get = v.fields[name];
          if (get !== undefined && v.fields.released?.() !== true) add(get());
        }
      }
    };
    for (const v of this.roots()) add(v);
    const p = this.platform;
    return findLeaks(shadow.live, this.ram, roots, [{
      start: p.kernelPaddr,
      size: Number(p.kernelSize),
    }], (v) => this.toPhys(v));
  }

  /**
   * A script's access of `length` bytes at `addr` (virtual or physical):
   * its physical address, once RAM and (unless `unchecked`) the sanitizer
   * agree to it.
   */
  access(addr: bigint, length: number, kind: AccessKind): bigint {
    const pa = this.toPhys(addr);
    if (length > 0) this.ram.check(pa, BigInt(length));
    if (this.unchecked === 0) this.shadow?.check(pa, length, kind);
    return pa;
  }

  /** The platform. */
  get platform(): Platform {
    if (this.#ramSize === undefined) return getPlatform(this.#platformName);
    return this.#sized ??= withRamSize(getPlatform(this.#platformName), this.#ramSize);
  }

  /** `ram SIZE`: the machine's RAM, as QEMU's `-m SIZE` lays it out, before anything runs. */
  setRamSize(size: bigint): void {
    if (this.started || this.#ram !== undefined) {
      throw new ScriptError(`'ram ${sizeText(size)}' comes after the machine started`);
    }
    try {
      withRamSize(getPlatform(this.#platformName), size);
    } catch (e) {
      if (e instanceof PlatformError) throw new ScriptError(e.message);
      throw e;
    }
    this.#ramSize = size;
    this.#sized = undefined;
  }

  /** Whether the simulated kernel has started (configuration is frozen then). */
  get started(): boolean {
    return this.#kernel !== undefined || this.#dragon !== undefined;
  }

  /** Keeps the platform given on the command line: `platform` statements are then ignored. */
  pinPlatform(): void {
    this.#platformPinned = true;
  }

  /** Keeps the byte allocator given on the command line. */
  pinByteAllocator(): void {
    this.#allocatorPinned = true;
  }

  /** `platform NAME`: only before anything has run on the machine. */
  setPlatform(name: string): void {
    getPlatform(name);
    if (this.#platformPinned) {
      if (name !== this.#platformName) {
        this.#log(`platform ${name} ignored: --platform ${this.#platformName}`);
      }
      return;
    }
    if (this.started && name !== this.#platformName) {
      throw new ScriptError(
        `'platform ${name}' comes after the kernel started on ${this.#platformName}`,
      );
    }
    this.#platformName = name;
    this.#sized = undefined;
  }

  /** `kernel KEY = VALUE`: only before the kernel starts. */
  configure(key: string, value: string | bigint, from = ""): void {
    if (!(key in KERNEL_KEYS)) {
      throw new ScriptError(
        `unknown kernel setting '${key}'; settings: ${Object.keys(KERNEL_KEYS).join(", ")}`,
      );
    }
    if (this.started) throw new ScriptError(`'kernel ${key} = ...' comes after the kernel started`);
    const v = String(value).toLowerCase();
    if (CLASSIC_ONLY_KEYS.includes(key)) {
      // ArceOS 2026's global allocator is one piece: a setting that would
      // choose its parts is a contradiction, not something to ignore.
      if (this.#profile !== "classic") {
        throw new ScriptError(
          `kernel ${key} sets the classic ArceOS's allocators; this kernel runs ArceOS ` +
            `${this.#profile}, whose global allocator is one piece (kernel arceos = "classic" has them)`,
        );
      }
      this.#classicSetting = key;
    }
    if (key === "page_allocator") {
      if (v === "bitmap") {
        if (!this.#allocatorPinned) this.#wasmPages = undefined;
        return;
      }
      if (this.#allocatorPinned) {
        this.#log(`page_allocator ${value} ignored: --allocator was given`);
        return;
      }
      this.#wasmPages = this.#wasmModule(key, String(value), from, "PageAllocator");
    } else if (key === "byte_allocator" && v.endsWith(".wasm")) {
      const path = String(value);
      if (this.#allocatorPinned) {
        this.#log(`byte_allocator ${path} ignored: --allocator ${this.allocatorName}`);
        return;
      }
      this.#wasm = this.#wasmModule(key, path, from, "ByteAllocator");
    } else if (key === "byte_allocator") {
      if (!isByteAllocatorKind(v)) {
        throw new ScriptError(`kernel byte_allocator must be ${KERNEL_KEYS[key]}, not '${value}'`);
      }
      if (this.#allocatorPinned) {
        if (v !== this.allocatorName) {
          this.#log(`byte_allocator ${v} ignored: --allocator ${this.allocatorName}`);
        }
        return;
      }
      this.#byteAllocator = v;
      this.#wasm = undefined;
    } else if (key === "page_capacity") {
      const bytes: Record<string, BitmapCapacity> = {
        [String(256n << 20n)]: "256m",
        [String(4n << 30n)]: "4g",
        [String(64n << 30n)]: "64g",
        [String(1n << 40n)]: "1t",
      };
      const named = typeof value === "bigint" ? bytes[String(value)] : v;
      if (named !== "256m" && named !== "4g" && named !== "64g" && named !== "1t") {
        throw new ScriptError(`kernel page_capacity must be ${KERNEL_KEYS[key]}, not '${value}'`);
      }
      this.#capacity = named;
    } else if (key === "arceos") {
      if (!isArceosProfile(v)) {
        throw new ScriptError(`kernel arceos must be ${KERNEL_KEYS[key]}, not '${value}'`);
      }
      if (v !== "classic" && this.#classicSetting !== undefined) {
        throw new ScriptError(
          `kernel arceos = "${v}" after kernel ${this.#classicSetting} = ...: ArceOS ${v}'s ` +
            `global allocator is one piece, with no ${this.#classicSetting} to choose ` +
            `(the classic ArceOS has one)`,
        );
      }
      this.#profile = v;
    } else {
      const bytes = typeof value === "bigint" ? value : -1n;
      if (bytes <= 0n || bytes % BigInt(PAGE_2M_SIZE) !== 0n) {
        throw new ScriptError(`kernel dragonos_memory must be ${KERNEL_KEYS[key]}`);
      }
      this.#dragonBytes = bytes;
    }
  }

  /** The module `kernel KEY = "PATH"` names, which must export `family`. */
  #wasmModule(
    key: string,
    path: string,
    from: string,
    family: "ByteAllocator" | "PageAllocator",
  ): WasmAllocatorModule {
    if (!path.toLowerCase().endsWith(".wasm")) {
      throw new ScriptError(`kernel ${key} must be ${KERNEL_KEYS[key]}, not '${path}'`);
    }
    if (this.#loadWasm === undefined) {
      throw new ScriptError(`kernel ${key} = "${path}": this runner loads no WebAssembly`);
    }
    const m = this.#loadWasm(path, from);
    if (!m.families.includes(family)) {
      throw new ScriptError(
        `kernel ${key} = "${path}": the module exports no ${
          family === "ByteAllocator" ? "byte allocator (byte_*)" : "page allocator (page_*)"
        }`,
      );
    }
    return m;
  }

  /** The DragonOS memory manager if it has started; looking never starts it. */
  peekDragon(): DragonMemory | undefined {
    return this.#dragon;
  }

  /** The ArceOS version the kernel runs (or will run): `kernel arceos = ...`. */
  get profile(): ArceosProfile {
    return this.#profile;
  }

  /** CPUs the machine has: `cpus N`, else the platform's harts. */
  get cpus(): number {
    return this.#cpus ?? this.platform.harts;
  }

  /** `cpus N`: the machine's CPUs, before the kernel starts. */
  setCpus(n: bigint): void {
    if (n < 1n || n > BigInt(MAX_HARTS)) {
      throw new ScriptError(`cpus takes 1 to ${MAX_HARTS}, not ${n}`);
    }
    if (this.started && Number(n) !== this.cpus) {
      throw new ScriptError(`'cpus ${n}' comes after the kernel started on ${this.cpus} CPUs`);
    }
    this.#cpus = Number(n);
  }

  /** The CPU the script's statements run on now (`cpu()`): 0 unless `on cpu` or `parallel` says. */
  get cpu(): number {
    return this.#cpu;
  }

  set cpu(k: number) {
    this.#cpu = this.cpuNumber(k);
  }

  /** `k` as a CPU of this machine; a `ScriptError` when it has no such CPU. */
  cpuNumber(k: number | bigint): number {
    if (
      typeof k === "bigint"
        ? k < 0n || k >= BigInt(this.cpus)
        : !(k >= 0 && k < this.cpus && k % 1 === 0)
    ) {
      throw new ScriptError(
        `CPU ${k} does not exist: this machine has CPUs 0 to ${this.cpus - 1} ` +
          `(cpus N sets how many)`,
      );
    }
    return Number(k);
  }

  /** The ArceOS kernel's memory subsystem if it has started; looking never starts it. */
  peekKernel(): KernelMemory | undefined {
    return this.#kernel;
  }

  /** The byte allocator the ArceOS global allocator is (or will be) built with. */
  get byteAllocator(): ByteAllocatorKind {
    return this.#kernel?.global.kind ?? this.#byteAllocator;
  }

  /**
   * The global allocator's name, as `GlobalAllocator::name` says it: TLSF,
   * slab, buddy, or a WebAssembly module's path.
   */
  get allocatorName(): string {
    if (this.#kernel !== undefined) return this.#kernel.global.name();
    if (this.#wasm !== undefined) return this.#wasm.path;
    return this.#byteAllocator === "tlsf" ? "TLSF" : this.#byteAllocator;
  }

  /**
   * Records the panic that halted the kernel (the script runner calls this
   * for every panic it sees): from then on every kernel call is
   * {@linkcode KernelHalted}.
   */
  halt(panic: KernelPanic): void {
    this.#halted ??= panic;
  }

  #checkRunning(): void {
    if (this.#halted !== undefined) throw new KernelHalted(this.#halted);
  }

  /** The ArceOS-style kernel memory subsystem (started on first use). */
  get kernel(): KernelMemory {
    this.#checkRunning();
    if (this.#kernel === undefined) {
      if (this.#dragon !== undefined) {
        throw new ScriptError(
          "the DragonOS memory manager took all free RAM before the ArceOS allocators started; " +
            "call final_init() before the first kmalloc to share the machine",
        );
      }
      const classic = this.#profile === "classic";
      if (!classic) {
        // ArceOS 2026's global allocator is one piece: neither a user's
        // allocator nor one named by --allocator plugs into it. Said once.
        const modules = [this.#wasm?.path, this.#wasmPages?.path].filter((p) => p !== undefined);
        const chosen = modules.length > 0
          ? modules.join(", ")
          : this.#allocatorPinned
          ? this.allocatorName
          : undefined;
        if (chosen !== undefined) {
          this.#log(
            `${this.#allocatorPinned ? "--allocator " : ""}${chosen} ignored: ArceOS ` +
              `${this.#profile} has its own global allocator (kernel arceos = "classic" takes ` +
              `${modules.length > 0 ? "a user's allocator" : "--allocator"})`,
          );
        }
      }
      this.#kernel = new KernelMemory({
        platform: this.platform,
        ram: this.ram,
        shadow: this.shadow,
        byteAllocator: this.#byteAllocator,
        userByteAllocator: this.#wasm === undefined || !classic
          ? undefined
          : { name: this.#wasm.path, allocator: new WasmByteAllocator(this.#wasm) },
        userPageAllocator: this.#wasmPages === undefined || !classic
          ? undefined
          : new WasmPageAllocator(this.#wasmPages),
        capacity: this.#capacity,
        log: this.#log,
        profile: this.#profile,
        cpus: this.cpus,
        cpu: () => this.#cpu,
      });
      this.trace?.attach(this.#kernel);
    }
    return this.#kernel;
  }

  /**
   * The DragonOS-style memory manager, booted on first use: over all free
   * RAM when the ArceOS allocators are not in use, or over a 2 MiB-aligned
   * run of pages taken from the ArceOS global allocator once it runs (half
   * of what it has free, or `kernel dragonos_memory = SIZE`).
   */
  get dragon(): DragonMemory {
    this.#checkRunning();
    if (this.#dragon !== undefined) return this.#dragon;
    const k = this.#kernel;
    if (k === undefined) {
      this.#dragon = new DragonMemory({
        platform: this.platform,
        ram: this.ram,
        log: this.#log,
        shadow: this.shadow,
      });
      return this.#dragon;
    }
    if (k.stage !== "final") {
      throw new ScriptError(
        `the ArceOS allocators have started (stage ${k.stage}): the DragonOS memory manager ` +
          "then starts after final_init(), on memory it takes from the global allocator",
      );
    }
    const page = BigInt(PAGE_2M_SIZE);
    const want = this.#dragonBytes ?? BigInt(k.availablePages()) * 4096n / 2n / page * page;
    const pages = Number(want / 4096n);
    const short = (why: string) =>
      new MemoryShortError(
        `the DragonOS memory manager cannot start with ${want / (1n << 20n)} MiB of the global ` +
          `allocator's memory (${k.availablePages()} pages free): ${why}`,
      );
    if (pages === 0) throw short("nothing to take");
    let start;
    try {
      start = k.allocPages(pages, PAGE_2M_SIZE);
    } catch (e) {
      throw short((e as Error).message);
    }
    // The carved pages are DragonOS's to hand out, not the script's.
    this.shadow?.handOver(k.virtToPhys(virt(start)), pages * 4096, "DragonOS memory");
    const base = k.virtToPhys(virt(start));
    // The carved region gets its own zones: its first eighth (at most 16 MiB)
    // is ZONE_DMA, the rest ZONE_NORMAL, whatever the platform's DMA limit.
    const dma = want / 8n < 16n << 20n ? want / 8n / page * page : 16n << 20n;
    try {
      this.#dragon = new DragonMemory({
        platform: this.platform,
        ram: k.ram,
        log: this.#log,
        freeRegions: [{ base, size: want }],
        zoneLimits: { dmaLimit: base + dma, mappedLimit: base + want },
        shadow: this.shadow,
      });
    } catch (e) {
      if (!(e instanceof KernelPanic)) throw e;
      k.deallocPages(start, pages); // the pages go back: nothing started
      throw short(e.reason);
    }
    this.#log(
      `DragonOS memory manager: [${"0x" + start.toString(16)}, +${
        want / (1n << 20n)
      } MiB) from the global allocator`,
    );
    return this.#dragon;
  }

  /**
   * The DragonOS memory manager for an allocation call (`kmalloc`,
   * `alloc_pages`): when it cannot start for want of memory, the call gets
   * NULL, as the C original's does, and the reason is logged.
   */
  dragonForAlloc(call: string): DragonMemory | null {
    try {
      return this.dragon;
    } catch (e) {
      if (!(e instanceof MemoryShortError)) throw e;
      this.#log(`${call}: ${e.message}`);
      return null;
    }
  }

  /** The DMA allocator of the ArceOS kernel. */
  get dma(): DmaAllocator {
    this.#checkRunning();
    this.#dma ??= new DmaAllocator(this.kernel);
    return this.#dma;
  }

  /** The simulated RAM: the machine's, whichever kernel runs on it (reading it starts none). */
  get ram(): PhysicalMemory {
    if (this.#ram === undefined) {
      this.#ram = new PhysicalMemory(this.platform.ram);
      // Long work in RAM (a fill of gigabytes, a page table mapping a
      // terabyte) checks the run's time limits as it goes.
      this.#ram.poll = () => this.checkTime?.();
    }
    return this.#ram;
  }

  /**
   * Checks the run's time limits (the script's `--timeout`, a contract's):
   * set by the interpreter, called by long builtins as they go; it throws
   * the time-limit error.
   */
  checkTime: (() => void) | undefined;

  /** Physical address of a kernel virtual address (linear mapping), or the address itself. */
  toPhys(addr: bigint): bigint {
    const p = this.platform;
    return addr >= p.physVirtOffset ? addr - p.physVirtOffset : phys(addr);
  }
}
