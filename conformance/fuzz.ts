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
import { AllocError, NO_MEMORY } from "../mm/allocator/alloc_error.ts";
import {
  type ByteAllocator,
  hasManagedMemory,
  type IdAllocator,
  type ManagedMemory,
  type PageAllocator,
} from "../mm/allocator/traits.ts";
import { SUBJECT_BYTES, SUBJECT_IDS, SUBJECT_PAGES } from "../runtime/builtins.ts";
import type { Subject } from "../runtime/world.ts";
import { describeThrown } from "../runtime/errors.ts";
import { alignUp } from "../hal/int.ts";

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
  /**
   * Whether an exhaustion of the empty allocator must fit as many blocks as
   * the last one with the same request (default true; false for allocators
   * whose caches keep freed memory for one size class, like a slab).
   */
  capacityComesBack?: boolean;
  /** The largest alignment a byte allocation asks for (default 131072: 2^17). */
  maxAlign?: number;
  /** A reference model to compare every result with (differential testing). */
  exact?: () => ByteAllocator | PageAllocator | IdAllocator;
  /**
   * Told of each call as it starts (`""` when it returns), for the runner's
   * time limits; `#` in its text stands for `address` when one is given.
   */
  onCall?: (op: string, address?: number) => void;
  /**
   * Told of the reproducer lines of the sequence being run, as they are
   * made ({@linkcode STEP_MARK} before each step, `undefined` when a new
   * sequence starts): if a call never returns, the runner writes them out.
   */
  onLine?: (line: string | undefined) => void;
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

type Real = ByteAllocator | PageAllocator | IdAllocator;

/** The state the commands share: the model of what is live, and the log. */
interface Model {
  kind: "ByteAllocator" | "PageAllocator" | "IdAllocator";
  /** Live blocks, sorted by start; `group` for blocks of an `Exhaust`, freed only by `FreeAll`. */
  live: {
    start: number;
    bytes: number;
    name: string;
    size: number;
    align: number;
    group?: string;
  }[];
  /** The sum of the live blocks' sizes (IDs: the live IDs). */
  liveSize: number;
  /** Blocks an `Exhaust` fitted into an empty allocator, by request: capacity must come back. */
  capacity: Map<string, { count: number; name: string }>;
  /** Whether capacity must come back (see {@linkcode FuzzOptions.capacityComesBack}). */
  capacityComesBack: boolean;
  /** Memory given and taken: [start, end) (whole pages, for a page allocator). */
  regions: [number, number][];
  /**
   * The same, as the reproducer states it: each added region with the
   * name of the variable saying whether the allocator took it (it may
   * refuse one), so that the reproducer holds for any correct allocator.
   */
  given: { start: number; end: number; taken?: string }[];
  /** The largest alignment asked, as a power of two: the first region's size, within the subject's limit. */
  maxShift: number;
  /** Starts of the regions some block has lain in (a slab keeps freed memory in its caches). */
  served: Set<number>;
  next: number;
  added: number;
  steps: FuzzStep[];
  reference?: Real;
  /** The allocator's own bytes, where a module manages real memory: live blocks hold patterns there. */
  memory?: ManagedMemory;
  operations: { count: number };
  onCall?: (op: string, address?: number) => void;
  onLine?: (line: string | undefined) => void;
}

/** `alloc_id(count, align)`'s outcome, asked without an exception where the allocator can. */
function idOutcome(r: IdAllocator, count: number, align: number, what: string): number | string {
  const quiet = r.tryAllocId;
  if (quiet === undefined) return outcome(() => r.allocId(count, align), what);
  const id = outcome(() => quiet.call(r, count, align), what);
  return id === NO_MEMORY ? "NoMemory" : id;
}

/** A new step of the sequence: its lines go to the log as they are made. */
function begin(m: Model, ...lines: string[]): FuzzStep {
  const step: FuzzStep = { lines };
  const onLine = m.onLine;
  if (onLine !== undefined) {
    // The line log gets each line as it is made.
    onLine(STEP_MARK);
    for (const l of lines) onLine(l);
    const push = lines.push.bind(lines);
    lines.push = (...more: string[]) => {
      for (const l of more) onLine(l);
      return push(...more);
    };
  }
  m.steps.push(step);
  return step;
}

/** The line that starts each step in the line log (see {@linkcode FuzzOptions.onLine}). */
export const STEP_MARK = "# step";

/**
 * The steps of a line log: its lines, split where each step starts.
 *
 * @example
 * ```ts
 * import { STEP_MARK, stepsOfLog } from "./fuzz.ts";
 * console.log(stepsOfLog([STEP_MARK, "let b0 = h.try_alloc(8, 8)"]).length); // 1
 * ```
 */
export function stepsOfLog(lines: string[]): FuzzStep[] {
  const steps: FuzzStep[] = [];
  for (const line of lines) {
    if (line === STEP_MARK) steps.push({ lines: [] });
    else if (steps.length > 0) steps[steps.length - 1].lines.push(line);
  }
  return steps.filter((s) => s.lines.length > 0);
}

const hex = (n: number) => "0x" + n.toString(16);

/** A call's text, or how to make it (only when it is shown: a hang's name, a failure). */
type CallText = string | (() => string);

const textOf = (t: CallText): string => typeof t === "string" ? t : t();

/**
 * Makes a call of the allocator under test, told to whoever watches:
 * `text` names it, or `template` (with `#` for `address`) where a run of
 * the same call at different addresses is likely (frees).
 */
function call<T>(
  m: Model,
  text: CallText,
  fn: () => T,
  template?: string,
  address?: number,
): T {
  m.operations.count++;
  const onCall = m.onCall;
  if (onCall === undefined) return fn();
  if (template !== undefined) onCall(template, address);
  else onCall(textOf(text));
  try {
    return fn();
  } finally {
    onCall("");
  }
}

/** The result of a call: an address, or the AllocError's kind; anything else is broken. */
function outcome(fn: () => number, text: CallText): number | string {
  try {
    return fn();
  } catch (e) {
    if (e instanceof AllocError) return e.kind;
    throw new Broken(`${textOf(text)} threw ${describeThrown(e)}`);
  }
}

/** Two lists sorted by start, as one. */
function merged(a: Model["live"], b: Model["live"]): Model["live"] {
  if (b.length === 0) return a;
  if (a.length === 0) return b;
  const out: Model["live"] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) out.push(a[i].start <= b[j].start ? a[i++] : b[j++]);
  while (i < a.length) out.push(a[i++]);
  while (j < b.length) out.push(b[j++]);
  return out;
}

