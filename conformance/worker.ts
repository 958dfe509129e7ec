/**
 * The checker's realm: a Deno Worker with no permission that runs the
 * scripts' contracts and the fuzzer and posts each result as soon as it is
 * known. mmsim's own models and a WebAssembly module (whose code cannot
 * reach JavaScript) run here; a user's TypeScript allocator runs in a realm
 * of its own (`subject_host.ts`) and is only called from here, so nothing
 * it does to its globals, built-ins or imported modules reaches the
 * checker. The runner on the main thread watches the calls and owns the
 * verdict: nothing the allocator does (exit, throw, loop, exhaust memory)
 * can end the run early or make it report success.
 *
 * @module
 */

import { fuzzSubject } from "./fuzz.ts";
import {
  applies,
  builtinTarget,
  type ConformanceScript,
  fuzzLimits,
  resultRow,
  runConformance,
  type SuiteTarget,
  wasmTarget,
} from "./runner.ts";
import { allocatorEntry } from "../mm/registry.ts";
import { remoteSubject } from "./remote_subject.ts";
import { describeThrown } from "../runtime/errors.ts";
import type { ByteAllocator, IdAllocator, PageAllocator } from "../mm/allocator/traits.ts";
import {
  type FuzzRequest,
  lineLog,
  moduleProblem,
  type TargetSpec,
  type WorkerMessage,
  type WorkerRequest,
  writer,
} from "./protocol.ts";

/** The worker's global scope, as far as this module uses it. */
const scope = self as unknown as {
  postMessage(message: WorkerMessage): void;
  onmessage: ((e: MessageEvent<WorkerRequest | FuzzRequest>) => void) | null;
};

/**
 * Sequences the conformance fuzzing contract runs for each second of
 * `--fuzz-seconds`: about what a calm machine runs in a second on a
 * TypeScript subject, so that the budget means the same everywhere.
 */
export const FUZZ_RUNS_PER_SECOND = 20;

/**
 * How many times the call limit a contract script's own work may take
 * before it counts as a runaway script (never the allocator's hang).
 */
export const SCRIPT_LIMIT_FACTOR = 20;

/** The user's code may not end the worker: `Deno.exit` becomes an error of the call. */
class ExitAttempt extends Error {
  override readonly name = "ExitAttempt";
}

function loadTarget(spec: TargetSpec): SuiteTarget {
  if ("builtin" in spec) return builtinTarget(spec.builtin)!;
  if ("wasm" in spec) return wasmTarget(spec.path, spec.wasm, spec.family);
  if ("remote" in spec) {
    // The user's code is in a realm of its own: this one only calls it.
    return {
      name: spec.path,
      builtin: false,
      interfaces: [spec.kind],
      subject: remoteSubject(spec.remote, spec.kind, spec.path),
      rerunFlags: " --allow-user-code",
    };
  }
  throw new Error(`${spec.path}: a user's module is loaded in a realm of its own, not here`);
}

/**
 * Loads the allocator (a load failure is posted), then drops the last
 * permission: from here on the allocator runs with none at all.
 */
async function prepare(spec: TargetSpec): Promise<SuiteTarget | undefined> {
  patchExit();
  let target: SuiteTarget;
  try {
    target = loadTarget(spec);
  } catch (e) {
    scope.postMessage({ kind: "module-error", message: moduleProblem(e) });
    return undefined;
  }
  await Deno.permissions.revoke({ name: "read" });
  return target;
}

/**
 * The model `--exact` names, of the target's pointer width, or why it
 * cannot be compared with the target.
 */
function exactModel(
  target: SuiteTarget,
  exact: string,
): { name: string; make: () => ByteAllocator | PageAllocator | IdAllocator } | string {
  const entry = allocatorEntry(exact);
  const subject = target.subject;
  if (entry === undefined) return `--exact ${exact}: no such model`;
  if (subject === undefined || entry.interface !== subject.kind) {
    return `--exact ${entry.name} models a ${entry.interface}; ${target.name} is ${
      subject === undefined ? "not an allocator" : `a ${subject.kind}`
    }`;
  }
  const pointerWidth = target.pointerWidth ?? 8;
  return {
    name: pointerWidth === 4 ? `${entry.name} (32-bit)` : entry.name,
    make: () => entry.create({ pointerWidth }) as ByteAllocator | PageAllocator | IdAllocator,
  };
}

