/**
 * A user's allocator compiled to WebAssembly, checked against mmsim's
 * allocator ABI (version 1, docs/WASM_ABI.md) before anything runs: it
 * imports nothing, exports its `memory`, `mmsim_abi_version() == 1`,
 * `last_error()`, and the whole byte family (`byte_*`), the whole page
 * family (`page_*`), or both.
 *
 * @module
 */

import { SimError } from "../../hal/sim_error.ts";
import type { PointerWidth } from "../allocator/layout.ts";

/** The ABI version this mmsim speaks. */
export const WASM_ABI_VERSION = 1;

/** The exports every module has. */
export const WASM_COMMON_EXPORTS: readonly string[] = ["memory", "mmsim_abi_version", "last_error"];

/** The byte allocator family (ArceOS `ByteAllocator`). */
export const WASM_BYTE_EXPORTS: readonly string[] = [
  "byte_init",
  "byte_add_memory",
  "byte_alloc",
  "byte_dealloc",
  "byte_total_bytes",
  "byte_used_bytes",
  "byte_available_bytes",
];

/** The page allocator family (ArceOS `PageAllocator`, 4 KiB pages). */
export const WASM_PAGE_EXPORTS: readonly string[] = [
  "page_init",
  "page_add_memory",
  "page_alloc_pages",
  "page_alloc_pages_at",
  "page_dealloc_pages",
  "page_total_pages",
  "page_used_pages",
  "page_available_pages",
];

/** An allocator family a module implements. */
export type WasmFamily = "ByteAllocator" | "PageAllocator";

/**
 * A module mmsim refuses to run: not WebAssembly, importing something,
 * missing exports, or of another ABI version. `problems` lists each reason.
 *
 * @example
 * ```ts
 * import { loadWasmAllocator, WasmModuleError } from "./wasm_module.ts";
 * try {
 *   loadWasmAllocator(new Uint8Array([1, 2, 3]), "junk.wasm");
 * } catch (e) {
 *   console.log(e instanceof WasmModuleError, (e as WasmModuleError).problems.length); // true 1
 * }
 * ```
 */
export class WasmModuleError extends SimError {
  /** The codes of this class. */
  static readonly codes: readonly string[] = ["WasmModule"];
  /** The error class's name. */
  override readonly name = "WasmModuleError";
  /** The module's path (or name). */
  readonly path: string;
  /** What is wrong, one item each. */
  readonly problems: readonly string[];
  /** Creates the error. */
  constructor(path: string, problems: readonly string[]) {
    super("WasmModule", `${path}: ${problems.join("; ")}`);
    this.path = path;
    this.problems = problems;
  }
}

/**
 * A call into a module that did not complete as the ABI says: it trapped
 * (a Rust panic ends in `unreachable`; an access outside its memory), or it
 * answered with something the ABI does not allow (an address outside the
 * memory it manages, an unknown error code).
 *
 * @example
 * ```ts
 * import { WasmCallError } from "./wasm_module.ts";
 * const e = new WasmCallError("a.wasm", "byte_alloc(100, 8)", "trapped: unreachable");
 * console.log(e.message); // a.wasm: byte_alloc(100, 8) trapped: unreachable
 * ```
 */
export class WasmCallError extends SimError {
  /** The codes of this class. */
  static readonly codes: readonly string[] = ["WasmTrap"];
  /** The error class's name. */
  override readonly name = "WasmCallError";
  /** The module's path (or name). */
  readonly path: string;
  /** The call, with its arguments as the module saw them (`byte_alloc(100, 8)`). */
  readonly call: string;
  /** What went wrong (`trapped: unreachable`). */
  readonly reason: string;
  /** Creates the error. */
  constructor(path: string, call: string, reason: string) {
    super("WasmTrap", `${path}: ${call} ${reason}`);
    this.path = path;
    this.call = call;
    this.reason = reason;
  }
}

