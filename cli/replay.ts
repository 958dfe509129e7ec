/**
 * `deno task replay --allocator <name> <trace>`: replays a fidelity trace
 * (plain or gzip, `-` for standard input) and prints what the real Rust
 * crate printed for it; `--bench` measures operations per second instead.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { escapeLines } from "../dsl/diagnostics.ts";
import { TraceSyntaxError } from "../trace/trace.ts";
import { parseTrace } from "../trace/trace.ts";
import {
  formatReplay,
  hasPointerWidth,
  isReplayAllocatorName,
  POINTER_WIDTH_ONLY,
  replay,
  REPLAY_ALLOCATORS,
  ReplayError,
  replayOn,
} from "../trace/replay.ts";
import type { Trace } from "../trace/trace.ts";
import type { ByteAllocator, PageAllocator } from "../mm/allocator/traits.ts";
import { WasmByteAllocator } from "../mm/wasm/wasm_byte_allocator.ts";
import { WasmPageAllocator } from "../mm/wasm/wasm_page_allocator.ts";
import { wasmModule } from "./wasm_file.ts";

type ReplayTarget = ByteAllocator | PageAllocator;
import { readTraceText } from "./read_input.ts";
import { runWatched } from "./watched.ts";

const USAGE = `Usage: deno task replay --allocator <${
  REPLAY_ALLOCATORS.join("|")
}|FILE.wasm|global:FILE.wasm> [--bench] <trace>

Replays an allocator trace (the format of tests/fidelity/README.md; plain or
gzip; '-' reads standard input) on mmsim's model of the allocator and prints
one line per allocation ('ID 0xADDR' or 'ID ErrorName') and a final 'stats'
line, byte for byte what the real Rust crate printed.

Options:
  -a, --allocator NAME   ${REPLAY_ALLOCATORS.join(", ")}
  -a, --allocator FILE.wasm
                         your allocator compiled to WebAssembly (docs/WASM_ABI.md),
                         printed in the same format so that it can be compared
                         line by line with a model (global:FILE.wasm: as the
                         global allocator's byte allocator)
      --family F         bytes or pages: which family of a module exporting both
      --pointer-width N  8 (a 64-bit target, the default) or 4: the byte
                         allocator as built for a 32-bit target (wasm32),
                         whose metadata is smaller (buddy, slab, tlsf and
                         global:* only)
      --bench            replay repeatedly for about --seconds (after a
                         quarter of a second untimed, to warm up) and print
                         operations per second instead of the output
      --seconds N        how long --bench runs (default 2)
      --timeout S        a call into a .wasm module that has not returned
                         after S seconds (default 10) ends the replay, named
  -h, --help             this text
`;

/** Where the command writes: standard output and standard error by default. */
export interface ReplayIo {
  /** Writes normal output. */
  out(text: string): Promise<void>;
  /** Writes a diagnostic line. */
  err(line: string): void;
}

const STDIO: ReplayIo = {
  out: writeAll,
  err: (line) => console.error(line),
};

/**
 * Runs the command with `args`; returns the exit code (0 ok, 1 bad input
 * file, 2 bad command line).
 *
 * @example
 * ```ts ignore
 * import { main } from "./replay.ts";
 * Deno.exitCode = await main(["--allocator", "tlsf", "trace.gz"]);
 * ```
 */
