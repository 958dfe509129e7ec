// `deno bench --allow-read`: replay throughput of every allocator model on the shipped
// traces and the fragmentation-heavy ramp. `deno task bench` prints the same
// workloads as Mops/s beside the native Rust figures.
import { loadTrace, replayer, WORKLOADS } from "./workloads.ts";
import { generatedScript } from "./language.ts";
import { load } from "../runtime/loader.ts";
import { Interpreter } from "../runtime/interpreter.ts";
import { World } from "../runtime/world.ts";

for (const w of WORKLOADS) {
  const trace = await loadTrace(w.trace);
  const run = replayer(w.allocator);
  const results = new Float64Array(trace.length); // one buffer for every pass, as natively
  Deno.bench({
    name: `${w.allocator} ${w.trace} (${trace.length} ops)`,
    group: w.trace,
    fn: () => {
      run(trace, results);
    },
  });
}

const generated = generatedScript();
Deno.bench({
  name: "parse + check + run a 100,000-statement script",
  group: "language",
  fn: () => {
    const script = load("generated.mms", { read: () => generated }, generated);
    new Interpreter(new World(), () => {}).run(script);
  },
});
