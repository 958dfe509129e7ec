/**
 * `deno task conformance [--allocator <name | path/to/module.ts>]`: runs the
 * conformance suite and prints a results table (or JUnit XML / TAP).
 *
 * @module
 */

import { parseArgs } from "node:util";
import { escapeControls, escapeLines } from "../dsl/diagnostics.ts";
import {
  BUILTIN_TARGETS,
  builtinTarget,
  type ConformanceResult,
  type ConformanceScript,
  parseHeader,
} from "../conformance/runner.ts";
import { runIsolated, userModule } from "../conformance/isolated.ts";
import { runContained } from "../conformance/contained.ts";
import type { TargetSpec } from "../conformance/protocol.ts";
import { allocatorEntry, ALLOCATORS } from "../mm/registry.ts";
import { wasmModule } from "./wasm_file.ts";

const USAGE =
  `Usage: deno task conformance [--allocator NAME|MODULE.ts|MODULE.wasm] [--allow-user-code] [--exact MODEL] [--reporter table|junit|tap] [--seed N] [--suite DIR | --script FILE] [--timeout S] [--fuzz-seconds S]

Runs the conformance suite (conformance/suite/*.mms): the contracts of each
allocator API, against mmsim's allocators or your own.

  --allocator NAME     one of ${BUILTIN_TARGETS.join(", ")} (default: all of them)
  --allocator FILE.ts  a module exporting a class that implements ByteAllocator,
                       PageAllocator or IdAllocator (see examples/); it runs
                       your code, so it also needs --allow-user-code
  --allocator FILE.wasm  an allocator compiled to WebAssembly under mmsim's ABI
                       (docs/WASM_ABI.md); it cannot reach files, network or
                       environment, so it needs no --allow-user-code
  --exact MODEL        also make every call on the built-in MODEL (its 32-bit
                       variant for a wasm32 module), which must answer the same:
                       same address, same error, same statistics
  --reporter R         table (default), junit or tap
  --seed N             seed of the scripts' random workloads (default 1)
  --suite DIR          where the scripts are (default conformance/suite, shipped with mmsim)
  --script FILE        run this one script instead of the suite (a fuzz reproducer, say)
  --timeout SECONDS    how long one contract may run (default 10): a call that does not
                       return fails its contract, named, and the suite goes on
  --fuzz-seconds N     the fuzzing contract's budget per allocator (default 1; 0: none)

Every allocator runs in a Deno Worker with no permissions (a module may read its
own directory while it loads), a user's module in a child process of its own;
nothing it does (loop, throw, exit, exhaust memory) can end the run or make it pass.

Exit code 0 when every contract holds, 1 when one does not, 2 for bad usage.
`;

/** Where the command writes. */
export interface ConformanceIo {
  /** Standard output. */
  out(text: string): void;
  /** Standard error. */
  err(text: string): void;
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const e of [...Deno.readDirSync(dir)].sort((a, b) => a.name.localeCompare(b.name))) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory) out.push(...walk(p));
    else if (e.name.endsWith(".mms")) out.push(p);
  }
  return out;
}

function xml(text: string): string {
  // Control characters XML cannot hold are escaped as the terminal shows them.
  const s = escapeLines(text);
  return s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll(
    '"',
    "&quot;",
  );
}

