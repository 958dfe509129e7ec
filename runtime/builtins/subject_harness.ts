/**
 * The harness around the allocator under test (`subject()`): it names the
 * operation in progress (so that one that never returns can be named by the
 * runner), turns whatever the allocator throws into a contract failure that
 * names the call, checks the statistics' bounds after every step, and keeps
 * every live block filled with a pattern of its own that must survive until
 * the block is freed (an overlapping block, or an allocator that writes into
 * live memory, changes it).
 *
 * @module
 */

import {
  type ByteAllocator,
  hasManagedMemory,
  type IdAllocator,
  type ManagedMemory,
  type PageAllocator,
} from "../../mm/allocator/traits.ts";
import { AllocError } from "../../mm/allocator/alloc_error.ts";
import { describeThrown, ExpectationFailed, ScriptError, SimError } from "../errors.ts";
import { formatValue, type Method, type Value } from "../values.ts";
import type { World } from "../world.ts";
import { method } from "./args.ts";

const FRAME = 4096;

/**
 * Bytes of a sparse address space, for the blocks' patterns (the
 * allocator's addresses are numbers; nothing here is the machine's RAM).
 * An allocator that manages real bytes (a WebAssembly module) has its
 * blocks' patterns written into those bytes, where its own writes land.
 */
class PatternSpace {
  readonly #frames = new Map<number, Uint8Array>();
  readonly #backing: ManagedMemory | undefined;

  constructor(backing: ManagedMemory | undefined) {
    this.#backing = backing;
  }

  #frame(addr: number): Uint8Array {
    const f = Math.floor(addr / FRAME);
    let bytes = this.#frames.get(f);
    if (bytes === undefined) {
      bytes = new Uint8Array(FRAME);
      this.#frames.set(f, bytes);
    }
    return bytes;
  }

  /** Writes the pattern of the block at `start` over its `size` bytes. */
  fill(start: number, size: number): void {
    const seed = patternSeed(start);
    const real = this.#backing?.managedBytes(start, size);
    if (real !== undefined) {
      for (let i = 0; i < size; i++) real[i] = patternByte(seed, i);
      return;
    }
    for (let i = 0; i < size;) {
      const frame = this.#frame(start + i);
      let off = (start + i) % FRAME;
      for (; off < FRAME && i < size; off++, i++) frame[off] = patternByte(seed, i);
    }
  }

  /** The first offset whose byte is not the block's pattern, or -1; with the byte found. */
  check(
    start: number,
    size: number,
  ): { offset: number; found: number; expected: number } | undefined {
    const seed = patternSeed(start);
    const real = this.#backing?.managedBytes(start, size);
    if (real !== undefined) {
      for (let i = 0; i < size; i++) {
        const expected = patternByte(seed, i);
        if (real[i] !== expected) return { offset: i, found: real[i], expected };
      }
      return undefined;
    }
    for (let i = 0; i < size;) {
      const frame = this.#frame(start + i);
      let off = (start + i) % FRAME;
      for (; off < FRAME && i < size; off++, i++) {
        const expected = patternByte(seed, i);
        if (frame[off] !== expected) return { offset: i, found: frame[off], expected };
      }
    }
    return undefined;
  }
}

/** A block's own pattern: derived from its start, so that another block's differs. */
function patternSeed(start: number): number {
  return Math.imul((start / 8) >>> 0 ^ Math.floor(start / 2 ** 32), 0x9e3779b1) >>> 0;
}

function patternByte(seed: number, i: number): number {
  return ((seed >>> ((i & 3) * 8)) + i * 131) & 0xff;
}

/** What a call gave: a value, or an allocation error's kind. */
type Outcome = { value: Value } | { error: string };

function outcome(fn: () => Value): Outcome {
  try {
    return { value: fn() };
  } catch (e) {
    if (e instanceof AllocError) return { error: e.kind };
    throw e;
  }
}

