/**
 * The fuzzer: random operation sequences against the allocator under test,
 * with the contracts' invariants checked after every step (aligned, inside
 * the memory given, no overlap, statistics within their bounds and adding
 * up, `alloc_pages_at` exact, free pages served) and, with a reference
 * model, every result compared with it (differential testing). Generation
 * and shrinking are fast-check's model-based testing (`fc.commands`); a
 * failure shrinks to a short sequence, which is written out as a `.mms`
 * conformance script that fails the same way.
 *
 * @module
 */

import fc from "fast-check";
import { AllocError } from "../mm/allocator/alloc_error.ts";
import type { ByteAllocator, PageAllocator } from "../mm/allocator/traits.ts";
import { SUBJECT_BYTES, SUBJECT_PAGES } from "../runtime/builtins.ts";
import type { Subject } from "../runtime/world.ts";

/** How a fuzzing campaign runs. */
export interface FuzzOptions {
  /** The seed (the same seed, the same sequences). */
  seed: number;
  /** Milliseconds to fuzz for at most. */
  ms: number;
  /** Runs (sequences) at most (default: as many as the time allows). */
  runs?: number;
  /** Operations per sequence at most (default 300). */
  maxOperations?: number;
  /** A reference model to compare every result with (differential testing). */
  exact?: () => ByteAllocator | PageAllocator;
  /** Told of each call as it starts (`""` when it returns), for the runner's time limits. */
  onCall?: (op: string) => void;
}

/** One operation of a sequence, as the reproducer writes it. */
export interface FuzzStep {
  /** The `.mms` lines of the step (a call, then its checks). */
  lines: string[];
}

/** What a campaign found. */
export interface FuzzOutcome {
  /** The first invariant broken (after shrinking), if any. */
  failure?: string;
  /** The shrunk sequence that breaks it (empty when none did). */
  steps: FuzzStep[];
  /** Sequences run. */
  runs: number;
  /** Operations run and checked, shrinking included. */
  operations: number;
}

/** An invariant of the contracts did not hold. */
class Broken extends Error {
  override readonly name = "Broken";
}

type Real = ByteAllocator | PageAllocator;

/** The state the commands share: the model of what is live, and the log. */
interface Model {
  kind: "ByteAllocator" | "PageAllocator";
  /** Live blocks, sorted by start: [start, bytes, name, size, align]. */
  live: { start: number; bytes: number; name: string; size: number; align: number }[];
  /** Memory given: [start, end). */
  regions: [number, number][];
  next: number;
  added: number;
  steps: FuzzStep[];
  reference?: Real;
  operations: { count: number };
  onCall?: (op: string) => void;
}

const hex = (n: number) => "0x" + n.toString(16);

function call<T>(m: Model, text: string, fn: () => T): T {
  m.operations.count++;
  m.onCall?.(text);
  try {
    return fn();
  } finally {
    m.onCall?.("");
  }
}

/** The result of a call: an address, or the AllocError's kind; anything else is broken. */
function outcome(fn: () => number, text: string): number | string {
  try {
    return fn();
  } catch (e) {
    if (e instanceof AllocError) return e.kind;
    const what = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    throw new Broken(`${text} threw ${what}`);
  }
}

function insert(m: Model, block: Model["live"][number]): void {
  const i = m.live.findIndex((b) => b.start > block.start);
  if (i < 0) m.live.push(block);
  else m.live.splice(i, 0, block);
}

function overlapping(m: Model, start: number, bytes: number): Model["live"][number] | undefined {
  return m.live.find((b) =>
    start < b.start + Math.max(b.bytes, 1) && b.start < start + Math.max(bytes, 1)
  );
}

function inside(m: Model, start: number, bytes: number): boolean {
  return m.regions.some(([s, e]) => start >= s && start + bytes <= e);
}

/** The statistics: within bounds, adding up (and equal to the reference's, differentially). */
function checkStatistics(m: Model, real: Real, step: FuzzStep): void {
  const [t, u, a, names] = "totalBytes" in real
    ? [real.totalBytes(), real.usedBytes(), real.availableBytes(), [
      "total_bytes",
      "used_bytes",
      "available_bytes",
    ]]
    : [real.totalPages(), real.usedPages(), real.availablePages(), [
      "total_pages",
      "used_pages",
      "available_pages",
    ]];
  const [tn, un, an] = names;
  step.lines.push(
    `expect h.${un} >= 0 && h.${un} <= h.${tn} && h.${an} >= 0 && h.${an} <= h.${tn} "statistics within their bounds"`,
    `expect h.${tn} == h.${un} + h.${an} "total = used + available"`,
  );
  const ok = (v: number) => Number.isFinite(v) && v >= 0 && v <= t;
  if (!ok(u) || !ok(a)) {
    throw new Broken(`statistics out of bounds: total ${t}, used ${u}, available ${a}`);
  }
  if (t !== u + a) {
    throw new Broken(`statistics do not add up: total ${t} != used ${u} + available ${a}`);
  }
  const ref = m.reference;
  if (ref !== undefined) {
    const r = "totalBytes" in ref
      ? [ref.totalBytes(), ref.usedBytes(), ref.availableBytes()]
      : [ref.totalPages(), ref.usedPages(), ref.availablePages()];
    step.lines.push(
      `expect h.${tn} == ${r[0]} && h.${un} == ${r[1]} && h.${an} == ${
        r[2]
      } "the model's statistics"`,
    );
    if (r[0] !== t || r[1] !== u || r[2] !== a) {
      throw new Broken(`statistics ${t}/${u}/${a} differ from the model's ${r[0]}/${r[1]}/${r[2]}`);
    }
  }
}

