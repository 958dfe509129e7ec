/**
 * The command line of `deno task run`: its usage text, and its options
 * checked into a {@linkcode RunOptions} (or the message and exit code of
 * a wrong one).
 *
 * @module
 */

import { parseArgs } from "node:util";
import { escapeControls } from "../dsl/diagnostics.ts";
import { PLATFORMS } from "../hal/platform.ts";
import { BYTE_ALLOCATOR_KINDS, isByteAllocatorKind } from "../mm/registry.ts";
import type { WasmAllocatorModule } from "../mm/wasm/wasm_module.ts";
import { BUILTIN_GROUPS } from "../runtime/builtins.ts";
import { wasmModule } from "./wasm_file.ts";
import type { RunIo } from "./run_io.ts";

/** The usage text. */
export const USAGE = `Usage: deno task run <script.mms> [options]

Runs an .mms scenario on mmsim's simulated machine. A bare name is also
looked up in scripts/ (deno task run boot.mms).

Options:
  --platform NAME     ${Object.keys(PLATFORMS).join(", ")}
                      (overrides the script's 'platform' statement)
  --allocator NAME    the global allocator's byte allocator: ${BYTE_ALLOCATOR_KINDS.join(", ")}
                      or FILE.wasm, your own compiled to WebAssembly (docs/WASM_ABI.md):
                      its byte family replaces the byte allocator, its page
                      family the bitmap page allocator
                      (overrides 'kernel byte_allocator = ...')
  --seed N            seed of rand() (default 1): same script and seed, same output
  --quiet             print only the script's own output (no kernel log, no summary)
  --json              one JSON event per line: print, log, expect, error, end
  --timeout SECONDS   stop a script that runs longer (the statement it was at
                      and how many ran are reported; exit 1)
  --sanitize on|off   the KASAN-style sanitizer (default on): every access and
                      free the script makes is checked against what it owns
  --leak-check        at the end, report every live object nothing reachable
                      points to (kmemleak's scan); leaks fail the run
  --report FILE       write an HTML report of the run to FILE: the memory map, a
                      timeline of every block with its script line, fragmentation
                      over time, buddyinfo/slabinfo, page tables and failures (one
                      self-contained file; needs write permission for it)
  --trace FILE        write the global allocator's operations to FILE in the
                      fidelity trace format (replay it with deno task replay);
                      needs write permission for FILE:
                      deno run --allow-read --allow-write=FILE cli/run.ts ...
  -h, --help          this text

Exit codes: 0 all ran and every expect held; 1 a runtime error, a failed
expect or a kernel panic; 2 the script does not parse or the command line is
wrong; 3 an internal error of mmsim (a bug: please report it with the script).
`;

/** The builtins by group, each with its parameters and one-line doc. */
export function builtinHelp(): string {
  const lines = ["Builtins (docs/LANGUAGE.md has them all, with examples):"];
  for (const g of BUILTIN_GROUPS) {
    lines.push("", `  ${g.title}:`);
    for (const [name, b] of Object.entries(g.builtins)) {
      lines.push(`    ${name}(${b.params.join(", ")})`.padEnd(40) + ` ${b.doc}`);
    }
    const constants = Object.keys(g.constants);
    if (constants.length > 0) lines.push(`    constants: ${constants.join(", ")}`);
  }
  return lines.join("\n") + "\n";
}

/** What the command line asks for, checked. */
export interface RunOptions {
  /** The script (a bare name found in `scripts/`). */
  path: string;
  /** `--platform`. */
  platform: string | undefined;
  /** `--allocator` when it names a model. */
  allocator: string | undefined;
  /** `--allocator FILE.wasm`: the module. */
  wasm: WasmAllocatorModule | undefined;
  /** `--seed`. */
  seed: bigint;
  /** `--quiet`. */
  quiet: boolean;
  /** `--json`. */
  json: boolean;
  /** `--trace FILE`. */
  trace: string | undefined;
  /** `--report FILE`. */
  report: string | undefined;
  /** `--sanitize` (on by default). */
  sanitize: boolean;
  /** `--timeout` in seconds. */
  timeout: number | undefined;
  /** `--leak-check`. */
  leakCheck: boolean;
}

