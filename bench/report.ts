/**
 * The report benchmark: a run of 1,000,000 allocator operations (500,000
 * allocations and frees of 16..1016 bytes through the global allocator)
 * with `--report`: what recording costs, the time to write the report, its
 * size (goal: under 20 MB), and the time it takes Chromium to open it and
 * draw everything (goal: under 3 s; skipped where there is no Chromium).
 *
 * @module
 */

import { gzipSync } from "node:zlib";
import { Interpreter } from "../runtime/interpreter.ts";
import { load } from "../runtime/loader.ts";
import { World } from "../runtime/world.ts";
import { RunRecorder } from "../report/recorder.ts";
import { reportData } from "../report/report_data.ts";
import { reportHtml } from "../report/page.ts";
import { browserMissing, lookAt } from "../tools/browser.ts";

const ROUNDS = 500_000;
const text = `final_init()
repeat ${ROUNDS} {
  let n = 16 + rand(0, 1000)
  let p = alloc(n, 8)
  dealloc(p, n, 8)
}
`;
const script = load("million.mms", { read: () => text }, text);
const tty = Deno.stderr.isTerminal();
const say = (s: string) => tty && Deno.stderr.writeSync(new TextEncoder().encode(`\r\x1b[K${s}`));

say("running without a report ...");
let t0 = performance.now();
new Interpreter(new World(), () => {}).run(script);
const plain = performance.now() - t0;

say("running with the recorder ...");
const world = new World();
const recorder = new RunRecorder(world);
recorder.attach();
t0 = performance.now();
new Interpreter(world, () => {}).run(script);
recorder.finish();
const recorded = performance.now() - t0;

say("writing the report ...");
t0 = performance.now();
const html = reportHtml(
  reportData(recorder, world, script, "million.mms", { ok: true, summary: "ok" }, {
    gzip: gzipSync,
  }),
);
const path = await Deno.makeTempFile({ suffix: ".html" });
await Deno.writeTextFile(path, html);
const write = performance.now() - t0;
const mb = new TextEncoder().encode(html).length / 1e6;

let open = "skipped (no Chromium)";
let met = "";
if (browserMissing() === undefined) {
  say("opening it in Chromium ...");
  const seen = await lookAt({ url: `file://${path}`, steps: [{ wait: "body[data-ready]" }] });
  open = `${(seen.readyMs / 1000).toFixed(2)} s`;
  met = seen.readyMs < 3000 ? "met" : "not met";
}
say("");
await Deno.remove(path);
console.log([
  "| report benchmark (1,000,000 allocator operations) | result | goal |",
  "| --- | ---: | --- |",
  `| run without / with the recorder | ${(plain / 1000).toFixed(2)} s / ${
    (recorded / 1000).toFixed(2)
  } s (${(recorded / plain).toFixed(2)}x) | |`,
  `| write the report | ${(write / 1000).toFixed(2)} s | |`,
  `| report size | ${mb.toFixed(1)} MB | < 20 MB: ${mb < 20 ? "met" : "not met"} |`,
  `| open in Chromium, everything drawn | ${open} | < 3 s${met ? ": " + met : ""} |`,
].join("\n"));