/** Compares a result with the reference model's. */
function compare(
  m: Model,
  text: string,
  got: number | string,
  fn: (ref: Real) => number,
  step: FuzzStep,
  name: string,
): void {
  if (m.reference === undefined) return;
  const want = outcome(() => fn(m.reference!), `the model's ${text}`);
  if (typeof want === "number") {
    step.lines.push(`expect ${name} == ${hex(want)} "the model gives ${hex(want)}"`);
  } else step.lines.push(`expect ${name} == null "the model says ${want}"`);
  if (want !== got) {
    throw new Broken(
      `${text} gave ${typeof got === "number" ? hex(got) : got}, the model ${
        typeof want === "number" ? hex(want) : want
      }`,
    );
  }
}

class Alloc implements fc.Command<Model, Real> {
  constructor(readonly size: number, readonly align: number) {}
  check(): boolean {
    return true;
  }
  run(m: Model, real: Real): void {
    const name = `b${m.next++}`;
    const step: FuzzStep = { lines: [] };
    m.steps.push(step);
    const text = `alloc(${this.size}, ${this.align})`;
    step.lines.push(`let ${name} = h.try_alloc(${this.size}, ${this.align})`);
    const got = call(
      m,
      text,
      () => outcome(() => (real as ByteAllocator).alloc(this.size, this.align), text),
    );
    compare(m, text, got, (r) => (r as ByteAllocator).alloc(this.size, this.align), step, name);
    if (typeof got === "string") {
      if (got !== "NoMemory") throw new Broken(`${text} failed with ${got}`);
      return;
    }
    const within = m.regions.map(([s, e]) =>
      `(${name} >= ${hex(s)} && ${name} + ${this.size} <= ${hex(e)})`
    );
    step.lines.push(
      `expect ${name} % ${this.align} == 0 "${text} aligned"`,
      `expect ${within.join(" || ")} "${text} inside the memory given"`,
      `expect live.add(${name}, ${this.size}) "${text} overlaps a live block"`,
    );
    if (got % this.align !== 0) {
      throw new Broken(`${text} gave ${hex(got)}, not aligned to ${this.align}`);
    }
    const clash = overlapping(m, got, this.size);
    if (clash !== undefined) {
      throw new Broken(
        `${text} gave ${hex(got)}, which overlaps the live ${clash.size}-byte block at ${
          hex(clash.start)
        }`,
      );
    }
    if (!inside(m, got, this.size)) {
      throw new Broken(`${text} gave ${hex(got)}, outside the memory given`);
    }
    insert(m, { start: got, bytes: this.size, name, size: this.size, align: this.align });
    checkStatistics(m, real, step);
  }
  toString(): string {
    return `alloc(${this.size}, ${this.align})`;
  }
}

class Dealloc implements fc.Command<Model, Real> {
  constructor(readonly pick: number) {}
  check(m: Readonly<Model>): boolean {
    return m.live.length > 0;
  }
  run(m: Model, real: Real): void {
    const i = this.pick % m.live.length;
    const b = m.live[i];
    m.live.splice(i, 1);
    const step: FuzzStep = { lines: [] };
    m.steps.push(step);
    const page = m.kind === "PageAllocator";
    const text = page
      ? `dealloc_pages(${hex(b.start)}, ${b.size})`
      : `dealloc(${hex(b.start)}, ${b.size}, ${b.align})`;
    step.lines.push(
      page
        ? `h.dealloc_pages(${b.name}, ${b.size})`
        : `h.dealloc(${b.name}, ${b.size}, ${b.align})`,
      `live.remove(${b.name})`,
    );
    const r = call(m, text, () =>
      outcome(() => {
        if (page) (real as PageAllocator).deallocPages(b.start, b.size);
        else (real as ByteAllocator).dealloc(b.start, b.size, b.align);
        return 0;
      }, text));
    if (typeof r === "string") throw new Broken(`${text} of a live block failed with ${r}`);
    if (m.reference !== undefined) {
      if (page) (m.reference as PageAllocator).deallocPages(b.start, b.size);
      else (m.reference as ByteAllocator).dealloc(b.start, b.size, b.align);
    }
    checkStatistics(m, real, step);
  }
  toString(): string {
    return `dealloc(#${this.pick})`;
  }
}