/** Where `start` goes in the sorted live list. */
function position(m: Model, start: number): number {
  let lo = 0;
  let hi = m.live.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (m.live[mid].start < start) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function insert(m: Model, block: Model["live"][number]): void {
  m.live.splice(position(m, block.start), 0, block);
  m.liveSize += block.size;
  if (m.kind !== "IdAllocator") mark(m, block); // (IDs have no regions to serve, no memory)
}

/** A new live block's region has served, and (in a module's own memory) the block holds its pattern. */
function mark(m: Model, block: Model["live"][number]): void {
  const regions = m.regions;
  for (let i = 0; i < regions.length; i++) {
    const [s, e] = regions[i];
    if (block.start >= s && block.start < e) m.served.add(s);
  }
  if (m.memory !== undefined && m.kind !== "IdAllocator") {
    const bytes = m.memory.managedBytes(block.start, block.bytes);
    if (bytes !== undefined) {
      // The pattern from the block's own rotation, a window of the table at a time.
      const rot = rotation(block.start);
      for (let i = 0; i < bytes.length; i += PATTERN_BYTES) {
        const n = Math.min(PATTERN_BYTES, bytes.length - i);
        bytes.set(PATTERN.subarray(rot, rot + n), i);
      }
    }
  }
}

/** The pattern's period. */
const PATTERN_BYTES = 4096;

/**
 * The table live blocks' patterns are windows of (twice over, so that any
 * window of a period is one run): seeded bytes that repeat nowhere within
 * a period.
 */
const PATTERN: Uint8Array = (() => {
  const t = new Uint8Array(2 * PATTERN_BYTES);
  let x = 0x9e3779b9;
  for (let i = 0; i < PATTERN_BYTES; i++) {
    x = Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) + 0x297a2d39 | 0;
    t[i] = t[i + PATTERN_BYTES] = (x >>> 24) ^ (i * 131);
  }
  return t;
})();

/** Where in the table a block's pattern starts: from its start, so that neighbours differ. */
function rotation(start: number): number {
  return (Math.imul(Math.floor(start / 8) | 0, 0x9e3779b1) >>> 20) & (PATTERN_BYTES - 1);
}

/** A live block must still hold its pattern when it is freed (and when a sequence ends). */
function checkContents(m: Model, block: Model["live"][number], when: string): void {
  if (m.memory === undefined || m.kind === "IdAllocator") return;
  const bytes = m.memory.managedBytes(block.start, block.bytes);
  if (bytes === undefined) return;
  const rot = rotation(block.start);
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] !== PATTERN[rot + (i & (PATTERN_BYTES - 1))]) {
      throw new Broken(
        `live blocks keep their contents: the ${block.bytes}-byte block at ${
          hex(block.start)
        } changed ${when}, at offset ${i} (the allocator wrote into a live block)`,
      );
    }
  }
}

function overlapping(m: Model, start: number, bytes: number): Model["live"][number] | undefined {
  const i = position(m, start);
  for (const b of [m.live[i - 1], m.live[i]]) {
    if (
      b !== undefined && start < b.start + Math.max(b.bytes, 1) &&
      b.start < start + Math.max(bytes, 1)
    ) return b;
  }
  return undefined;
}

function inside(m: Model, start: number, bytes: number): boolean {
  return m.regions.some(([s, e]) => start >= s && start + bytes <= e);
}

/** The reproducer's condition that `[name, name + bytes)` lies in the memory given. */
function withinText(m: Model, name: string, bytes: number): string {
  return m.given.map(({ start, end, taken }) =>
    `(${taken === undefined ? "" : `${taken} && `}${name} >= ${
      hex(start)
    } && ${name} + ${bytes} <= ${hex(end)})`
  ).join(" || ");
}

/** A new block of `bytes` at `got` (from `text`) lies apart from the live ones, in the memory given. */
function checkPlace(m: Model, text: string, got: number, bytes: number): void {
  const clash = overlapping(m, got, bytes);
  if (clash !== undefined) {
    throw new Broken(
      `${text} gave ${hex(got)}, which overlaps the live ${clash.bytes}-byte block at ${
        hex(clash.start)
      }`,
    );
  }
  if (!inside(m, got, bytes)) {
    throw new Broken(`${text} gave ${hex(got)}, outside the memory given`);
  }
}

