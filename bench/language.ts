/**
 * Language benchmarks: a generated 100,000-statement script (parse, check,
 * run), and what `deno task run boot.mms` costs against a bare `deno run`
 * of an empty file.
 *
 * @module
 */

import { Interpreter } from "../runtime/interpreter.ts";
import { load } from "../runtime/loader.ts";
import { World } from "../runtime/world.ts";

/** A script of `n` statements: arithmetic, allocations, frees and expectations. */
export function generatedScript(n = 100_000): string {
  const lines = ["final_init()", "let sum = 0"];
  let i = 0;
  while (lines.length < n) {
    lines.push(`let p${i % 64} = alloc(${16 + (i * 37) % 2000}, 8)`);
    lines.push(`sum = sum + ${i} * 3 % 7`);
    lines.push(`expect p${i % 64} % 8 == 0`);
    lines.push(`dealloc(p${i % 64}, ${16 + (i * 37) % 2000}, 8)`);
    i++;
  }
  return lines.slice(0, n).join("\n") + "\n";
}

/** Parses and runs the generated script; returns [parse ms, run ms]. */
export function timeGenerated(n = 100_000): [number, number] {
  const text = generatedScript(n);
  const t0 = performance.now();
  const script = load("generated.mms", { read: () => text }, text);
  const t1 = performance.now();
  if (script.problems.length > 0) throw new Error(script.problems[0].message);
  new Interpreter(new World(), () => {}).run(script);
  return [t1 - t0, performance.now() - t1];
}

async function timeCommand(args: string[], runs: number): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const out = await new Deno.Command(Deno.execPath(), { args, stdout: "null", stderr: "piped" })
      .output();
    if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

if (import.meta.main) {
  let parse = Infinity;
  let run = Infinity;
  for (let i = 0; i < 5; i++) {
    const [p, r] = timeGenerated();
    parse = Math.min(parse, p);
    run = Math.min(run, r);
  }
  const root = new URL("..", import.meta.url).pathname;
  const bare = await timeCommand(["run", `${root}bench/empty.ts`], 9);
  const boot = await timeCommand(
    ["run", "--allow-read", `${root}cli/run.ts`, `${root}scripts/boot.mms`, "--quiet"],
    9,
  );
  // The floor under the start-up ratio: loading Chevrotain and building the
  // lexer and the parser, with nothing else of mmsim.
  const floor = await timeCommand(["run", "--allow-read", `${root}bench/parser_only.ts`], 9);
  console.log([
    "| benchmark | result | goal |",
    "| --- | ---: | --- |",
    `| 100,000-statement script: parse + check | ${parse.toFixed(0)} ms | |`,
    `| 100,000-statement script: run | ${run.toFixed(0)} ms | |`,
    `| 100,000-statement script: total | ${(parse + run).toFixed(0)} ms | < 1000 ms: ${
      parse + run < 1000 ? "met" : "not met"
    } |`,
    `| \`deno task run boot.mms\` vs bare \`deno run\` of an empty file | ${
      (boot / bare).toFixed(2)
    }x (${boot.toFixed(0)} / ${bare.toFixed(0)} ms) | <= 3x: ${
      boot / bare <= 3 ? "met" : "not met"
    } |`,
    `| of which the floor: importing dsl/parser.ts alone (Chevrotain, lexer, parser) | ${
      (floor / bare).toFixed(2)
    }x (${floor.toFixed(0)} ms) | |`,
  ].join("\n"));
}
