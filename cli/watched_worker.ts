/**
 * The worker of {@linkcode runWatched}: runs the command it is sent with
 * calls into WebAssembly modules recorded for the watchdog, and posts the
 * exit code.
 *
 * @module
 */

import { watchWasmCalls } from "../mm/wasm/wasm_instance.ts";
import type { WatchedRequest } from "./watched.ts";

const scope = self as unknown as {
  postMessage(message: { code: number }): void;
  onmessage: ((e: MessageEvent<WatchedRequest>) => void) | null;
};

scope.onmessage = async (e: MessageEvent<WatchedRequest>) => {
  const { command, args, watch } = e.data;
  watchWasmCalls(watch);
  const code = command === "run"
    ? (await import("./run.ts")).main(args)
    : await (await import("./replay.ts")).main(args);
  scope.postMessage({ code });
};