class AddMemory implements fc.Command<Model, Real> {
  check(m: Readonly<Model>): boolean {
    return m.added < 2;
  }
  run(m: Model, real: Real): void {
    const start = SUBJECT_BYTES.base + 0x20_0000 + m.added * 0x4_0000;
    const size = 0x1_0000;
    m.added++;
    const step: FuzzStep = { lines: [`h.add_memory(${hex(start)}, ${size})`] };
    m.steps.push(step);
    const text = `add_memory(${hex(start)}, ${size})`;
    const r = call(m, text, () => outcome(() => (real.addMemory(start, size), 0), text));
    if (typeof r === "string") throw new Broken(`${text} failed with ${r}`);
    m.reference?.addMemory(start, size);
    m.regions.push([start, start + size]);
    checkStatistics(m, real, step);
  }
  toString(): string {
    return "add_memory";
  }
}

class AllocPages implements fc.Command<Model, Real> {
  constructor(readonly pages: number, readonly align: number) {}
  check(): boolean {
    return true;
  }
  run(m: Model, real: Real): void {
    const name = `b${m.next++}`;
    const step: FuzzStep = { lines: [] };
    m.steps.push(step);
    const text = `alloc_pages(${this.pages}, ${this.align})`;
    step.lines.push(`let ${name} = h.try_alloc_pages(${this.pages}, ${this.align})`);
    const got = call(
      m,
      text,
      () => outcome(() => (real as PageAllocator).allocPages(this.pages, this.align), text),
    );
    compare(
      m,
      text,
      got,
      (r) => (r as PageAllocator).allocPages(this.pages, this.align),
      step,
      name,
    );
    if (typeof got === "string") {
      if (got !== "NoMemory") throw new Broken(`${text} failed with ${got}`);
      return;
    }
    const bytes = this.pages * 4096;
    step.lines.push(`expect live.add(${name}, ${bytes}) "${text} overlaps a live run"`);
    if (got % 4096 !== 0 || (this.pages > 1 && got % this.align !== 0)) {
      throw new Broken(`${text} gave ${hex(got)}, not aligned`);
    }
    const clash = overlapping(m, got, bytes);
    if (clash !== undefined) {
      throw new Broken(
        `${text} gave ${hex(got)}, which overlaps the live run at ${hex(clash.start)}`,
      );
    }
    if (!inside(m, got, bytes)) {
      throw new Broken(`${text} gave ${hex(got)}, outside the memory given`);
    }
    insert(m, { start: got, bytes, name, size: this.pages, align: this.align });
    checkStatistics(m, real, step);
  }
  toString(): string {
    return `alloc_pages(${this.pages}, ${this.align})`;
  }
}

class AllocPagesAt implements fc.Command<Model, Real> {
  constructor(readonly page: number, readonly pages: number) {}
  check(): boolean {
    return true;
  }
  run(m: Model, real: Real): void {
    const base = SUBJECT_PAGES.base + this.page * 4096;
    const bytes = this.pages * 4096;
    const name = `b${m.next++}`;
    const text = `alloc_pages_at(${hex(base)}, ${this.pages}, 4096)`;
    const step: FuzzStep = { lines: [] };
    m.steps.push(step);
    const free = inside(m, base, bytes) && overlapping(m, base, bytes) === undefined;
    const got = call(
      m,
      text,
      () => outcome(() => (real as PageAllocator).allocPagesAt(base, this.pages, 4096), text),
    );
    compare(
      m,
      text,
      got,
      (r) => (r as PageAllocator).allocPagesAt(base, this.pages, 4096),
      step,
      name,
    );
    if (free) {
      step.lines.push(`let ${name} = h.alloc_pages_at(${hex(base)}, ${this.pages}, 4K)`);
      step.lines.push(`expect ${name} == ${hex(base)} "${text} returns its base"`);
      if (got !== base) {
        throw new Broken(
          `${text} on free pages gave ${typeof got === "number" ? hex(got) : got}, not the base`,
        );
      }
      step.lines.push(`expect live.add(${name}, ${bytes})`);
      insert(m, { start: base, bytes, name, size: this.pages, align: 4096 });
    } else {
      step.lines.push(
        `expect error NoMemory { h.alloc_pages_at(${hex(base)}, ${this.pages}, 4K) } "taken pages"`,
      );
      if (got !== "NoMemory") {
        throw new Broken(
          `${text} on pages not all free gave ${
            typeof got === "number" ? hex(got) : got
          }, not NoMemory`,
        );
      }
    }
    checkStatistics(m, real, step);
  }
  toString(): string {
    return `alloc_pages_at(+${this.page}, ${this.pages})`;
  }
}