/** The statistics: within bounds, adding up (and equal to the reference's, differentially). */
function checkStatistics(m: Model, real: Real, step: FuzzStep): void {
  const [t, u, a, names] = "totalBytes" in real
    ? [real.totalBytes(), real.usedBytes(), real.availableBytes(), [
      "total_bytes",
      "used_bytes",
      "available_bytes",
    ]]
    : "totalPages" in real
    ? [real.totalPages(), real.usedPages(), real.availablePages(), [
      "total_pages",
      "used_pages",
      "available_pages",
    ]]
    : [real.size(), real.used(), real.available(), ["size", "used", "available"]];
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
  if (m.kind === "IdAllocator") {
    // IDs are counted exactly: used is the number of live IDs.
    const live = m.liveSize;
    step.lines.push(`expect h.used == live.total "used counts the live IDs"`);
    if (u !== live) throw new Broken(`used() says ${u} IDs, but ${live} are live`);
  }
  const ref = m.reference;
  if (ref !== undefined) {
    const r = "totalBytes" in ref
      ? [ref.totalBytes(), ref.usedBytes(), ref.availableBytes()]
      : "totalPages" in ref
      ? [ref.totalPages(), ref.usedPages(), ref.availablePages()]
      : [ref.size(), ref.used(), ref.available()];
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

/**
 * `alloc(size, align)`: `size` bytes, or with `half` a share of half the
 * first region (`half / 65536` of it); the alignment `2^shift`, at most the
 * largest power of two in the region's size (and the subject's limit).
 */
class Alloc implements fc.Command<Model, Real> {
  size = 0;
  align = 1;
  constructor(readonly ask: number, readonly shift: number, readonly half = false) {}
  check(): boolean {
    return true;
  }
  run(m: Model, real: Real): void {
    const [lo, hi] = m.regions[0];
    this.size = this.half ? Math.max(1, Math.floor(this.ask / 65536 * (hi - lo) / 2)) : this.ask;
    this.align = 2 ** Math.min(this.shift, m.maxShift);
    const name = `b${m.next++}`;
    const step = begin(m);
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
    // Another allocator may have no room here (its blocks lie elsewhere):
    // the checks hold for whatever it answers.
    step.lines.push(
      `if ${name} != null {`,
      `  expect ${name} % ${this.align} == 0 "${text} aligned"`,
      `  expect ${withinText(m, name, this.size)} "${text} inside the memory given"`,
      `  expect live.add(${name}, ${this.size}) "${text} overlaps a live block"`,
      `}`,
    );
    if (got % this.align !== 0) {
      throw new Broken(`${text} gave ${hex(got)}, not aligned to ${this.align}`);
    }
    checkPlace(m, text, got, this.size);
    insert(m, { start: got, bytes: this.size, name, size: this.size, align: this.align });
    checkStatistics(m, real, step);
  }
  toString(): string {
    return this.half
      ? `alloc(${this.ask}/65536 of half, 2^${this.shift})`
      : `alloc(${this.ask}, 2^${this.shift})`;
  }
}

class Dealloc implements fc.Command<Model, Real> {
  constructor(readonly pick: number) {}
  check(m: Readonly<Model>): boolean {
    return m.live.some((b) => b.group === undefined);
  }
  run(m: Model, real: Real): void {
    const named = m.live.filter((b) => b.group === undefined);
    const b = named[this.pick % named.length];
    m.live.splice(m.live.indexOf(b), 1);
    m.liveSize -= b.size;
    const step = begin(m);
    free(m, real, b, step, b.name);
    checkStatistics(m, real, step);
  }
  toString(): string {
    return `dealloc(#${this.pick})`;
  }
}

/**
 * `add_memory` of a region past the last one, with a gap: its size and gap
 * drawn. The allocator may refuse it (`InvalidParam` for a shape it does
 * not take, `NoMemory` where it cannot add memory, as the bitmap page
 * allocator); a region it takes, it must use.
 */
class AddMemory implements fc.Command<Model, Real> {
  constructor(readonly size: number, readonly gap: number) {}
  check(m: Readonly<Model>): boolean {
    return m.added < 2;
  }
  run(m: Model, real: Real): void {
    const last = m.given[m.given.length - 1].end;
    const page = m.kind === "PageAllocator";
    const start = page
      ? alignUp(last + this.gap, 4096) + (this.gap % 3 === 0 ? 8 : 0)
      : last + this.gap;
    const size = this.size;
    const taken = `a${m.added++}`;
    const text = `add_memory(${hex(start)}, ${size})`;
    const step = begin(m, `let ${taken} = h.try_add_memory(${hex(start)}, ${size})`);
    const r = call(m, text, () => outcome(() => (real.addMemory(start, size), 0), text));
    if (typeof r === "string" && r !== "InvalidParam" && r !== "NoMemory") {
      throw new Broken(`${text} failed with ${r}`);
    }
    if (m.reference !== undefined) {
      const want = outcome(() => (m.reference!.addMemory(start, size), 0), `the model's ${text}`);
      step.lines.push(
        `expect ${want === 0 ? "" : "!"}${taken} "the model ${
          want === 0 ? "takes" : `refuses (${want})`
        } the region"`,
      );
      if (want !== r) {
        throw new Broken(
          `${text} gave ${r === 0 ? "ok" : r}, the model ${want === 0 ? "ok" : want}`,
        );
      }
    }
    const [lo, hi] = page
      ? [alignUp(start, 4096), Math.floor((start + size) / 4096) * 4096]
      : [start, start + size];
    m.given.push({ start: lo, end: Math.max(lo, hi), taken });
    if (r === 0) {
      m.regions.push([lo, Math.max(lo, hi)]);
      m.capacity.clear(); // more memory: the capacities seen before no longer apply
    }
    checkStatistics(m, real, step);
  }
  toString(): string {
    return `add_memory(${this.size}, gap ${this.gap})`;
  }
}

/** `alloc_pages(n, align)`: the alignment `4096 << shift`, at most the largest power of two in the region. */
class AllocPages implements fc.Command<Model, Real> {
  align = 4096;
  constructor(readonly pages: number, readonly shift: number) {}
  check(): boolean {
    return true;
  }
  run(m: Model, real: Real): void {
    this.align = 2 ** Math.max(12, Math.min(12 + this.shift, m.maxShift));
    const name = `b${m.next++}`;
    const step = begin(m);
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
    step.lines.push(
      `if ${name} != null {`,
      `  expect ${name} % ${this.pages > 1 ? this.align : 4096} == 0 "${text} aligned"`,
      `  expect ${withinText(m, name, bytes)} "${text} inside the memory given"`,
      `  expect live.add(${name}, ${bytes}) "${text} overlaps a live run"`,
      `}`,
    );
    if (got % 4096 !== 0 || (this.pages > 1 && got % this.align !== 0)) {
      throw new Broken(`${text} gave ${hex(got)}, not aligned`);
    }
    checkPlace(m, text, got, bytes);
    insert(m, { start: got, bytes, name, size: this.pages, align: this.align });
    checkStatistics(m, real, step);
  }
  toString(): string {
    return `alloc_pages(${this.pages}, 4096 << ${this.shift})`;
  }
}

/**
 * `alloc_pages_at(base, n, 4096)`, with `base` the page `at / 65536` of the
 * way through the first region, from two pages below it to two past its
 * end (runs across both ends included).
 */
class AllocPagesAt implements fc.Command<Model, Real> {
  constructor(readonly at: number, readonly pages: number) {}
  check(): boolean {
    return true;
  }
  run(m: Model, real: Real): void {
    const [lo, hi] = m.regions[0];
    const count = (hi - lo) / 4096;
    const base = lo + (Math.floor(this.at / 65536 * (count + 4)) - 2) * 4096;
    const bytes = this.pages * 4096;
    const name = `b${m.next++}`;
    const text = `alloc_pages_at(${hex(base)}, ${this.pages}, 4096)`;
    const step = begin(m);
    const free = inside(m, base, bytes) && overlapping(m, base, bytes) === undefined;
    const got = call(
      m,
      text,
      () => outcome(() => (real as PageAllocator).allocPagesAt(base, this.pages, 4096), text),
    );
    // Free or not by the script's own record of what is live (and of the
    // memory the allocator took), so that it holds on any allocator.
    const ask = `h.alloc_pages_at(${hex(base)}, ${this.pages}, 4K)`;
    step.lines.push(
      `let ${name} = null`,
      `if (${withinText(m, hex(base), bytes)}) && live.add(${hex(base)}, ${bytes}) {`,
      `  ${name} = ${ask}`,
      `  expect ${name} == ${hex(base)} "${text} on free pages returns its base"`,
      `} else {`,
      `  expect error NoMemory { ${ask} } "${text} on pages not all free (or not all given)"`,
      `}`,
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
      if (got !== base) {
        throw new Broken(
          `${text} on free pages gave ${typeof got === "number" ? hex(got) : got}, not the base`,
        );
      }
      insert(m, { start: base, bytes, name, size: this.pages, align: 4096 });
    } else {
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
    return `alloc_pages_at(${this.at}/65536, ${this.pages})`;
  }
}

/**
 * `lines` about the block `name`, run only where it is not `null` (the
 * allocator running the reproducer may have had no room for it); the
 * members of an exhausted group (`p`) always are.
 */
function guarded(name: string, lines: string[]): string[] {
  return name === "p" ? lines : [`if ${name} != null {`, ...lines.map((l) => `  ${l}`), `}`];
}

/**
 * Frees one live block (already taken off the model's list); `name` is its
 * reproducer expression, and its lines go to `step` (none: the caller
 * writes them, as a loop over a group).
 */
function free(
  m: Model,
  real: Real,
  b: Model["live"][number],
  step: FuzzStep | undefined,
  name: string,
): void {
  if (m.kind === "IdAllocator") return freeIds(m, real as IdAllocator, b, step, name);
  checkContents(m, b, "before it was freed");
  const page = m.kind === "PageAllocator";
  const text = () =>
    page
      ? `dealloc_pages(${hex(b.start)}, ${b.size})`
      : `dealloc(${hex(b.start)}, ${b.size}, ${b.align})`;
  step?.lines.push(...guarded(name, [
    page ? `h.dealloc_pages(${name}, ${b.size})` : `h.dealloc(${name}, ${b.size}, ${b.align})`,
    `live.remove(${name})`,
  ]));
  const r = call(
    m,
    text,
    () =>
      outcome(() => {
        if (page) (real as PageAllocator).deallocPages(b.start, b.size);
        else (real as ByteAllocator).dealloc(b.start, b.size, b.align);
        return 0;
      }, text),
    m.onCall === undefined
      ? undefined
      : page
      ? `dealloc_pages(#, ${b.size})`
      : `dealloc(#, ${b.size}, ${b.align})`,
    b.start,
  );
  if (typeof r === "string") throw new Broken(`${text()} of a live block failed with ${r}`);
  if (m.reference !== undefined) {
    if (page) (m.reference as PageAllocator).deallocPages(b.start, b.size);
    else (m.reference as ByteAllocator).dealloc(b.start, b.size, b.align);
  }
}

/** Frees a live run of IDs; the first is then free. */
function freeIds(
  m: Model,
  real: IdAllocator,
  b: Model["live"][number],
  step: FuzzStep | undefined,
  name: string,
): void {
  const text = () => `dealloc_id(${b.start}, ${b.size})`;
  step?.lines.push(...guarded(name, [
    `h.dealloc_id(${name}, ${b.size})`,
    `live.remove(${name})`,
    `expect !h.is_allocated(${name}) "${text()} frees ID ${b.start}"`,
  ]));
  const r = call(
    m,
    text,
    () => outcome(() => (real.deallocId(b.start, b.size), 0), text),
    m.onCall === undefined ? undefined : `dealloc_id(%, ${b.size})`,
    b.start,
  );
  if (typeof r === "string") throw new Broken(`${text()} of live IDs failed with ${r}`);
  (m.reference as IdAllocator | undefined)?.deallocId(b.start, b.size);
  if (real.isAllocated(b.start)) {
    throw new Broken(`after ${text()}, ID ${b.start} is still allocated`);
  }
}

/** The first free run of `count` IDs aligned to `align` in the model, if any. */
function freeRun(m: Model, count: number, align: number): number | undefined {
  const [lo, hi] = m.regions[0];
  let at = Math.ceil(lo / align) * align;
  for (const b of m.live) {
    if (at + count <= b.start) return at;
    if (b.start + b.size > at) at = Math.ceil((b.start + b.size) / align) * align;
  }
  return at + count <= hi ? at : undefined;
}

/** `alloc_id(count, align)`: aligned, in range, apart, allocated; `NoMemory` only when no run is free. */
class AllocId implements fc.Command<Model, Real> {
  align = 1;
  constructor(readonly count: number, readonly shift: number) {}
  check(): boolean {
    return true;
  }
  run(m: Model, real: Real): void {
    this.align = 2 ** Math.min(this.shift, m.maxShift);
    const ids = real as IdAllocator;
    const name = `b${m.next++}`;
    const step = begin(m);
    const text = `alloc_id(${this.count}, ${this.align})`;
    const got = call(m, text, () => idOutcome(ids, this.count, this.align, text));
    step.lines.push(`let ${name} = h.try_alloc_id(${this.count}, ${this.align})`);
    compare(m, text, got, (r) => (r as IdAllocator).allocId(this.count, this.align), step, name);
    if (typeof got === "string") {
      if (got !== "NoMemory") throw new Broken(`${text} failed with ${got}`);
      const room = freeRun(m, this.count, this.align);
      if (room !== undefined) {
        // The script's own record says the run is free (where it has room
        // for it, NoMemory is wrong).
        step.lines.push(
          `expect ${name} != null || !live.add(${room}, ${this.count}) "NoMemory while IDs ${room} to ${
            room + this.count - 1
          } were free"`,
        );
        throw new Broken(
          `${text} failed with NoMemory while IDs ${room} to ${room + this.count - 1} were free`,
        );
      }
      return;
    }
    const [lo, hi] = m.regions[0];
    step.lines.push(...guarded(name, [
      `expect ${name} % ${this.align} == 0 "${text} aligned"`,
      `expect ${name} >= ${lo} && ${name} + ${this.count} <= ${hi} "${text} in range"`,
      `expect live.add(${name}, ${this.count}) "${text} hands out live IDs"`,
      `expect h.is_allocated(${name}) && h.is_allocated(${name} + ${
        this.count - 1
      }) "${text} marks its IDs"`,
    ]));
    if (got % this.align !== 0) throw new Broken(`${text} gave ${got}, not aligned`);
    if (got < lo || got + this.count > hi) throw new Broken(`${text} gave ${got}, out of range`);
    const clash = overlapping(m, got, this.count);
    if (clash !== undefined) {
      throw new Broken(`${text} gave ${got}, which overlaps the live IDs from ${clash.start}`);
    }
    if (!ids.isAllocated(got) || !ids.isAllocated(got + this.count - 1)) {
      throw new Broken(`${text} gave ${got}, but is_allocated says its IDs are free`);
    }
    insert(m, { start: got, bytes: this.count, name, size: this.count, align: this.align });
    checkStatistics(m, real, step);
  }
  toString(): string {
    return `alloc_id(${this.count}, 2^${this.shift})`;
  }
}

/** `alloc_fixed_id(id)`: takes a free ID; a taken one is `NoMemory`. */
/**
 * `alloc_id(count, align)` until `NoMemory`: every run aligned, in range,
 * apart and allocated; `NoMemory` only when no aligned run is free; from
 * an empty allocator with `count` 1 and alignment 1, every ID is taken.
 */
class ExhaustIds implements fc.Command<Model, Real> {
  align = 1;
  constructor(readonly count: number, readonly shift: number) {}
  /** On ranges of up to 1024 IDs: a sequence and each replay of its shrinking stay short. */
  check(m: Readonly<Model>): boolean {
    const [lo, hi] = m.regions[0];
    return hi - lo <= 1024;
  }
  run(m: Model, real: Real): void {
    this.align = 2 ** Math.min(this.shift, m.maxShift);
    const ids = real as IdAllocator;
    const [lo, hi] = m.regions[0];
    const group = `g${m.next}`;
    const e = `e${m.next++}`;
    const ask = `h.try_alloc_id(${this.count}, ${this.align})`;
    const text = `alloc_id(${this.count}, ${this.align})`;
    const step = begin(
      m,
      `let ${group} = blocks()`,
      `let ${e} = ${ask}`,
      `while ${e} != null {`,
      `  expect ${e} % ${this.align} == 0 && ${e} >= ${lo} && ${e} + ${this.count} <= ${hi} "${text} aligned, in range"`,
      `  expect live.add(${e}, ${this.count}) "${text} hands out live IDs"`,
      `  ${group}.add(${e}, ${this.count})`,
      `  ${e} = ${ask}`,
      `}`,
    );
    const got1 = (r: Real, what: string) =>
      idOutcome(r as IdAllocator, this.count, this.align, what);
    const fresh: Model["live"] = [];
    for (let n = 1;; n++) {
      const got = call(m, text, () => got1(real, text));
      if (m.reference !== undefined) {
        const want = got1(m.reference, `the model's ${text}`);
        if (want !== got) {
          throw new Broken(
            `${text} (number ${n} in a row) gave ${describe(got)}, the model ${describe(want)}`,
          );
        }
      }
      if (typeof got === "string") {
        if (got !== "NoMemory") throw new Broken(`${text} failed with ${got}`);
        // The run's IDs join the live list first: free runs are counted among all of them.
        fresh.sort((a, b) => a.start - b.start);
        for (let i = 1; i < fresh.length; i++) {
          if (fresh[i].start < fresh[i - 1].start + this.count) {
            throw new Broken(
              `${text} gave ${fresh[i].start}, which overlaps the live IDs from ${
                fresh[i - 1].start
              }`,
            );
          }
        }
        m.live = merged(m.live, fresh);
        m.liveSize += fresh.length * this.count;
        const room = freeRun(m, this.count, this.align);
        if (room !== undefined) {
          throw new Broken(
            `${text} failed with NoMemory while IDs ${room} to ${room + this.count - 1} were free`,
          );
        }
        break;
      }
      if (got % this.align !== 0) throw new Broken(`${text} gave ${got}, not aligned`);
      if (got < lo || got + this.count > hi) throw new Broken(`${text} gave ${got}, out of range`);
      const clash = overlapping(m, got, this.count);
      if (clash !== undefined) {
        throw new Broken(`${text} gave ${got}, which overlaps the live IDs from ${clash.start}`);
      }
      if (!ids.isAllocated(got)) {
        throw new Broken(`${text} gave ${got}, but is_allocated says it is free`);
      }
      // Merged into the live list at the end (see Exhaust).
      fresh.push({
        start: got,
        bytes: this.count,
        name: "",
        size: this.count,
        align: this.align,
        group,
      });
    }
    checkStatistics(m, real, step);
  }
  toString(): string {
    return `exhaust_ids(${this.count}, 2^${this.shift})`;
  }
}

/** `alloc_fixed_id(id)`, with `id` the `pick`th of the range (modulo its size). */
class AllocFixedId implements fc.Command<Model, Real> {
  id = 0;
  constructor(readonly pick: number) {}
  check(): boolean {
    return true;
  }
  run(m: Model, real: Real): void {
    const [lo, hi] = m.regions[0];
    this.id = lo + this.pick % (hi - lo);
    const ids = real as IdAllocator;
    const name = `b${m.next++}`;
    const step = begin(m);
    const text = `alloc_fixed_id(${this.id})`;
    const free = overlapping(m, this.id, 1) === undefined;
    const quiet = ids.tryAllocFixedId;
    const raw = call(
      m,
      text,
      () =>
        quiet === undefined
          ? outcome(() => (ids.allocFixedId(this.id), this.id), text)
          : outcome(() => quiet.call(ids, this.id) ? this.id : NO_MEMORY, text),
    );
    const got = raw === NO_MEMORY ? "NoMemory" : raw;
    if (m.reference !== undefined) {
      const want = outcome(
        () => ((m.reference as IdAllocator).allocFixedId(this.id), this.id),
        `the model's ${text}`,
      );
      if (want !== got) {
        throw new Broken(`${text} gave ${describe(got)}, the model ${describe(want)}`);
      }
    }
    // Free or taken by the script's own record, so that it holds on any allocator.
    step.lines.push(
      `let ${name} = null`,
      `if live.add(${this.id}, 1) {`,
      `  h.alloc_fixed_id(${this.id})`,
      `  ${name} = ${this.id}`,
      `  expect h.is_allocated(${name}) "${text} of a free ID takes it"`,
      `} else {`,
      `  expect error NoMemory { h.alloc_fixed_id(${this.id}) } "${text} of a taken ID"`,
      `}`,
    );
    if (free) {
      if (got !== this.id) throw new Broken(`${text} of a free ID failed with ${got}`);
      if (!ids.isAllocated(this.id)) throw new Broken(`after ${text}, the ID is not allocated`);
      insert(m, { start: this.id, bytes: 1, name, size: 1, align: 1 });
    } else {
      if (got !== "NoMemory") {
        throw new Broken(`${text} of a taken ID gave ${describe(got)}, not NoMemory`);
      }
    }
    checkStatistics(m, real, step);
  }
  toString(): string {
    return `alloc_fixed_id(#${this.pick})`;
  }
}

const describe = (v: number | string) => (typeof v === "number" ? hex(v) : v);

/**
 * Allocates one request until `NoMemory`: the blocks must be aligned, inside
 * and apart; from an empty allocator the count must be what it was the
 * last time (capacity comes back); a small request may not fail while
 * added memory lies unused.
 */
class Exhaust implements fc.Command<Model, Real> {
  constructor(readonly size: number, readonly align: number) {}
  check(): boolean {
    return true;
  }
  run(m: Model, real: Real): void {
    const page = m.kind === "PageAllocator";
    const group = `g${m.next}`;
    const n = `n${m.next}`;
    const e = `e${m.next++}`;
    const bytes = page ? this.size * 4096 : this.size;
    const unit = page ? 4096 : this.align;
    const ask = page
      ? `h.try_alloc_pages(${this.size}, ${this.align})`
      : `h.try_alloc(${this.size}, ${this.align})`;
    const text = page
      ? `alloc_pages(${this.size}, ${this.align})`
      : `alloc(${this.size}, ${this.align})`;
    const empty = m.live.length === 0;
    const step = begin(
      m,
      `let ${group} = blocks()`,
      `let ${n} = 0`,
      `let ${e} = ${ask}`,
      `while ${e} != null {`,
      `  expect ${e} % ${unit} == 0 "${text} aligned"`,
      `  expect ${withinText(m, e, bytes)} "${text} inside the memory given"`,
      `  expect live.add(${e}, ${bytes}) "${text} overlaps a live block"`,
      `  ${group}.add(${e}, ${bytes})`,
      `  ${n} = ${n} + 1`,
      `  ${e} = ${ask}`,
      `}`,
    );
    const once = (r: Real) => () =>
      page
        ? (r as PageAllocator).allocPages(this.size, this.align)
        : (r as ByteAllocator).alloc(this.size, this.align);
    // A model that answers NoMemory without an exception is asked that way
    // (an exhaustion ends in NoMemory every time).
    const attempt = (r: Real, what: string): number | string => {
      const quiet = page ? (r as PageAllocator).tryAllocPages : (r as ByteAllocator).tryAlloc;
      if (quiet === undefined) return outcome(once(r), what);
      const p = outcome(() => quiet.call(r, this.size, this.align), what);
      return p === NO_MEMORY ? "NoMemory" : p;
    };
    // The blocks go into the live list once the exhaustion ends (one merge,
    // not an insertion each); until then each is checked against the blocks
    // live before it, and against each other at the end.
    const fresh: Model["live"] = [];
    let count = 0;
    for (;;) {
      const got = call(m, text, () => attempt(real, text));
      if (m.reference !== undefined) {
        const want = attempt(m.reference, `the model's ${text}`);
        if (want !== got) {
          throw new Broken(
            `${text} (number ${count + 1} in a row) gave ${describe(got)}, the model ${
              describe(want)
            }`,
          );
        }
      }
      if (typeof got === "string") {
        if (got !== "NoMemory") throw new Broken(`${text} failed with ${got}`);
        break;
      }
      if (got % unit !== 0) throw new Broken(`${text} gave ${hex(got)}, not aligned`);
      checkPlace(m, text, got, bytes);
      const block = { start: got, bytes, name: "", size: this.size, align: this.align, group };
      fresh.push(block);
      mark(m, block);
      count++;
    }
    fresh.sort((a, b) => a.start - b.start);
    for (let i = 1; i < fresh.length; i++) {
      if (fresh[i].start < fresh[i - 1].start + Math.max(bytes, 1)) {
        throw new Broken(
          `${text} gave ${hex(fresh[i].start)}, which overlaps the live ${bytes}-byte block at ${
            hex(fresh[i - 1].start)
          }`,
        );
      }
    }
    m.live = merged(m.live, fresh);
    m.liveSize += count * this.size;
    const key = `${this.size}/${this.align}`;
    if (empty) {
      const earlier = m.capacity.get(key);
      if (earlier !== undefined) {
        // Against the count the script itself made before, never this
        // allocator's number: the reproducer holds for any correct allocator.
        step.lines.push(
          `expect ${n} == ${earlier.name} "capacity comes back: {${earlier.name}} blocks fitted before"`,
        );
        if (count !== earlier.count) {
          throw new Broken(
            `capacity did not come back: ${earlier.count} blocks of ${text} fitted the empty allocator before, now ${count}`,
          );
        }
      } else if (m.capacityComesBack) m.capacity.set(key, { count, name: n });
    }
    // A small request may not fail while memory added (and taken) lies
    // unused: a region that can hold a few of them.
    if (page ? this.size === 1 && this.align === 4096 : this.size <= 64 && this.align <= 64) {
      for (const [s, end] of m.regions.slice(1)) {
        if (end - s < 4096) continue;
        if (!m.served.has(s) && !m.live.some((b) => b.start >= s && b.start < end)) {
          const added = m.given.find((r) => r.start === s);
          step.lines.push(
            `expect ${added?.taken === undefined ? "" : `!${added.taken} || `}live.count_in(${
              hex(s)
            }, ${hex(end)}) > 0 "NoMemory while the memory added at ${hex(s)} was never used"`,
          );
          throw new Broken(
            `${text} failed with NoMemory while the added memory [${hex(s)}, ${
              hex(end)
            }) was never used`,
          );
        }
      }
    }
    checkStatistics(m, real, step);
  }
  toString(): string {
    return `exhaust(${this.size}, ${this.align})`;
  }
}

/** Frees every live block: the named ones, then each exhausted group lowest first. */
class FreeAll implements fc.Command<Model, Real> {
  check(m: Readonly<Model>): boolean {
    return m.live.length > 0;
  }
  run(m: Model, real: Real): void {
    const step = begin(m);
    for (const b of m.live.filter((x) => x.group === undefined)) free(m, real, b, step, b.name);
    const groups = [...new Set(m.live.filter((x) => x.group !== undefined).map((x) => x.group!))];
    const page = m.kind === "PageAllocator";
    for (const g of groups) {
      const members = m.live.filter((x) => x.group === g);
      const first = members[0];
      step.lines.push(
        `while ${g}.count > 0 {`,
        `  let p = ${g}.first()`,
        m.kind === "IdAllocator"
          ? `  h.dealloc_id(p, ${first.size})`
          : page
          ? `  h.dealloc_pages(p, ${first.size})`
          : `  h.dealloc(p, ${first.size}, ${first.align})`,
        `  ${g}.remove(p)`,
        `  live.remove(p)`,
        `}`,
      );
      for (const b of members) free(m, real, b, undefined, "p");
    }
    m.live = [];
    m.liveSize = 0;
    checkStatistics(m, real, step);
  }
  toString(): string {
    return "free_all";
  }
}

/** The command generators of an interface. */
function commands(kind: Model["kind"]) {
  if (kind === "ByteAllocator") {
    const alloc = fc.tuple(
      fc.oneof(fc.integer({ min: 1, max: 512 }), fc.integer({ min: 1, max: 65_536 })),
      fc.integer({ min: 0, max: 17 }),
    ).map(([size, shift]) => new Alloc(size, shift));
    // Up to half the region, at alignments up to its size.
    const large = fc.tuple(fc.integer({ min: 1, max: 65_536 }), fc.integer({ min: 0, max: 31 }))
      .map(([share, shift]) => new Alloc(share, shift, true));
    // Exhaustions fill the memory (and cost thousands of calls each): one
    // command in ten, so that most steps meet an allocator with room.
    return [
      alloc,
      alloc,
      alloc,
      alloc,
      large,
      fc.nat().map((pick) => new Dealloc(pick)),
      fc.nat().map((pick) => new Dealloc(pick)),
      fc.tuple(
        fc.constantFrom(64, 256, 1000, 1000, 4000, 4000, 20_000, 20_000),
        fc.constantFrom(1, 8, 64, 4096),
      )
        .map(([size, align]) => new Exhaust(size, align)),
      fc.constant(null).map(() => new FreeAll()),
      addMemory(),
    ];
  }
  if (kind === "IdAllocator") {
    return [
      fc.tuple(fc.integer({ min: 1, max: 16 }), fc.integer({ min: 0, max: 4 }))
        .map(([n, k]) => new AllocId(n, k)),
      // Alignments up to the capacity.
      fc.tuple(fc.integer({ min: 1, max: 512 }), fc.integer({ min: 0, max: 24 }))
        .map(([n, k]) => new AllocId(n, k)),
      fc.oneof(fc.integer({ min: 0, max: 63 }), fc.nat()).map((id) => new AllocFixedId(id)),
      fc.nat().map((pick) => new Dealloc(pick)),
      fc.nat().map((pick) => new Dealloc(pick)),
      fc.tuple(
        fc.constantFrom(1, 1, 1, 3),
        fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 6 })),
      ).map(([n, k]) => new ExhaustIds(n, k)),
      fc.constant(null).map(() => new FreeAll()),
    ];
  }
  return [
    fc.tuple(fc.integer({ min: 1, max: 16 }), fc.integer({ min: 0, max: 20 }))
      .map(([n, k]) => new AllocPages(n, k > 4 && k < 12 ? k - 4 : k)),
    fc.tuple(fc.integer({ min: 0, max: 65_535 }), fc.integer({ min: 1, max: 8 }))
      .map(([at, n]) => new AllocPagesAt(at, n)),
    fc.nat().map((pick) => new Dealloc(pick)),
    fc.tuple(fc.constantFrom(1, 4, 16), fc.constantFrom(4096, 16384))
      .map(([n, align]) => new Exhaust(n, align)),
    fc.constant(null).map(() => new FreeAll()),
    addMemory(),
  ];
}

