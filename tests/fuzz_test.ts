// The fuzzer: it finds the broken fixtures and writes reproducers of at most
// 20 operations that fail when replayed; the built-in models hold up under it,
// differentially against the literal transcriptions in tests/reference/; its
// command line refuses bad flags. Campaigns that may meet a spinning allocator
// run in a subprocess, whose exit ends the spinning worker thread.
import assert from "node:assert/strict";
import { AllocError, type AllocErrorKind } from "../mm/allocator/alloc_error.ts";
import type { ByteAllocator, PageAllocator } from "../mm/allocator/traits.ts";
import { fuzzSubject, reproducer, stepsOfLog } from "../conformance/fuzz.ts";
import { PROBE_EVERY, SpinBudget } from "../conformance/subject_channel.ts";
import { builtinTarget, fuzzLimits } from "../conformance/runner.ts";
import { NaiveBuddy } from "./reference/naive_buddy.ts";
import { NaiveBitmap } from "./reference/naive_bitmap.ts";
import { deno } from "./run_helpers.ts";

const fuzz = (args: string[]) =>
  deno([
    "run",
    "--cached-only",
    "--allow-read",
    "--allow-write",
    "--allow-run",
    "--unstable-worker-options",
    "cli/fuzz.ts",
    ...args,
  ]);
const conformance = (args: string[]) =>
  deno([
    "run",
    "--cached-only",
    "--allow-read",
    "--allow-run",
    "--unstable-worker-options",
    "cli/conformance.ts",
    ...args,
  ]);

/** Operations in a reproducer: the statements of its contract that are not checks. */
function operations(script: string): number {
  const body = script.split("\n").filter((l) => /^ {2}\S/.test(l));
  return body.filter((l) => !/^ {2}(expect|let h = subject|let live = blocks|\})/.test(l)).length;
}

