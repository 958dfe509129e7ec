/**
 * Running a command where a call into a WebAssembly allocator can be
 * stopped: the command runs in a Worker (with this process's permissions,
 * writing to the same standard output and error), and this thread watches
 * the calls into modules. A call that has not returned within the limit
 * ends the command with a message that names it; nothing else is changed.
 *
 * @module
 */

import { runningWasmCall, WASM_WATCH_BYTES } from "../mm/wasm/wasm_instance.ts";

/** Which command the worker runs. */
export type WatchedCommand = "run" | "replay";

/** What the worker is sent. */
export interface WatchedRequest {
  /** The command. */
  command: WatchedCommand;
  /** Its arguments. */
  args: string[];
  /** Where calls into modules are recorded. */
  watch: SharedArrayBuffer;
}

/** How a watched command ends: its exit code, or the call that did not return. */
export type WatchedEnd = { code: number } | { hung: string; seconds: number };

/**
 * Runs `command` with `args` in a worker, ending it when a call into a
 * WebAssembly module has not returned within `seconds` (by this thread's
 * clock).
 *
 * @example
 * ```ts ignore
 * const end = await runWatched("replay", ["-a", "spins.wasm", "t.trace"], 10);
 * ```
 */
export function runWatched(
  command: WatchedCommand,
  args: string[],
  seconds: number,
): Promise<WatchedEnd> {
  const watch = new SharedArrayBuffer(WASM_WATCH_BYTES);
  // A worker has this process's permissions unless told otherwise.
  const worker = new Worker(new URL("./watched_worker.ts", import.meta.url), { type: "module" });
  return new Promise((resolve) => {
    let last = -1;
    let since = performance.now();
    const finish = (end: WatchedEnd) => {
      clearInterval(timer);
      worker.terminate();
      resolve(end);
    };
    const timer = setInterval(() => {
      const { call, started } = runningWasmCall(watch);
      const now = performance.now();
      if (call === "" || started !== last) {
        last = started;
        since = now;
      } else if (now - since >= seconds * 1000) finish({ hung: call, seconds });
    }, 100);
    worker.onmessage = (e: MessageEvent<{ code: number }>) => finish({ code: e.data.code });
    worker.onerror = (e) => {
      e.preventDefault();
      console.error(`${command}: ${e.message}`);
      finish({ code: 3 });
    };
    worker.postMessage({ command, args, watch } satisfies WatchedRequest);
  });
}
