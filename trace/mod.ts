/**
 * Allocator traces: the fidelity trace format, replay on the models (byte
 * for byte what the real crates printed), and the recorder behind
 * `deno task run --trace`. Depends on the allocators only.
 *
 * @example
 * ```ts
 * import { formatReplay, parseTrace, replay } from "@mmsim/mmsim/trace";
 * const t = parseTrace("region 0x80000000 65536\na 0 100 8\nf 0\n", "demo.trace");
 * console.log(formatReplay(t, replay(t, "buddy")));
 * ```
 *
 * @module
 */

export * from "./trace.ts";
export * from "./replay.ts";
export * from "./recorder.ts";
