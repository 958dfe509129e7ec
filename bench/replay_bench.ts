// `deno bench`: replay throughput of every allocator model on the shipped
// traces and the fragmentation-heavy ramp. `deno task bench` prints the same
// workloads as Mops/s beside the native Rust figures.
import { replay } from "../runtime/replay.ts";
import { loadTrace, WORKLOADS } from "./workloads.ts";

for (const w of WORKLOADS) {
  const trace = await loadTrace(w.trace);
  Deno.bench({
    name: `${w.allocator} ${w.trace} (${trace.length} ops)`,
    group: w.trace,
    fn: () => {
      replay(trace, w.allocator);
    },
  });
}