/** Formats results as the chosen reporter does. */
export function report(results: ConformanceResult[], reporter: string): string {
  if (reporter === "tap") {
    const lines = ["TAP version 13", `1..${results.length}`];
    results.forEach((r, i) => {
      lines.push(
        `${r.ok ? "ok" : "not ok"} ${i + 1} - [${r.target}] ${r.script}: ${r.contract}${
          r.known === undefined ? "" : ` # TODO known deviation of the real code: ${r.known}`
        }`,
      );
      if (!r.ok) lines.push("  ---", `  message: ${JSON.stringify(r.failure)}`, "  ...");
      for (const p of r.printed ?? []) lines.push(`# print: ${escapeControls(p)}`);
      for (const p of r.output ?? []) lines.push(`# allocator output: ${escapeControls(p)}`);
    });
    return lines.join("\n") + "\n";
  }
  if (reporter === "junit") {
    const failures = results.filter((r) => !r.ok).length;
    const lines = [
      `<?xml version="1.0" encoding="UTF-8"?>`,
      `<testsuites name="mmsim conformance" tests="${results.length}" failures="${failures}">`,
    ];
    const byTarget = Map.groupBy(results, (r) => r.target);
    for (const [target, rows] of byTarget) {
      lines.push(
        `  <testsuite name="${xml(target)}" tests="${rows.length}" failures="${
          rows.filter((r) => !r.ok).length
        }">`,
      );
      for (const r of rows) {
        const head = `    <testcase classname="${xml(r.script)}" name="${xml(r.contract)}" time="${
          (r.ms / 1000).toFixed(3)
        }"`;
        const inner = [
          ...(r.ok ? [] : [`      <failure message="${xml(r.failure ?? "")}"/>`]),
          ...(r.printed === undefined
            ? []
            : [`      <system-out>${xml(r.printed.join("\n"))}</system-out>`]),
          ...(r.output === undefined
            ? []
            : [`      <system-err>${xml(r.output.join("\n"))}</system-err>`]),
        ];
        lines.push(
          inner.length === 0 ? `${head}/>` : `${head}>\n${inner.join("\n")}\n    </testcase>`,
        );
      }
      lines.push("  </testsuite>");
    }
    lines.push("</testsuites>");
    return lines.join("\n") + "\n";
  }
  const rows = results.map((
    r,
  ) => [
    r.target,
    `${r.script.replace(/^.*conformance\//, "")} (${r.level})`,
    r.contract,
    r.known !== undefined
      ? `known deviation of the real code: ${r.known}`
      : r.ok
      ? "pass"
      : `FAIL ${r.failure}`,
  ]);
  const widths = [0, 1, 2].map((c) =>
    Math.max(...rows.map((r) => r[c].length), ["allocator", "script", "contract"][c].length)
  );
  const line = (r: string[]) => r.map((c, i) => (i < 3 ? c.padEnd(widths[i]) : c)).join("  ");
  const failed = results.filter((r) => !r.ok).length;
  return [
    line(["allocator", "script", "contract", "result"]),
    ...rows.flatMap((r, i) => [
      line(r),
      ...(results[i].printed ?? []).map((p) => `    print: ${escapeControls(p)}`),
      ...(results[i].output ?? []).map((p) => `    allocator output: ${escapeControls(p)}`),
    ]),
    "",
    `${results.length - failed} passed, ${failed} failed`,
  ].join("\n") + "\n";
}