async function serve(request: WorkerRequest): Promise<void> {
  const post = (m: WorkerMessage) => scope.postMessage(m);
  const target = await prepare(request.target);
  if (target === undefined) return;
  let reference: ReturnType<typeof exactModel> | undefined;
  if (request.exact !== undefined) {
    reference = exactModel(target, request.exact);
    if (typeof reference === "string") {
      post({ kind: "module-error", message: reference });
      return;
    }
    target.subject = { ...target.subject!, reference };
  }
  post({ kind: "target", name: target.name, interfaces: target.interfaces });
  const onCall = writer(request.progress);
  for (let i = request.start.script; i < request.scripts.length; i++) {
    const script = request.scripts[i];
    const skip = i === request.start.script ? request.start.contract : 0;
    if (!applies(script, target)) {
      post({ kind: "script-done", script: i });
      continue;
    }
    // A hang is a call that does not return, which the runner watches; a
    // contract script that loops by itself (a user's script can) is stopped
    // at a limit far past anything the suite's own work takes.
    runConformance(script, target, BigInt(request.seed), {
      contractTimeLimit: request.timeout * SCRIPT_LIMIT_FACTOR,
      skipContracts: skip,
      onCall,
      onContractStart: (name, contract) => post({ kind: "start", script: i, contract, name }),
      onRow: (row) => post({ kind: "row", script: i, row }),
    });
    post({ kind: "script-done", script: i });
  }
  const fuzzScript = request.scripts.length;
  const fuzzable = target.subject !== undefined;
  const fuzzPending = request.start.script < fuzzScript ||
    (request.start.script === fuzzScript && request.start.contract === 0);
  if (request.fuzz.ms > 0 && fuzzable && fuzzPending) {
    const name =
      `fuzzing: random operation sequences keep every contract (seed ${request.fuzz.seed})`;
    post({ kind: "start", script: fuzzScript, contract: 0, name });
    const t0 = performance.now();
    let outcome: ReturnType<typeof fuzzSubject>;
    try {
      // A fixed number of sequences (from the budget, as a calm machine
      // runs them), not a time: the verdict is the same on a busy machine.
      outcome = fuzzSubject(target.subject!, {
        seed: request.fuzz.seed,
        ms: Number.MAX_SAFE_INTEGER,
        runs: Math.max(1, Math.round((request.fuzz.ms / 1000) * FUZZ_RUNS_PER_SECOND)),
        ...fuzzLimits(target),
        exact: typeof reference === "object" ? reference.make : undefined,
        onCall,
      });
    } catch (e) {
      // The subject cannot even be made (a module refused after it took too
      // much memory): the fuzzing contract fails with why.
      outcome = { failure: describeThrown(e), steps: [], runs: 0, operations: 0 };
    }
    const script: ConformanceScript = {
      path: "(fuzzing)",
      source: "",
      interface: target.subject!.kind,
      level: "contract",
    };
    post({
      kind: "row",
      script: fuzzScript,
      row: resultRow(
        script,
        target,
        name,
        outcome.failure === undefined,
        outcome.failure === undefined
          ? undefined
          : `${outcome.failure} (${outcome.steps.length} operation${
            outcome.steps.length === 1 ? "" : "s"
          }; ` +
            `deno task fuzz --allocator ${target.name}${target.rerunFlags ?? ""}${
              request.exact === undefined ? "" : ` --exact ${request.exact}`
            } --seed ${request.fuzz.seed} writes a reproducer)`,
        performance.now() - t0,
      ),
    });
  }
  post({ kind: "done" });
}

/** A fuzzing campaign: progress now and then, then the outcome. */
async function fuzz(request: FuzzRequest): Promise<void> {
  const post = (m: WorkerMessage) => scope.postMessage(m);
  const target = await prepare(request.target);
  if (target === undefined) return;
  const subject = target.subject;
  if (subject === undefined) {
    post({ kind: "module-error", message: `${target.name} is not an allocator the fuzzer drives` });
    return;
  }
  post({ kind: "target", name: target.name, interfaces: [subject.kind] });
  const reference = request.exact === undefined ? undefined : exactModel(target, request.exact);
  if (typeof reference === "string") {
    post({ kind: "module-error", message: reference });
    return;
  }
  const write = writer(request.progress);
  const log = lineLog(request.lines);
  let seen = 0;
  const outcome = fuzzSubject(subject, {
    seed: request.seed,
    ms: request.ms,
    ...fuzzLimits(target),
    exact: reference?.make,
    onLine: log,
    onCall: (op, address) => {
      // The lines so far reach the runner before the call (it reads them if the call never returns).
      if (op !== "") log.flush();
      write(op, address);
      if (op !== "" && (++seen & 0xfff) === 0) {
        post({ kind: "fuzz-progress", operations: seen, runs: 0 });
      }
    },
  });
  post({
    kind: "fuzz-done",
    failure: outcome.failure,
    steps: outcome.steps,
    runs: outcome.runs,
    operations: outcome.operations,
    interface: subject.kind,
    name: target.name,
  });
}

function patchExit(): void {
  Object.defineProperty(Deno, "exit", {
    value: (code?: number) => {
      throw new ExitAttempt(`the allocator called Deno.exit(${code ?? ""})`);
    },
    configurable: true,
    writable: true,
  });
}

scope.onmessage = (e: MessageEvent<WorkerRequest | FuzzRequest>) => {
  const request = e.data;
  const job = "campaign" in request ? fuzz(request) : serve(request);
  job.catch((err) => {
    scope.postMessage({ kind: "module-error", message: moduleProblem(err) } as WorkerMessage);
  });
};