/** A compiled module that passed the ABI checks. */
export interface WasmAllocatorModule {
  /** Its path or name, for messages. */
  readonly path: string;
  /** The compiled module (instantiated afresh for each allocator). */
  readonly module: WebAssembly.Module;
  /** The families it exports. */
  readonly families: readonly WasmFamily[];
  /**
   * Set once an instance went past {@linkcode MAX_WASM_MEMORY_BYTES}: the
   * call it did it in. No further instance is made (one is enough to say it).
   */
  exceeded?: string;
  /**
   * Warnings about the module's instances not yet told (see
   * `WasmInstance.checkMemory`: its own memory growing in steady operation).
   */
  notes?: string[];
  /** 4 for wasm32, 8 for a memory64 module. */
  readonly pointerWidth: PointerWidth;
}

/**
 * Compiles `bytes` and checks them against the ABI; throws
 * {@linkcode WasmModuleError} listing every problem found.
 *
 * @example
 * ```ts ignore
 * import { loadWasmAllocator } from "./wasm_module.ts";
 * const m = loadWasmAllocator(Deno.readFileSync("examples/wasm/first_fit.wasm"), "first_fit.wasm");
 * console.log(m.families, m.pointerWidth); // ["ByteAllocator"] 4
 * ```
 */
export function loadWasmAllocator(bytes: Uint8Array, path: string): WasmAllocatorModule {
  let module: WebAssembly.Module;
  let capped: Uint8Array;
  try {
    capped = capMemory(bytes, MAX_DECLARED_PAGES);
  } catch (e) {
    throw new WasmModuleError(path, [(e as Error).message]);
  }
  try {
    module = new WebAssembly.Module(capped as Uint8Array<ArrayBuffer>);
  } catch (e) {
    throw new WasmModuleError(path, [
      `not a WebAssembly module mmsim can compile (${(e as Error).message})`,
    ]);
  }
  const problems: string[] = [];
  const imports = WebAssembly.Module.imports(module);
  if (imports.length > 0) {
    const names = imports.map((i) => `${i.module}.${i.name} (${i.kind})`);
    problems.push(
      `imports ${names.slice(0, 8).join(", ")}${names.length > 8 ? ", ..." : ""}; ` +
        "an allocator module imports nothing (build it no_std / -nostdlib, without a runtime)",
    );
  }
  const exports = new Map(WebAssembly.Module.exports(module).map((e) => [e.name, e.kind]));
  const want = (name: string) => name === "memory" ? "memory" : "function";
  const missing = (names: readonly string[]) => names.filter((n) => exports.get(n) !== want(n));
  const missingCommon = missing(WASM_COMMON_EXPORTS);
  const missingByte = missing(WASM_BYTE_EXPORTS);
  const missingPage = missing(WASM_PAGE_EXPORTS);
  const families: WasmFamily[] = [];
  if (missingByte.length === 0) families.push("ByteAllocator");
  if (missingPage.length === 0) families.push("PageAllocator");
  const hasAny = (names: readonly string[]) => names.some((n) => exports.has(n));
  const lacking = [...missingCommon];
  if (families.length === 0) {
    // Name the family it started on (both, when it shows neither).
    if (hasAny(WASM_BYTE_EXPORTS) || !hasAny(WASM_PAGE_EXPORTS)) lacking.push(...missingByte);
    if (hasAny(WASM_PAGE_EXPORTS) || !hasAny(WASM_BYTE_EXPORTS)) lacking.push(...missingPage);
  } else {
    // A family begun but not finished is a mistake too.
    if (!families.includes("ByteAllocator") && hasAny(WASM_BYTE_EXPORTS)) {
      lacking.push(...missingByte);
    }
    if (!families.includes("PageAllocator") && hasAny(WASM_PAGE_EXPORTS)) {
      lacking.push(...missingPage);
    }
  }
  if (lacking.length > 0) {
    problems.push(
      `missing export${lacking.length === 1 ? "" : "s"} ${lacking.join(", ")} ` +
        `(ABI version ${WASM_ABI_VERSION}: see docs/WASM_ABI.md)`,
    );
  }
  if (problems.length > 0) throw new WasmModuleError(path, problems);
  const memory64 = isMemory64(bytes);
  // The version, asked of a throwaway instance.
  let version: number;
  try {
    const instance = new WebAssembly.Instance(module, {});
    version = Number((instance.exports.mmsim_abi_version as () => number | bigint)());
  } catch (e) {
    throw new WasmModuleError(path, [`mmsim_abi_version() failed: ${(e as Error).message}`]);
  }
  if (version !== WASM_ABI_VERSION) {
    throw new WasmModuleError(path, [
      `speaks ABI version ${version}; this mmsim speaks version ${WASM_ABI_VERSION}`,
    ]);
  }
  return { path, module, families, pointerWidth: memory64 ? 8 : 4 };
}

