/**
 * A `.wasm` file named on a command line: read, compiled and checked
 * against the allocator ABI, or the reason it cannot be used.
 *
 * @module
 */

import { loadWasmAllocator, WasmModuleError } from "../mm/wasm/wasm_module.ts";
import type { WasmAllocatorModule } from "../mm/wasm/wasm_module.ts";
import { MAX_WASM_BYTES, readRegularFile } from "../runtime/host_files.ts";

/** A checked module and its bytes (for a worker, which compiles them again). */
export interface WasmFile {
  /** The file's bytes. */
  bytes: Uint8Array;
  /** The compiled module. */
  module: WasmAllocatorModule;
}

/**
 * Reads and checks `path`; a problem is one line fit for `command: ...`.
 *
 * @example
 * ```ts ignore
 * const m = wasmModule("examples/wasm/first_fit.wasm");
 * if ("problem" in m) console.error(m.problem);
 * ```
 */
export function wasmModule(path: string): WasmFile | { problem: string } {
  let bytes: Uint8Array;
  try {
    bytes = readRegularFile(path, MAX_WASM_BYTES);
  } catch (e) {
    return { problem: `cannot read ${path}: ${(e as Error).message}` };
  }
  try {
    const module = loadWasmAllocator(bytes, path);
    return { bytes, module };
  } catch (e) {
    if (e instanceof WasmModuleError) return { problem: `refused ${e.message}` };
    throw e;
  }
}
