/**
 * A user's byte allocator compiled to WebAssembly (the `byte_*` exports of
 * ABI version 1), as a {@linkcode ByteAllocator}: every mmsim tool that
 * takes a byte allocator takes it.
 *
 * @module
 */

import { AllocError, NO_MEMORY } from "../allocator/alloc_error.ts";
import type { ByteAllocator, ManagedMemory } from "../allocator/traits.ts";
import { BYTE_ALLOC_EXPORT, BYTE_DEALLOC_EXPORT, WasmInstance } from "./wasm_instance.ts";
import type { WasmAllocatorModule } from "./wasm_module.ts";

type Fn = (...args: number[]) => number;

/**
 * The byte allocator of one fresh instance of `module`.
 *
 * @example
 * ```ts ignore
 * import { loadWasmAllocator } from "./wasm_module.ts";
 * import { WasmByteAllocator } from "./wasm_byte_allocator.ts";
 * const m = loadWasmAllocator(Deno.readFileSync("examples/wasm/first_fit.wasm"), "first_fit.wasm");
 * const a = new WasmByteAllocator(m);
 * a.init(0x9000_0000, 0x10_0000);
 * console.log(a.alloc(100, 8).toString(16)); // an address in 9000_0000..9010_0000
 * ```
 */
export class WasmByteAllocator implements ByteAllocator, ManagedMemory {
  /** The module's path. */
  readonly path: string;
  /** 4 (wasm32) or 8 (memory64). */
  readonly pointerWidth: 4 | 8;
  /** Told of each region once the module holds it. */
  onRegion: ((start: number, size: number) => void) | undefined;
  readonly #w: WasmInstance;
  /** The hot exports, called directly on wasm32. */
  readonly #alloc: Fn | undefined;
  readonly #dealloc: Fn | undefined;

  /** A fresh instance of `module`, which must export the byte family. */
  constructor(module: WasmAllocatorModule) {
    if (!module.families.includes("ByteAllocator")) {
      throw new TypeError(`${module.path} exports no byte allocator (byte_*)`);
    }
    this.#w = new WasmInstance(module);
    this.path = module.path;
    this.pointerWidth = module.pointerWidth;
    if (module.pointerWidth === 4) {
      this.#alloc = this.#w.exports.byte_alloc as Fn;
      this.#dealloc = this.#w.exports.byte_dealloc as Fn;
    }
  }

  /** `byte_init` over the region, placed in the module's memory. */
  init(start: number, size: number): void {
    this.#w.giveRegion("byte", false, start, size, this.onRegion);
  }

  /** `byte_add_memory`; a non-zero answer is the error it names. */
  addMemory(start: number, size: number): void {
    this.#w.giveRegion("byte", true, start, size, this.onRegion);
  }

  /** `byte_alloc`: the block, or the error `last_error()` names. */
  alloc(size: number, align: number): number {
    const p = this.tryAlloc(size, align);
    if (p === NO_MEMORY) {
      throw new AllocError("NoMemory", { reason: `byte_alloc(${size}, ${align}) failed` });
    }
    return p;
  }

  /** {@linkcode WasmByteAllocator.alloc} that answers `NoMemory` with {@linkcode NO_MEMORY}. */
  tryAlloc(size: number, align: number): number {
    // The module judges the layout itself (an alignment of 3 is its to refuse);
    // only what no argument of the target can carry is refused here.
    const w = this.#w;
    if (
      !Number.isSafeInteger(size) || size < 0 || size > w.maxWord ||
      !Number.isSafeInteger(align) || align < 0 || align > w.maxWord
    ) {
      throw new AllocError("InvalidParam", {
        reason: `a layout of ${size} bytes aligned to ${align} does not exist on a ` +
          `${8 * this.pointerWidth}-bit target`,
      });
    }
    let p: number;
    if (this.#alloc !== undefined) {
      w.enter(BYTE_ALLOC_EXPORT, size, align);
      try {
        p = this.#alloc(size, align) >>> 0;
      } catch (e) {
        throw w.trap("byte_alloc", [size, align], e);
      } finally {
        w.leave();
      }
      w.checkMemory("byte_alloc", [size, align]);
    } else p = w.call("byte_alloc", [size, align]);
    if (p === 0) {
      const e = w.lastError("byte_alloc", [size, align]);
      if (e instanceof AllocError && e.kind === "NoMemory") return NO_MEMORY;
      throw e;
    }
    return w.returned("byte_alloc", [size, align], p, size);
  }

  /**
   * `byte_dealloc`. A pointer outside the memory the module manages is
   * `NotAllocated` here: it is never passed on, where it would make the
   * module write outside its heap.
   */
  dealloc(ptr: number, size: number, align: number): void {
    const w = this.#w;
    const at = w.freeTarget(ptr);
    if (this.#dealloc !== undefined) {
      w.enter(BYTE_DEALLOC_EXPORT, at, size);
      try {
        this.#dealloc(at, size, align);
      } catch (e) {
        throw w.trap("byte_dealloc", [at, size, align], e);
      } finally {
        w.leave();
      }
      w.checkMemory("byte_dealloc", [at, size, align]);
    } else w.call("byte_dealloc", [at, size, align]);
  }

  /** `byte_total_bytes()`. */
  totalBytes(): number {
    return this.#w.call("byte_total_bytes", []);
  }

  /** `byte_used_bytes()`. */
  usedBytes(): number {
    return this.#w.call("byte_used_bytes", []);
  }

  /** `byte_available_bytes()`. */
  availableBytes(): number {
    return this.#w.call("byte_available_bytes", []);
  }

  /** A live view of managed bytes (see {@linkcode ManagedMemory}). */
  managedBytes(start: number, size: number): Uint8Array | undefined {
    return this.#w.regions.bytes(start, size);
  }
}