export async function main(args: string[], io0: ReplayIo = STDIO): Promise<number> {
  // Diagnostics echo the trace's text: never raw control bytes.
  const io: ReplayIo = { out: io0.out, err: (line) => io0.err(escapeLines(line)) };
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        allocator: { type: "string", short: "a" },
        bench: { type: "boolean" },
        seconds: { type: "string" },
        "pointer-width": { type: "string" },
        family: { type: "string" },
        timeout: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (e) {
    io.err(`replay: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    await io.out(USAGE);
    return 0;
  }
  const name = values.allocator;
  if (name === undefined) {
    io.err(`replay: --allocator is required (one of ${REPLAY_ALLOCATORS.join(", ")})`);
    return 2;
  }
  const wasmPath = name.endsWith(".wasm") ? name.replace(/^global:/, "") : undefined;
  if (wasmPath === undefined && !isReplayAllocatorName(name)) {
    io.err(
      `replay: unknown allocator '${name}'; valid allocators: ${REPLAY_ALLOCATORS.join(", ")}`,
    );
    return 2;
  }
  if (positionals.length !== 1) {
    io.err(`replay: expected one trace file, got ${positionals.length}\n\n${USAGE}`);
    return 2;
  }
  const seconds = values.seconds === undefined ? 2 : Number(values.seconds);
  if (!(seconds > 0)) {
    io.err(`replay: --seconds takes a positive number, not '${values.seconds}'`);
    return 2;
  }
  const widthText = values["pointer-width"] ?? "8";
  if (widthText !== "8" && widthText !== "4") {
    io.err(`replay: --pointer-width takes 8 or 4 (bytes), not '${widthText}'`);
    return 2;
  }
  const pointerWidth = widthText === "4" ? 4 : 8;
  if (values.seconds !== undefined && !values.bench) {
    io.err("replay: --seconds is how long --bench runs; without --bench the trace replays once");
    return 2;
  }
  if (pointerWidth === 4 && wasmPath === undefined && !hasPointerWidth(name)) {
    io.err(`replay: ${POINTER_WIDTH_ONLY}, not ${name}`);
    return 2;
  }
  let make: (() => ReplayTarget) | undefined;
  if (wasmPath !== undefined) {
    const m = wasmModule(wasmPath);
    if ("problem" in m) {
      io.err(`replay: ${m.problem}`);
      return 2;
    }
    // global: drives the module as the global allocator's byte allocator.
    const global = name.startsWith("global:");
    const family = values.family === undefined
      ? (global ? "ByteAllocator" : m.module.families[0])
      : values.family === "bytes"
      ? "ByteAllocator"
      : values.family === "pages"
      ? "PageAllocator"
      : undefined;
    if (family === undefined) {
      io.err(`replay: --family is bytes or pages, not '${values.family}'`);
      return 2;
    }
    if (global && family !== "ByteAllocator") {
      io.err(`replay: global:${wasmPath} is the global allocator's byte allocator: --family bytes`);
      return 2;
    }
    if (!m.module.families.includes(family)) {
      io.err(
        `replay: ${wasmPath} exports no ${family === "ByteAllocator" ? "byte" : "page"} allocator`,
      );
      return 2;
    }
    make = () =>
      family === "ByteAllocator"
        ? new WasmByteAllocator(m.module)
        : new WasmPageAllocator(m.module);
    if (values["pointer-width"] !== undefined) {
      io.err("replay: --pointer-width is for mmsim's models; a module has its own (wasm32: 4)");
      return 2;
    }
  } else if (values.family !== undefined) {
    io.err("replay: --family is for a .wasm module");
    return 2;
  }
  const run = (trace: Trace, results?: Float64Array) =>
    make === undefined
      ? replay(trace, name, { pointerWidth, results })
      : name.startsWith("global:")
      ? replay(trace, name, { userByteAllocator: make() as ByteAllocator, results })
      : replayOn(trace, make(), { results });
  const path = positionals[0];
  let text: string;
  try {
    text = await readTraceText(path);
  } catch (e) {
    io.err(`replay: cannot read ${path}: ${(e as Error).message}`);
    return 1;
  }
  try {
    const trace = parseTrace(text, path);
    if (values.bench) {
      // One results buffer for every pass, as a native harness keeps one.
      const results = new Float64Array(trace.length);
      // Untimed passes first, a quarter of a second (or a quarter of
      // --seconds, if shorter): the JIT compiles the replay then, as the
      // native binary was compiled before its run (and its harness replays
      // once untimed too).
      const warm = performance.now() + Math.min(250, seconds * 250);
      do run(trace, results); while (performance.now() < warm);
      let runs = 0;
      const start = performance.now();
      let elapsed = 0;
      do {
        run(trace, results);
        runs++;
        elapsed = performance.now() - start;
      } while (elapsed < seconds * 1000);
      const opsPerSec = (trace.length * runs) / (elapsed / 1000);
      await io.out(
        `${name} ${path}: ${trace.length} ops x ${runs} runs in ${elapsed.toFixed(0)} ms: ` +
          `${(opsPerSec / 1e6).toFixed(2)} Mops/s\n`,
      );
      return 0;
    }
    await io.out(formatReplay(trace, run(trace)));
    return 0;
  } catch (e) {
    if (e instanceof TraceSyntaxError || e instanceof ReplayError) {
      io.err(`replay: ${e.message}`);
      return 1;
    }
    throw e;
  }
}

async function writeAll(text: string): Promise<void> {
  const bytes = new TextEncoder().encode(text);
  const writer = Deno.stdout.writable.getWriter();
  try {
    await writer.write(bytes);
  } catch (e) {
    // A reader that went away (`| head`) wants no more: not an error.
    if (!(e instanceof Deno.errors.BrokenPipe)) throw e;
  } finally {
    writer.releaseLock();
  }
}

/** `--timeout`'s seconds in `args` (10 when unsaid), or undefined when it is not a positive number. */
function timeoutOf(args: string[]): number | undefined {
  const at = args.findIndex((a) => a === "--timeout" || a.startsWith("--timeout="));
  if (at < 0) return 10;
  const text = args[at].includes("=") ? args[at].slice(10) : args[at + 1];
  const n = Number(text);
  return n > 0 && Number.isFinite(n) ? n : undefined;
}

if (import.meta.main) {
  const args = Deno.args;
  const timeout = timeoutOf(args);
  if (timeout === undefined) {
    console.error("replay: --timeout takes a positive number of seconds");
    Deno.exit(2);
  }
  // A .wasm module's calls run in a worker watched from here: one that never
  // returns is stopped, named (mmsim's models need no watching).
  if (args.some((a) => a.endsWith(".wasm"))) {
    const end = await runWatched("replay", args, timeout);
    if ("code" in end) Deno.exit(end.code);
    console.error(
      `replay: ${end.hung} did not return within ${end.seconds} s (the module spins?)`,
    );
    Deno.exit(1);
  }
  Deno.exitCode = await main(args);
}