/** `add_memory` of a drawn size after a drawn gap. */
function addMemory() {
  return fc.tuple(
    fc.oneof(
      fc.constant(0x1_0000),
      fc.constantFrom(1000, 4097),
      fc.integer({ min: 64, max: 300_000 }),
      fc.integer({ min: 1, max: 64 }).map((n) => n * 4096),
    ),
    fc.oneof(
      fc.integer({ min: 1, max: 3 }).map((n) => n * 8),
      fc.integer({ min: 1, max: 16 }).map((n) => n * 0x1_0000),
      fc.constant(0x10_0000),
    ),
  ).map(([size, gap]) => new AddMemory(size, gap));
}

/** Where a sequence's allocator starts: `init(base, size)`. */
interface Geometry {
  base: number;
  size: number;
}

/**
 * The first region of a sequence: the default one (`subject()`) or one
 * drawn: sizes that are not whole pages (1000, 4097, any), odd page
 * counts, bases aligned only to 8 or to a page. Shrinking goes towards the
 * default.
 */
function geometry(kind: Model["kind"]): fc.Arbitrary<Geometry> {
  const fallback = kind === "PageAllocator"
    ? SUBJECT_PAGES
    : kind === "IdAllocator"
    ? SUBJECT_IDS
    : SUBJECT_BYTES;
  if (kind === "IdAllocator") {
    return fc.oneof(
      { weight: 1, arbitrary: fc.constant(fallback) },
      {
        weight: 3,
        arbitrary: fc.record({
          base: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 5000 })),
          size: fc.oneof(fc.integer({ min: 1, max: 70 }), fc.integer({ min: 1, max: 5000 })),
        }),
      },
    );
  }
  const page = kind === "PageAllocator";
  const sizes = page
    ? fc.oneof(
      fc.integer({ min: 0, max: 300 }).map((n) => (2 * n + 1) * 4096),
      fc.tuple(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 4095 }))
        .map(([n, r]) => n * 4096 + r),
      fc.constant(4097),
      fc.integer({ min: 512, max: 2048 }).map((n) => (2 * n + 1) * 4096),
    )
    : fc.oneof(
      fc.constantFrom(1000, 4097),
      fc.integer({ min: 256, max: 300_000 }),
      fc.integer({ min: 1, max: 256 }).map((n) => n * 4096),
      fc.integer({ min: 1, max: 8 }).map((n) => n * 0x8000),
      fc.integer({ min: 1, max: 4096 }).map((n) => 0x10_0000 + 8 * n),
    );
  const offsets = fc.tuple(fc.constantFrom(8, 4096, 0), fc.integer({ min: 0, max: 255 }))
    .map(([align, k]) => align * (2 * k + 1));
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant(fallback) },
    {
      weight: 4,
      arbitrary: fc.tuple(offsets, sizes).map(([off, size]) => ({
        base: fallback.base + off,
        size,
      })),
    },
  );
}