/** Runs the command; returns the exit code. */
export async function main(args: string[], io0: ConformanceIo = {
  out: (t) => Deno.stdout.writeSync(new TextEncoder().encode(t)),
  err: (t) => console.error(t),
}): Promise<number> {
  // What the suite prints echoes scripts and user code: never raw control bytes.
  const io: ConformanceIo = {
    out: (t) => io0.out(escapeLines(t)),
    err: (t) => io0.err(escapeLines(t)),
  };
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        allocator: { type: "string" },
        "allow-user-code": { type: "boolean" },
        reporter: { type: "string" },
        seed: { type: "string" },
        suite: { type: "string" },
        script: { type: "string" },
        timeout: { type: "string" },
        "fuzz-seconds": { type: "string" },
        exact: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (e) {
    io.err(`conformance: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const o = parsed.values;
  if (o.help) {
    io.out(USAGE);
    return 0;
  }
  const reporter = o.reporter ?? "table";
  if (!["table", "junit", "tap"].includes(reporter)) {
    io.err(`conformance: --reporter is table, junit or tap, not '${reporter}'`);
    return 2;
  }
  if (o.seed !== undefined && (!/^[0-9]+$/.test(o.seed) || BigInt(o.seed) >= 1n << 64n)) {
    io.err(
      `conformance: --seed takes a non-negative integer, not '${o.seed}' (seeds are below 2^64)`,
    );
    return 2;
  }
  const timeout = o.timeout === undefined ? 10 : Number(o.timeout);
  if (!(timeout > 0 && Number.isFinite(timeout))) {
    io.err(`conformance: --timeout takes a positive number of seconds, not '${o.timeout}'`);
    return 2;
  }
  const fuzzSeconds = o["fuzz-seconds"] === undefined ? 1 : Number(o["fuzz-seconds"]);
  if (!(fuzzSeconds >= 0 && Number.isFinite(fuzzSeconds))) {
    io.err(`conformance: --fuzz-seconds takes a number of seconds, not '${o["fuzz-seconds"]}'`);
    return 2;
  }
  const targets: { spec: TargetSpec; readable: string[] }[] = [];
  if (o.allocator === undefined) {
    for (const n of BUILTIN_TARGETS) targets.push({ spec: { builtin: n }, readable: [] });
  } else if (builtinTarget(o.allocator) !== undefined) {
    targets.push({ spec: { builtin: o.allocator }, readable: [] });
  } else if (o.allocator.endsWith(".wasm")) {
    const m = wasmModule(o.allocator);
    if ("problem" in m) {
      io.err(`conformance: ${m.problem}`);
      return 2;
    }
    for (const family of m.module.families) {
      targets.push({ spec: { wasm: m.bytes, path: o.allocator, family }, readable: [] });
    }
  } else if (/\.(ts|js|mjs|mts)$/.test(o.allocator)) {
    if (!o["allow-user-code"]) {
      io.err(
        `conformance: ${o.allocator} is your code; running it needs --allow-user-code ` +
          `(it runs in a worker with no permissions: it may only read its own directory while it loads)`,
      );
      return 2;
    }
    const m = userModule(o.allocator);
    if ("problem" in m) {
      io.err(`conformance: ${m.problem}`);
      return 2;
    }
    targets.push(m);
  } else {
    io.err(
      `conformance: unknown allocator '${o.allocator}'; built-ins: ${
        BUILTIN_TARGETS.join(", ")
      }, a .ts module or a .wasm module`,
    );
    return 2;
  }
  if (o.exact !== undefined) {
    const entry = allocatorEntry(o.exact);
    if (entry === undefined || entry.interface === "IdAllocator") {
      io.err(
        `conformance: --exact takes a byte or page allocator model (${
          ALLOCATORS.filter((a) => a.interface !== "IdAllocator").map((a) => a.name).join(", ")
        }), not '${o.exact}'`,
      );
      return 2;
    }
  }
  const suite = o.suite ?? new URL("../conformance/suite", import.meta.url).pathname;
  let scripts: ConformanceScript[];
  try {
    const paths = o.script !== undefined ? [o.script] : walk(suite);
    scripts = paths.map((p) => parseHeader(p, Deno.readTextFileSync(p)));
  } catch (e) {
    io.err(`conformance: ${(e as Error).message}`);
    return 2;
  }
  const results: ConformanceResult[] = [];
  for (const t of targets) {
    // A user's module runs in a child process too: if it exhausts memory, only that dies.
    const run = "module" in t.spec ? runContained : runIsolated;
    const outcome = await run(scripts, t.spec, {
      seed: BigInt(o.seed ?? "1"),
      timeout,
      fuzzMs: o.script !== undefined ? 0 : fuzzSeconds * 1000,
      fuzzSeed: Number(BigInt.asUintN(31, BigInt(o.seed ?? "1"))),
      readable: t.readable,
      exact: o.exact,
    });
    if (!outcome.ok) {
      io.err(`conformance: cannot use ${o.allocator}: ${outcome.problem}`);
      return 2;
    }
    results.push(...outcome.rows);
  }
  if (results.length === 0) {
    io.err(
      `conformance: no script ${o.script !== undefined ? o.script : `in ${suite}`} applies to ${
        targets.map((t) => "builtin" in t.spec ? t.spec.builtin : t.spec.path).join(", ")
      }`,
    );
    return 2;
  }
  io.out(report(results, reporter));
  return results.every((r) => r.ok) ? 0 : 1;
}

if (import.meta.main) {
  // Exit explicitly: a worker whose allocator spins forever keeps the process alive.
  Deno.exit(await main(Deno.args));
}