function hexValue(v: bigint): string {
  return v < 0n ? String(v) : "0x" + v.toString(16);
}

/** The sizes each kind of allocator's blocks have: bytes, or pages of 4 KiB. */
type Kind = "ByteAllocator" | "PageAllocator" | "IdAllocator";

/**
 * Wraps the methods and fields of a subject's handle with the harness.
 */
export class SubjectHarness {
  readonly #world: World;
  readonly #name: string;
  readonly #kind: Kind;
  readonly #allocator: ByteAllocator | PageAllocator | IdAllocator;
  readonly #space: PatternSpace;
  /** Live blocks: start -> bytes. */
  readonly #live = new Map<number, number>();
  /** With `--exact MODEL`: the model's handle, called alongside (see {@linkcode SubjectHarness.mirror}). */
  #reference: {
    name: string;
    methods: Readonly<Record<string, Method>>;
    fields: Readonly<Record<string, () => Value>>;
  } | undefined;

  /** Creates the harness of one subject. */
  constructor(
    world: World,
    name: string,
    kind: Kind,
    allocator: ByteAllocator | PageAllocator | IdAllocator,
  ) {
    this.#world = world;
    this.#name = name;
    this.#kind = kind;
    this.#allocator = allocator;
    this.#space = new PatternSpace(hasManagedMemory(allocator) ? allocator : undefined);
    world.atContractEnd(() => this.checkAll());
  }

  /**
   * Makes every later method call and statistic also run on the model
   * `name` (its handle's `methods` and `fields`), which must answer the
   * same: the same address, the same error, the same count.
   */
  mirror(
    name: string,
    methods: Readonly<Record<string, Method>>,
    fields: Readonly<Record<string, () => Value>>,
  ): void {
    this.#reference = { name, methods, fields };
  }

  /** Runs one call of the allocator: named for the runner, its failures the contract's. */
  call<T>(op: string, args: readonly Value[], fn: () => T): T {
    const text = `${op}(${args.map((a) => formatValue(a)).join(", ")})`;
    this.#world.onCall?.(text);
    try {
      return fn();
    } catch (e) {
      if (e instanceof SimError) throw e;
      const what = describeThrown(e);
      const overflow = /^RangeError: .*call stack/i.test(what) ? " (a stack overflow)" : "";
      throw new ScriptError(`the allocator under test threw ${what}${overflow} in ${text}`);
    } finally {
      this.#world.onCall?.("");
    }
  }

  /** Wraps a handle's methods. */
  methods(methods: Readonly<Record<string, Method>>): Record<string, Method> {
    const out: Record<string, Method> = {};
    for (const [name, m] of Object.entries(methods)) {
      out[name] = method(m.params, (args) => {
        const before = this.#beforeFree(name, args);
        const ref = this.#reference?.methods[name];
        if (ref === undefined) {
          const result = this.call(name, args, () => m.fn(args));
          this.#after(name, args, result, before);
          return result;
        }
        const want = outcome(() => ref.fn(args));
        let result: Value;
        try {
          result = this.call(name, args, () => m.fn(args));
        } catch (e) {
          if (e instanceof AllocError) this.#compare(name, args, want, { error: e.kind });
          throw e;
        }
        this.#compare(name, args, want, { value: result });
        this.#after(name, args, result, before);
        return result;
      });
    }
    return out;
  }

  /** Wraps a handle's fields (statistics are calls of the allocator too). */
  fields(fields: Readonly<Record<string, () => Value>>): Record<string, () => Value> {
    const out: Record<string, () => Value> = {};
    for (const [name, f] of Object.entries(fields)) {
      out[name] = () => {
        const got = this.call(name, [], f);
        const ref = this.#reference?.fields[name];
        if (ref !== undefined && name !== "kind") {
          this.#compare(name, [], outcome(ref), { value: got });
        }
        return got;
      };
    }
    return out;
  }

  #compare(
    name: string,
    args: readonly Value[],
    want: Outcome,
    got: Outcome,
  ): void {
    const show = (o: Outcome) =>
      "error" in o
        ? `error ${o.error}`
        : typeof o.value === "bigint"
        ? hexValue(o.value)
        : formatValue(o.value);
    if (show(want) === show(got)) return;
    const text = `${name}(${args.map((a) => formatValue(a)).join(", ")})`;
    throw new ExpectationFailed(
      `exact: ${this.#reference!.name} gives ${show(want)} for ${text}, ` +
        `the allocator under test ${show(got)}`,
    );
  }

  /** Every live block still holds its pattern (at the end of each contract). */
  checkAll(): void {
    for (const [start, size] of this.#live) {
      this.#checkBlock(start, size, "at the end of the contract");
    }
  }

  #bytes(name: string, args: readonly Value[]): number | undefined {
    const n = (v: Value | undefined) => (typeof v === "bigint" ? Number(v) : NaN);
    switch (name) {
      case "alloc":
      case "try_alloc":
        return n(args[0]);
      case "alloc_pages":
      case "try_alloc_pages":
        return n(args[0]) * 4096;
      case "alloc_pages_at":
        return n(args[1]) * 4096;
    }
    return undefined;
  }

  /** Before a free: the block must still hold its pattern. */
  #beforeFree(name: string, args: readonly Value[]): number | undefined {
    if (name !== "dealloc" && name !== "dealloc_pages") return undefined;
    const start = typeof args[0] === "bigint" ? Number(args[0]) : NaN;
    const size = this.#live.get(start);
    if (size !== undefined) this.#checkBlock(start, size, `before ${name}`);
    return start;
  }

  #after(name: string, args: readonly Value[], result: Value, freed: number | undefined): void {
    if (this.#kind === "IdAllocator") return;
    if (freed !== undefined) this.#live.delete(freed);
    const bytes = this.#bytes(name, args);
    if (bytes !== undefined && typeof result === "bigint" && bytes > 0) {
      const start = Number(result);
      this.#live.set(start, bytes);
      this.#space.fill(start, bytes);
    }
    if (
      name !== "add_memory" && name !== "try_add_memory" && bytes === undefined &&
      freed === undefined
    ) return;
    this.#checkStatistics(`after ${name}`);
  }

  #checkBlock(start: number, size: number, when: string): void {
    const bad = this.#space.check(start, size);
    if (bad === undefined) return;
    const hex = (v: number) => "0x" + v.toString(16);
    throw new ExpectationFailed(
      `live blocks keep their contents: the ${size}-byte block at ${hex(start)} changed ${when}, ` +
        `at offset ${bad.offset}: expected ${hex(bad.expected)}, found ${hex(bad.found)} ` +
        `(another block overlaps it, or the allocator wrote into it)`,
    );
  }

  /** `0 <= used <= total` and `0 <= available <= total`, after every step. */
  #checkStatistics(when: string): void {
    this.call("statistics", [], () => this.#statistics(when));
  }

  #statistics(when: string): void {
    const a = this.#allocator;
    const [total, used, available, unit] = "totalBytes" in a
      ? [a.totalBytes(), a.usedBytes(), a.availableBytes(), "bytes"]
      : "totalPages" in a
      ? [a.totalPages(), a.usedPages(), a.availablePages(), "pages"]
      : [NaN, NaN, NaN, ""];
    if (Number.isNaN(total)) return;
    const ok = (v: number) => Number.isFinite(v) && v >= 0 && v <= total;
    if (!ok(used) || !ok(available)) {
      throw new ExpectationFailed(
        `statistics stay within their bounds (${when}): total ${total}, used ${used}, ` +
          `available ${available} ${unit} (0 <= used <= total and 0 <= available <= total)`,
      );
    }
  }

  /** For messages: the allocator's name. */
  get name(): string {
    return this.#name;
  }
}