for (
  const [fixture, finding] of [
    ["off_by_four", /alloc\(40, 8\) gave 0x[0-9a-f]+4, not aligned to 8|overlaps the live/],
    ["leak_after_ten", /capacity did not come back/],
    ["spinning", /alloc\(\d+, \d+\) did not return within 2 s/],
    ["misaligned_id", /alloc_id\(\d+, \d+\) gave \d+, not aligned/],
  ] as const
) {
  Deno.test(`fuzz: finds ${fixture} and writes a short reproducer that fails`, async () => {
    const dir = Deno.makeTempDirSync();
    const out = `${dir}/repro.mms`;
    const module = `tests/fixtures/${fixture}_allocator.ts`;
    const r = await fuzz([
      "--allocator",
      module,
      "--allow-user-code",
      // Ends as soon as it finds the failure: the budget is for a loaded machine.
      "--seconds",
      "30",
      "--timeout",
      "2",
      "--out",
      out,
    ]);
    assert.equal(r.code, 1, r.err);
    assert.match(r.err, finding);
    assert.match(r.err, new RegExp(`replay it: deno task conformance --allocator ${module}`));
    const script = Deno.readTextFileSync(out);
    assert.match(script, /^# interface: (Byte|Id)Allocator\n# level: contract\n/);
    // A hang's step is an exhaustion loop: a handful of statements, one operation.
    assert.ok(operations(script) <= 20 * 6, script);
    const steps = Number(/: (\d+) operations? that break/.exec(script)?.[1]);
    assert.ok(steps >= 1 && steps <= 20, `${steps} operations`);
    const replay = await conformance([
      "--allocator",
      module,
      "--allow-user-code",
      "--script",
      out,
      "--timeout",
      "2",
    ]);
    assert.equal(replay.code, 1, replay.out + replay.err);
    assert.match(replay.out, /fuzz reproducer: .* FAIL/);
    assert.match(replay.out, /0 passed, 1 failed/);
    Deno.removeSync(dir, { recursive: true });
  });
}

Deno.test("fuzz: an allocator that exhausts memory fails, named, without ending the run", async () => {
  const r = await fuzz([
    "--allocator",
    "tests/fixtures/memory_hog_allocator.ts",
    "--allow-user-code",
    "--seconds",
    "5",
    "--timeout",
    "60",
    "--out",
    `${Deno.makeTempDirSync()}/r.mms`,
  ]);
  assert.equal(r.code, 1, r.err);
  assert.match(r.err, /the allocator exhausted the memory of its worker \(a heap of 1024 MiB\)/);
  assert.doesNotMatch(r.err, /Fatal|GC/);
});

Deno.test("fuzz: the same seed finds the same reproducer; shards differ", async () => {
  const dir = Deno.makeTempDirSync();
  // leak_after_ten fails within the first sequences: the time limit leaves
  // room for a slow, busy machine (the search ends at the first failure, so
  // it costs no more when the machine is calm).
  const run = (out: string, ...more: string[]) =>
    fuzz([
      "--allocator",
      "tests/fixtures/leak_after_ten_allocator.ts",
      "--allow-user-code",
      "--seconds",
      "90",
      "--out",
      `${dir}/${out}`,
      ...more,
    ]);
  const [a, b] = [await run("a.mms", "--seed", "1"), await run("b.mms", "--seed", "1")];
  assert.equal(a.code, 1);
  assert.equal(b.code, 1);
  assert.equal(Deno.readTextFileSync(`${dir}/a.mms`), Deno.readTextFileSync(`${dir}/b.mms`));
  const s = await run("s.mms", "--seed", "1", "--shard", "2/3");
  assert.equal(s.code, 1);
  assert.match(Deno.readTextFileSync(`${dir}/s.mms`), /--shard 2\/3/);
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("fuzz: a correct allocator of its own design holds, in JUnit too", async () => {
  const r = await fuzz([
    "--allocator",
    "examples/segregated_fit_allocator.ts",
    "--allow-user-code",
    "--seconds",
    "2",
    "--reporter",
    "junit",
  ]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /<testsuites name="mmsim fuzz" tests="1" failures="0">/);
});

Deno.test("fuzz: a failure in JUnit, and a reproducer path that cannot be written", async () => {
  const dir = Deno.makeTempDirSync();
  const r = await fuzz([
    "--allocator",
    "tests/fixtures/off_by_four_allocator.ts",
    "--allow-user-code",
    // A seed whose first sequence asks for 40 bytes: the default seed's
    // first dozen sequences (20,000 operations each) ask for none, and on a
    // busy machine a user module is fuzzed at a few thousand operations a
    // second (three or more CPU-burning loops beside it), so 30 s did not
    // always reach one (with two loops, once in the full suite).
    "--seed",
    "15",
    "--seconds",
    "30",
    "--reporter",
    "junit",
    "--out",
    `${dir}/r.mms`,
  ]);
  assert.equal(r.code, 1, r.err);
  assert.match(r.out, /<testsuites name="mmsim fuzz" tests="1" failures="1">/);
  assert.match(r.out, /<failure message="alloc\(40, 8\) gave 0x[0-9a-f]+, not aligned to 8"\/>/);
  // Refused before any fuzzing: a missing directory.
  const missing = await fuzz(["--allocator", "tlsf", "--out", `${dir}/no/such/r.mms`]);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /--out .*no\/such\/r\.mms: the directory .*no\/such does not exist/);
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("fuzz: bad flags and modules are refused with exit 2", async () => {
  const cases: [string[], RegExp][] = [
    [[], /--allocator is required/],
    [["--allocator", "dlmalloc"], /unknown allocator 'dlmalloc'/],
    [["--allocator", "dragonos"], /dragonos is not an allocator the fuzzer drives/],
    [
      ["--allocator", "ax-alloc-tlsf"],
      /drives tlsf, slab, buddy, bitmap, id, and your modules\); its contracts run in deno task conformance --allocator ax-alloc-tlsf/,
    ],
    [["--allocator", "tlsf", "--seconds", "0"], /--seconds takes a positive number/],
    // A timer past 2^31 ms fires at once: such a campaign reported a hang at its first call.
    [
      ["--allocator", "tlsf", "--seconds", "1e9"],
      /--seconds takes a positive number up to 1000000/,
    ],
    [
      ["--allocator", "tlsf", "--timeout", "1e9"],
      /--timeout takes a positive number up to 1000000/,
    ],
    [["--allocator", "tlsf", "--seed", "x"], /--seed takes an integer/],
    [["--allocator", "tlsf", "--shard", "4/3"], /--shard takes K\/N/],
    [["--allocator", "tlsf", "--exact", "nope"], /--exact takes a built-in/],
    [
      ["--allocator", "tlsf", "--exact", "bitmap"],
      /--exact bitmap models a PageAllocator; tlsf is a ByteAllocator/,
    ],
    [["--allocator", "tlsf", "--bogus"], /Unknown option '--bogus'/],
    [["--allocator", "examples/first_fit_allocator.ts"], /needs --allow-user-code/],
    [
      ["--allocator", "tests/fixtures/not_an_allocator.ts", "--allow-user-code"],
      /cannot use tests\/fixtures\/not_an_allocator.ts/,
    ],
  ];
  for (const [args, message] of cases) {
    const r = await fuzz(args);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.err}`);
    assert.match(r.err, message);
    assert.doesNotMatch(r.err, /^\s+at /m);
  }
});

Deno.test("fuzz: a module with a syntax error is reported with file:line:col", async () => {
  const dir = Deno.makeTempDirSync();
  Deno.writeTextFileSync(`${dir}/broken.ts`, "export class A {\n  alloc(size {\n}\n");
  const r = await fuzz(["--allocator", `${dir}/broken.ts`, "--allow-user-code"]);
  assert.equal(r.code, 2);
  assert.match(r.err, new RegExp(`${dir}/broken.ts:2:\\d+: SyntaxError`));
  Deno.removeSync(dir, { recursive: true });
});

/** buddy_system_allocator's Heap<32>, transcribed literally, as a ByteAllocator. */
class ReferenceBuddy implements ByteAllocator {
  #heap = new NaiveBuddy();
  init(start: number, size: number): void {
    this.#heap.addToHeap(start, start + size);
  }
  addMemory(start: number, size: number): void {
    this.#heap.addToHeap(start, start + size);
  }
  alloc(size: number, align: number): number {
    const p = this.#heap.alloc(size, align);
    if (p === null) throw new AllocError("NoMemory");
    return p;
  }
  dealloc(ptr: number, size: number, align: number): void {
    this.#heap.dealloc(ptr, size, align);
  }
  totalBytes(): number {
    return this.#heap.total;
  }
  usedBytes(): number {
    return this.#heap.allocated;
  }
  availableBytes(): number {
    return this.#heap.total - this.#heap.allocated;
  }
}

/** bitmap_allocator's search and BitmapPageAllocator's checks, transcribed, as a PageAllocator. */
class ReferenceBitmap implements PageAllocator {
  readonly pageSize = 4096;
  #bits = new NaiveBitmap(1 << 16);
  #result(r: number | string): number {
    if (typeof r === "string") throw new AllocError(r as AllocErrorKind);
    return r;
  }
  init(start: number, size: number): void {
    this.#bits.init(start, size);
  }
  addMemory(): void {
    throw new AllocError("NoMemory"); // as BitmapPageAllocator::add_memory
  }
  allocPages(n: number, align: number): number {
    return this.#result(this.#bits.allocPages(n, align));
  }
  allocPagesAt(at: number, n: number, align: number): number {
    return this.#result(this.#bits.allocPagesAt(at, n, align));
  }
  deallocPages(pos: number, n: number): void {
    this.#bits.deallocPages(pos, n);
  }
  totalPages(): number {
    return this.#bits.total;
  }
  usedPages(): number {
    return this.#bits.used;
  }
  availablePages(): number {
    return this.#bits.total - this.#bits.used;
  }
}

for (
  const [name, reference] of [
    ["buddy", () => new ReferenceBuddy()],
    ["bitmap", () => new ReferenceBitmap()],
  ] as const
) {
  Deno.test(`fuzz: the ${name} model gives what the literal transcription gives`, () => {
    const subject = builtinTarget(name)!.subject!;
    const outcome = fuzzSubject(subject, { seed: 42, ms: 1500, exact: reference });
    assert.equal(outcome.failure, undefined, reproducer(subject.kind, outcome, name));
    assert.ok(outcome.operations > 1000, `${outcome.operations} operations`);
  });
}

Deno.test("fuzz: every built-in byte and page model keeps the contracts", () => {
  for (const name of ["tlsf", "slab", "buddy", "bitmap", "id"]) {
    const target = builtinTarget(name)!;
    const subject = target.subject!;
    const outcome = fuzzSubject(subject, { seed: 7, ms: 500, ...fuzzLimits(target) });
    assert.equal(outcome.failure, undefined, `${name}: ${reproducer(subject.kind, outcome, name)}`);
  }
});

Deno.test("fuzz: a differential difference is found and shrinks", () => {
  // tlsf compared with buddy: different designs give different addresses.
  const subject = builtinTarget("tlsf")!.subject!;
  const outcome = fuzzSubject(subject, { seed: 1, ms: 5000, exact: () => new ReferenceBuddy() });
  assert.match(outcome.failure ?? "", /the model|differ from the model/);
  assert.ok(outcome.steps.length <= 20, `${outcome.steps.length} steps`);
});

Deno.test("fuzz: a hang's line log splits into its steps", () => {
  const log = [
    "# step",
    "h.add_memory(0x1, 2)",
    "expect x",
    "# step",
    "let b0 = h.try_alloc(1, 1)",
  ];
  assert.deepEqual(stepsOfLog(log), [
    { lines: ["h.add_memory(0x1, 2)", "expect x"] },
    { lines: ["let b0 = h.try_alloc(1, 1)"] },
  ]);
});

Deno.test("fuzz: the call in progress and the line log, as the runner reads them", async () => {
  const { lineLog, PROGRESS_BYTES, readCalls, readLines, readProgress, writer } = await import(
    "../conformance/protocol.ts"
  );
  const progress = new SharedArrayBuffer(PROGRESS_BYTES);
  const write = writer(progress);
  write("dealloc(#, 64, 8)", 0x8010_0040);
  assert.equal(readProgress(progress), "dealloc(0x80100040, 64, 8)");
  write("");
  assert.equal(readProgress(progress), "");
  write("dealloc(#, 64, 8)", 0x8010_0080); // the same text: only the address is written
  assert.equal(readProgress(progress), "dealloc(0x80100080, 64, 8)");
  write("dealloc_id(%, 2)", 17);
  assert.equal(readProgress(progress), "dealloc_id(17, 2)");
  write("alloc(#1, 8)"); // no address: the text as it is
  assert.equal(readProgress(progress), "alloc(#1, 8)");
  assert.equal(readCalls(progress), 4);
  const buffer = new SharedArrayBuffer(1 << 16);
  const log = lineLog(buffer);
  log("# step");
  log("let b0 = h.try_alloc(8, 8)");
  assert.deepEqual(readLines(buffer), [], "nothing before a flush");
  log.flush();
  log("expect b0 != null — ünïcode too");
  log.flush();
  assert.deepEqual(readLines(buffer), [
    "# step",
    "let b0 = h.try_alloc(8, 8)",
    "expect b0 != null — ünïcode too",
  ]);
  log(undefined);
  assert.deepEqual(readLines(buffer), []);
});

Deno.test("fuzz: a slow subject's sequence stops at the time limit, not at its end", () => {
  // Each call of the subject takes 10 ms of a clock the test moves (the
  // search's clock is performance.now); fast-check looks at its own clock
  // between sequences only, and a sequence of 2,000 commands (tens of
  // thousands of calls: an exhaustion is thousands) would take minutes.
  // With a limit of 1 s (100 calls), the search stops the sequence at the
  // first command past it (an exhaustion runs whole).
  const inner = builtinTarget("tlsf")!.subject!;
  let clock = performance.now();
  const slow = {
    ...inner,
    make: () => {
      const real = inner.make() as unknown as Record<string, (...a: number[]) => unknown>;
      return new Proxy(real, {
        get: (target, key) => {
          const v = Reflect.get(target, key);
          return typeof v === "function"
            ? (...a: number[]) => ((clock += 10), v.apply(target, a))
            : v;
        },
      }) as never;
    },
  };
  const now = performance.now;
  performance.now = () => clock;
  try {
    const outcome = fuzzSubject(slow, { seed: 3, ms: 1000, runs: 1, maxOperations: 2000 });
    assert.equal(outcome.failure, undefined);
    assert.ok(outcome.operations < 5000, `${outcome.operations} operations`);
  } finally {
    performance.now = now;
  }
});

Deno.test("the channel's spin budget: halves on a miss, grows on a catch, probes its longest", () => {
  const spin = new SpinBudget(1 << 20);
  // A busy machine: every spin misses (wait w is seen[w - 1]).
  const seen: number[] = [];
  for (let w = 1; w <= 3 * PROBE_EVERY; w++) {
    const n = spin.next();
    seen.push(n);
    spin.spun(false, n);
  }
  assert.deepEqual(seen.slice(0, 3), [1 << 20, 1 << 19, 1 << 18]);
  // The budget falls to nothing, but for a probe of the longest spin every PROBE_EVERY waits.
  const probes = seen.flatMap((n, i) => n === 1 << 20 ? [i + 1] : []);
  assert.deepEqual(probes, [1, PROBE_EVERY, 2 * PROBE_EVERY, 3 * PROBE_EVERY]);
  assert.ok(seen.slice(21).every((n, i) => n === 0 || probes.includes(i + 22)), `${seen}`);
  // A calm machine again: a spin that catches the answer brings spinning back.
  spin.spun(true, 100);
  assert.equal(spin.next(), 400);
  spin.spun(true, 10);
  assert.equal(spin.next(), 800);
});