/**
 * How long shrinking a failure may take at most: a bound against a
 * pathological shrink (within the margin the fuzz command gives a campaign
 * past its time), far beyond the second or so a shrink takes, so that
 * the load of the machine does not change the reproducer.
 */
const SHRINK_MS = 50_000;

/**
 * Fuzzes a subject (a byte or page allocator) for at most `options.ms`
 * milliseconds. On a failure, fast-check shrinks the sequence (without
 * that time limit); the outcome's steps are the shrunk sequence as `.mms`
 * lines.
 *
 * @example
 * ```ts ignore
 * const outcome = fuzzSubject(builtinTarget("tlsf")!.subject!, { seed: 1, ms: 500 });
 * console.log(outcome.failure ?? `${outcome.operations} operations, no failure`);
 * ```
 */
export function fuzzSubject(subject: Subject, options: FuzzOptions): FuzzOutcome {
  const kind = subject.kind;
  const fallback = kind === "PageAllocator"
    ? SUBJECT_PAGES
    : kind === "IdAllocator"
    ? SUBJECT_IDS
    : SUBJECT_BYTES;
  const operations = { count: 0 };
  let runs = 0;
  // The search's end: fast-check looks at its clock between sequences only,
  // and one sequence of a slow subject (a user's module on a busy machine)
  // can take seconds, so a sequence stops there too (a command, a few calls
  // or an exhaustion's thousands, runs whole). The shrinking replays
  // whole sequences (a failure the search found lies before its stop).
  let searchEnd = Infinity;
  const setup = (g: Geometry): { model: Model; real: Real } => {
    const model: Model = {
      kind,
      live: [],
      liveSize: 0,
      regions: [],
      given: [],
      maxShift: 0,
      capacity: new Map(),
      capacityComesBack: options.capacityComesBack ?? true,
      served: new Set(),
      next: 0,
      added: 0,
      steps: [],
      memory: undefined,
      operations,
      onCall: options.onCall,
      onLine: options.onLine,
    };
    // A drawn region the allocator refuses (InvalidParam: a shape it does
    // not take) leaves the sequence the default one.
    let real = subject.make() as Real;
    const text = `init(${hex(g.base)}, ${g.size})`;
    let r = call(model, text, () => outcome(() => (real.init(g.base, g.size), 0), text));
    let reference = options.exact?.();
    if (reference !== undefined) {
      const want = outcome(() => (reference!.init(g.base, g.size), 0), `the model's ${text}`);
      if (want !== r) {
        throw new Broken(
          `${text} gave ${r === 0 ? "ok" : r}, the model ${want === 0 ? "ok" : want}`,
        );
      }
    }
    if (r !== 0) {
      if (r !== "InvalidParam" || g === fallback) throw new Broken(`${text} failed with ${r}`);
      g = fallback;
      real = subject.make() as Real;
      r = call(model, text, () => outcome(() => (real.init(g.base, g.size), 0), text));
      if (r !== 0) throw new Broken(`init(${hex(g.base)}, ${g.size}) failed with ${r}`);
      reference = options.exact?.();
      reference?.init(g.base, g.size);
    }
    const [lo, hi] = kind === "PageAllocator"
      ? [alignUp(g.base, 4096), Math.floor((g.base + g.size) / 4096) * 4096]
      : [g.base, g.base + g.size];
    model.regions.push([lo, Math.max(lo, hi)]);
    model.given.push({ start: lo, end: Math.max(lo, hi) });
    const largest = Math.max(0, Math.floor(Math.log2(Math.max(1, hi - lo))));
    model.maxShift = kind === "ByteAllocator"
      ? Math.min(largest, Math.log2(options.maxAlign ?? 2 ** 31))
      : largest;
    model.reference = reference;
    model.memory = hasManagedMemory(real) ? real : undefined;
    begin(
      model,
      g === fallback ? "let h = subject()" : `let h = subject(${hex(g.base)}, ${g.size})`,
      "let live = blocks()",
    );
    return { model, real };
  };
  const property = fc.property(
    geometry(kind),
    fc.commands(commands(kind), {
      maxCommands: options.maxOperations ?? 300,
      size: "max",
    }),
    (g, cmds) => {
      runs++;
      options.onLine?.(undefined);
      const s = setup(g);
      // What fc.modelRun does, with the search's clock looked at before each command.
      for (const c of cmds) {
        if (performance.now() > searchEnd) break;
        if (c.check(s.model)) c.run(s.model, s.real);
      }
      for (const b of s.model.live) checkContents(s.model, b, "by the end of the sequence");
    },
  );
  // The search has the time limit; the shrinking does not (the same seed
  // must give the same reproducer however loaded the machine is), so the
  // failing run is found first and then replayed by its path and shrunk.
  searchEnd = performance.now() + options.ms;
  const found = fc.check(property, {
    seed: options.seed,
    numRuns: options.runs ?? 1_000_000,
    interruptAfterTimeLimit: options.ms,
    markInterruptAsFailure: false,
    endOnFailure: true,
  });
  if (!found.failed || found.counterexamplePath === null) {
    return { steps: [], runs, operations: operations.count };
  }
  searchEnd = Infinity;
  const details = fc.check(property, {
    seed: options.seed,
    path: found.counterexamplePath,
    numRuns: 1,
    interruptAfterTimeLimit: SHRINK_MS,
    markInterruptAsFailure: false,
  });
  if (!details.failed || details.counterexample === null) {
    return { steps: [], runs, operations: operations.count };
  }
  // Replay the shrunk sequence once more, to log its steps.
  const [g, cmds] = details.counterexample;
  let failure = "";
  let s: { model: Model; real: Real } | undefined;
  try {
    s = setup(g);
    fc.modelRun(() => s!, cmds);
    for (const b of s.model.live) checkContents(s.model, b, "by the end of the sequence");
  } catch (e) {
    failure = e instanceof Error ? e.message : String(e);
  }
  if (failure === "") {
    const err = details.errorInstance;
    failure = err instanceof Error ? err.message : String(err);
  }
  // Plain arrays (the log's push is patched), so that they can be posted.
  const steps = (s?.model.steps ?? []).map((st) => ({ lines: [...st.lines] }));
  return { failure, steps, runs, operations: operations.count };
}