/**
 * The most memory a module may have of its own (beyond the regions mmsim
 * places in it): 1 GiB (16,384 pages of 64 KiB). A call after which it has
 * more fails, named (see `WasmInstance.checkMemory`), and the module is
 * not instantiated again in that run. Its memory declaration is rewritten
 * to at most 4 GiB (the most a wasm32 memory holds), so that even a
 * memory64 module cannot grow further in one call.
 */
export const MAX_WASM_MEMORY_PAGES = 16_384;

/** The most pages a module's memory may be declared to reach: 4 GiB, regions included. */
const MAX_DECLARED_PAGES = 65_536;

/** Bytes of {@linkcode MAX_WASM_MEMORY_PAGES}. */
export const MAX_WASM_MEMORY_BYTES: number = MAX_WASM_MEMORY_PAGES * 65_536;

/** An unsigned LEB128 encoding of `n`. */
function encodeLeb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

/**
 * `bytes` with every memory it declares given a maximum of at most `pages`
 * (a memory declared larger to begin with is refused).
 */
function capMemory(bytes: Uint8Array, pages: number): Uint8Array {
  if (bytes.length < 8) return bytes;
  let pos = 8; // magic and version
  while (pos < bytes.length) {
    const start = pos;
    const id = bytes[pos++];
    let size;
    [size, pos] = leb(bytes, pos);
    const body = pos;
    if (id !== 5) {
      pos = body + size;
      continue;
    }
    let at = body;
    let count;
    [count, at] = leb(bytes, at);
    const out = [...encodeLeb(count)];
    for (let i = 0; i < count; i++) {
      const flags = bytes[at++];
      let min;
      [min, at] = leb(bytes, at);
      let max = Infinity;
      if (flags & 0x01) [max, at] = leb(bytes, at);
      if (min > MAX_WASM_MEMORY_PAGES) {
        throw new Error(
          `its memory starts at ${min} pages of 64 KiB, more than the ${MAX_WASM_MEMORY_PAGES} ` +
            "(1 GiB) a module may have of its own",
        );
      }
      out.push(flags | 0x01, ...encodeLeb(min), ...encodeLeb(Math.min(max, pages)));
    }
    const section = [5, ...encodeLeb(out.length), ...out];
    const rest = bytes.subarray(body + size);
    const result = new Uint8Array(start + section.length + rest.length);
    result.set(bytes.subarray(0, start));
    result.set(section, start);
    result.set(rest, start + section.length);
    return result;
  }
  return bytes;
}

/** Reads an unsigned LEB128 at `pos`: the value and the position after it. */
function leb(bytes: Uint8Array, pos: number): [number, number] {
  let value = 0;
  let scale = 1;
  for (;;) {
    const b = bytes[pos++];
    if (b === undefined) return [value, pos];
    value += (b & 0x7f) * scale;
    scale *= 128;
    if ((b & 0x80) === 0) return [value, pos];
  }
}

/** Whether the module's own memory is a 64-bit one (memory64): its memory section's limits flag 0x04. */
function isMemory64(bytes: Uint8Array): boolean {
  let pos = 8; // magic and version
  while (pos < bytes.length) {
    const id = bytes[pos++];
    let size;
    [size, pos] = leb(bytes, pos);
    if (id === 5) {
      const [count, at] = leb(bytes, pos);
      return count > 0 && (bytes[at] & 0x04) !== 0;
    }
    pos += size;
  }
  return false;
}