/**
 * Checks the command line: the options, or the exit code after the usage
 * (`--help`, 0) or a message saying what is wrong (2) went to `io`.
 */
export function parseRunOptions(args: string[], io: RunIo): RunOptions | number {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        platform: { type: "string" },
        allocator: { type: "string" },
        seed: { type: "string" },
        quiet: { type: "boolean" },
        json: { type: "boolean" },
        trace: { type: "string" },
        report: { type: "string" },
        sanitize: { type: "string" },
        timeout: { type: "string" },
        "leak-check": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (e) {
    io.err(`run: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values: o, positionals } = parsed;
  if (o.help) {
    io.out(USAGE + "\n" + builtinHelp());
    return 0;
  }
  const wrong = (message: string): number => {
    io.err(`run: ${message}`);
    return 2;
  };
  if (positionals.length !== 1) {
    return wrong(`expected one script, got ${positionals.length}\n\n${USAGE}`);
  }
  if (o.platform !== undefined && !(o.platform in PLATFORMS)) {
    return wrong(
      `unknown platform '${escapeControls(o.platform)}'; platforms: ${
        Object.keys(PLATFORMS).join(", ")
      }`,
    );
  }
  // A module's byte family replaces the byte allocator, its page family the bitmap.
  let wasm: WasmAllocatorModule | undefined;
  if (o.allocator?.endsWith(".wasm")) {
    const m = wasmModule(o.allocator);
    if ("problem" in m) return wrong(escapeControls(m.problem));
    wasm = m.module;
  } else if (o.allocator !== undefined && !isByteAllocatorKind(o.allocator)) {
    return wrong(
      `unknown allocator '${escapeControls(o.allocator)}'; allocators: ${
        BYTE_ALLOCATOR_KINDS.join(", ")
      } or a .wasm module`,
    );
  }
  if (o.sanitize !== undefined && o.sanitize !== "on" && o.sanitize !== "off") {
    return wrong(`--sanitize takes on or off, not '${escapeControls(o.sanitize)}'`);
  }
  if (o.sanitize === "off" && o["leak-check"]) {
    return wrong("--leak-check needs the sanitizer: drop --sanitize off");
  }
  const timeout = o.timeout === undefined ? undefined : Number(o.timeout);
  if (timeout !== undefined && !(timeout > 0 && Number.isFinite(timeout))) {
    return wrong(
      `--timeout takes a positive number of seconds, not '${escapeControls(o.timeout!)}'`,
    );
  }
  let seed = 1n;
  if (o.seed !== undefined) {
    if (!/^[0-9]+$/.test(o.seed) || BigInt(o.seed) >= 1n << 64n) {
      return wrong(
        `--seed takes a non-negative integer, not '${
          escapeControls(o.seed)
        }' (seeds are below 2^64)`,
      );
    }
    seed = BigInt(o.seed);
  }
  for (const [flag, file] of [["--trace", o.trace], ["--report", o.report]] as const) {
    if (file !== undefined && !io.canWrite(file)) {
      return wrong(
        `${flag} ${escapeControls(file)} needs write permission for that file; run\n` +
          `  deno run --allow-read --allow-write=${escapeControls(file)} cli/run.ts ${
            escapeControls(args.join(" "))
          }`,
      );
    }
  }
  if (o.report !== undefined && o.sanitize === "off") {
    return wrong(
      "--report is drawn from the sanitizer's record of every allocation; " +
        "it needs --sanitize on (the default)",
    );
  }
  let path = positionals[0];
  if (!io.exists(path) && !path.includes("/") && io.exists(`scripts/${path}`)) {
    path = `scripts/${path}`;
  }
  return {
    path,
    platform: o.platform,
    allocator: wasm === undefined ? o.allocator : undefined,
    wasm,
    seed,
    quiet: o.quiet === true,
    json: o.json === true,
    trace: o.trace,
    report: o.report,
    sanitize: o.sanitize !== "off",
    timeout,
    leakCheck: o["leak-check"] === true,
  };
}