/** The command generators of an interface. */
function commands(kind: Model["kind"], alignments: number) {
  if (kind === "ByteAllocator") {
    return [
      fc.tuple(
        fc.oneof(fc.integer({ min: 1, max: 512 }), fc.integer({ min: 1, max: 65_536 })),
        fc.integer({ min: 0, max: alignments }),
      ).map(([size, shift]) => new Alloc(size, 1 << shift)),
      fc.nat().map((pick) => new Dealloc(pick)),
      fc.nat().map((pick) => new Dealloc(pick)),
      fc.constant(null).map(() => new AddMemory()),
    ];
  }
  return [
    fc.tuple(fc.integer({ min: 1, max: 16 }), fc.integer({ min: 0, max: 4 }))
      .map(([n, k]) => new AllocPages(n, 4096 << k)),
    fc.tuple(fc.integer({ min: 0, max: 4095 }), fc.integer({ min: 1, max: 8 }))
      .map(([page, n]) => new AllocPagesAt(page, n)),
    fc.nat().map((pick) => new Dealloc(pick)),
  ];
}

/**
 * Fuzzes a subject (a byte or page allocator) for at most `options.ms`
 * milliseconds. On a failure, fast-check shrinks the sequence; the
 * outcome's steps are the shrunk sequence as `.mms` lines.
 *
 * @example
 * ```ts ignore
 * const outcome = fuzzSubject(builtinTarget("tlsf")!.subject!, { seed: 1, ms: 500 });
 * console.log(outcome.failure ?? `${outcome.operations} operations, no failure`);
 * ```
 */
export function fuzzSubject(subject: Subject, options: FuzzOptions): FuzzOutcome {
  if (subject.kind === "IdAllocator") return { steps: [], runs: 0, operations: 0 };
  const kind = subject.kind;
  const region = kind === "PageAllocator" ? SUBJECT_PAGES : SUBJECT_BYTES;
  const operations = { count: 0 };
  let runs = 0;
  const setup = (): { model: Model; real: Real } => {
    const real = subject.make() as Real;
    real.init(region.base, region.size);
    const reference = options.exact?.();
    reference?.init(region.base, region.size);
    return {
      model: {
        kind,
        live: [],
        regions: [[region.base, region.base + region.size]],
        next: 0,
        added: 0,
        steps: [],
        reference,
        operations,
        onCall: options.onCall,
      },
      real,
    };
  };
  let last: Model | undefined;
  const property = fc.property(
    fc.commands(commands(kind, 12), { maxCommands: options.maxOperations ?? 300 }),
    (cmds) => {
      runs++;
      const s = setup();
      last = s.model;
      fc.modelRun(() => s, cmds);
    },
  );
  const details = fc.check(property, {
    seed: options.seed,
    numRuns: options.runs ?? 1_000_000,
    interruptAfterTimeLimit: options.ms,
    markInterruptAsFailure: false,
  });
  if (!details.failed || details.counterexample === null) {
    return { steps: [], runs, operations: operations.count };
  }
  // Replay the shrunk sequence once more, to log its steps.
  const [cmds] = details.counterexample;
  const s = setup();
  let failure = "";
  try {
    fc.modelRun(() => s, cmds);
  } catch (e) {
    failure = e instanceof Error ? e.message : String(e);
  }
  last = s.model;
  if (failure === "") {
    const err = details.errorInstance;
    failure = err instanceof Error ? err.message : String(err);
  }
  return { failure, steps: last.steps, runs, operations: operations.count };
}

/**
 * A conformance script that replays a fuzzing failure: `subject()`, each
 * step with its checks, in one contract.
 *
 * @example
 * ```ts ignore
 * Deno.writeTextFileSync("repro.mms", reproducer("ByteAllocator", outcome, "seed 1"));
 * ```
 */
export function reproducer(
  kind: "ByteAllocator" | "PageAllocator" | "IdAllocator",
  outcome: FuzzOutcome,
  how: string,
): string {
  const lines = [
    `# interface: ${kind}`,
    "# level: contract",
    `# Written by deno task fuzz (${how}): ${outcome.steps.length} operations that break`,
    `# "${outcome.failure ?? ""}".`,
    "",
    `contract "fuzz reproducer: ${
      (outcome.failure ?? "").replaceAll('"', "'").replaceAll("{", "\\{").replaceAll("}", "\\}")
    }" {`,
    "  let h = subject()",
    "  let live = blocks()",
  ];
  for (const step of outcome.steps) for (const line of step.lines) lines.push(`  ${line}`);
  lines.push("}");
  return lines.join("\n") + "\n";
}