/**
 * Whether a step is a sequence's first, which makes the subject (`let h =
 * subject(...)`): a tail of a sequence keeps it in front.
 *
 * @example
 * ```ts
 * import { isSetupStep } from "./fuzz.ts";
 * console.log(isSetupStep({ lines: ["let h = subject(0x90000008, 1000)", "let live = blocks()"] })); // true
 * ```
 */
export function isSetupStep(step: FuzzStep): boolean {
  return step.lines[0]?.startsWith("let h = subject(") ?? false;
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
  // The failure comes from the allocator (its error messages): one line of
  // plain text here, whatever line breaks or escapes it holds.
  const failure = (outcome.failure ?? "").replace(/[\p{Cc}\u2028\u2029]+/gu, " ");
  // The first step makes the subject (in the region the sequence drew);
  // steps cut from a longer sequence start with the default one.
  const setup = outcome.steps.length > 0 && isSetupStep(outcome.steps[0]);
  const steps = setup
    ? outcome.steps
    : [{ lines: ["let h = subject()", "let live = blocks()"] }, ...outcome.steps];
  const n = steps.length - 1;
  const lines = [
    `# interface: ${kind}`,
    "# level: contract",
    `# Written by deno task fuzz (${how}): ${n} operation${n === 1 ? "" : "s"} that break${
      n === 1 ? "s" : ""
    }`,
    `# "${failure}".`,
    "",
    `contract "fuzz reproducer: ${
      failure.replaceAll("\\", "\\\\").replaceAll('"', "'").replaceAll("{", "\\{")
        .replaceAll("}", "\\}")
    }" {`,
  ];
  // A region of the sequence's own: the reproducer holds where an
  // allocator takes it (one may refuse a region it does not support).
  const drawn = /^let h = subject\((0x[0-9a-f]+, \d+)\)$/.exec(steps[0].lines[0]);
  const body = steps.flatMap((st) => st.lines);
  if (drawn !== null) {
    lines.push(`  let h = try_subject(${drawn[1]})`, "  if h != null {");
    for (const line of body.slice(1)) lines.push(`    ${line}`);
    lines.push("  }");
  } else for (const line of body) lines.push(`  ${line}`);
  lines.push("}");
  return lines.join("\n") + "\n";
}
