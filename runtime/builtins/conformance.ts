/**
 * Builtins of conformance scripts: `subject()`, the allocator under test,
 * and `blocks()`, a set of address ranges for checking that live blocks
 * never overlap.
 *
 * @module
 */

import { describeThrown, ExpectationFailed, ScriptError, SimError } from "../errors.ts";
import { AllocError } from "../../mm/allocator/alloc_error.ts";
import type { ByteAllocator, IdAllocator, PageAllocator } from "../../mm/allocator/traits.ts";
import { AddressRangeError } from "../../hal/address.ts";
import { hex } from "../../hal/int.ts";
import { Handle, type Value } from "../values.ts";
import type { World } from "../world.ts";
import { allocatorHandle } from "./allocators.ts";
import { SubjectHarness } from "./subject_harness.ts";
import { big, type BuiltinGroup, int, method } from "./args.ts";

/** The region `subject()` initialises a byte or ID allocator with. */
export const SUBJECT_BYTES = { base: 0x9000_0000, size: 0x10_0000 };
/** The region `subject()` initialises a page allocator with. */
export const SUBJECT_PAGES = { base: 0x8040_0000, size: 0x100_0000 };
/** The IDs `subject()` initialises an ID allocator with. */
export const SUBJECT_IDS = { base: 0, size: 4096 };

function subjectRegion(w: World): { base: number; size: number } {
  const s = w.subject;
  if (s === undefined) {
    throw new ScriptError(
      "subject() is for conformance scripts: run them with deno task conformance",
    );
  }
  return s.kind === "PageAllocator"
    ? SUBJECT_PAGES
    : s.kind === "IdAllocator"
    ? SUBJECT_IDS
    : SUBJECT_BYTES;
}

/**
 * Runs code of the allocator under test: an exception that is not an
 * error of the simulation (a bug in a user's allocator) becomes a script
 * error, so the contract fails instead of the run crashing.
 */
function guarded<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof SimError) throw e;
    throw new ScriptError(`the allocator under test threw ${describeThrown(e)}`);
  }
}

/**
 * A set of address ranges (exact 64-bit), for checking that live blocks
 * never overlap. Besides the address order it keeps the members in the
 * order they were added (a removal moves the last one into its place), so
 * that a seeded pick depends on the workload, never on the addresses an
 * allocator chose.
 */
class RangeSet {
  readonly #starts: bigint[] = [];
  readonly #sizes = new Map<bigint, bigint>();
  readonly #added: bigint[] = [];
  readonly #slot = new Map<bigint, number>();
  /** Adds `[start, start + size)`; false (and nothing added) if it overlaps a member. */
  add(start: bigint, size: bigint): boolean {
    if (start < 0n || size < 0n || start + size > 1n << 64n) {
      throw new AddressRangeError(
        start,
        `blocks().add(${hex(start)}, ${hex(size)}): the range ends past 2^64`,
      );
    }
    const s = this.#starts;
    let lo = 0;
    let hi = s.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (s[mid] < start) lo = mid + 1;
      else hi = mid;
    }
    const extent = (n: bigint) => (n > 0n ? n : 1n);
    const prev = s[lo - 1];
    if (prev !== undefined && prev + extent(this.#sizes.get(prev)!) > start) return false;
    const next = s[lo];
    if (next !== undefined && start + extent(size) > next) return false;
    s.splice(lo, 0, start);
    this.#sizes.set(start, size);
    this.#slot.set(start, this.#added.length);
    this.#added.push(start);
    return true;
  }
  /** Removes the member starting at `start`; its size, or -1. */
  remove(start: bigint): bigint {
    const size = this.#sizes.get(start);
    if (size === undefined) return -1n;
    this.#sizes.delete(start);
    this.#starts.splice(this.#starts.indexOf(start), 1);
    const i = this.#slot.get(start)!;
    const last = this.#added.pop()!;
    this.#slot.delete(start);
    if (last !== start) {
      this.#added[i] = last;
      this.#slot.set(last, i);
    }
    return size;
  }
  get count(): number {
    return this.#starts.length;
  }
  get total(): bigint {
    let t = 0n;
    for (const v of this.#sizes.values()) t += v;
    return t;
  }
  /** The `i`th member in address order. */
  at(i: number): bigint {
    return this.#starts[i];
  }
  /** The `i`th member in the order of adding (see the class). */
  added(i: number): bigint {
    return this.#added[i];
  }
  /** How many members start in `[lo, hi)`. */
  countIn(lo: bigint, hi: bigint): number {
    const s = this.#starts;
    const first = (v: bigint) => {
      let a = 0;
      let b = s.length;
      while (a < b) {
        const mid = (a + b) >> 1;
        if (s[mid] < v) a = mid + 1;
        else b = mid;
      }
      return a;
    };
    return hi > lo ? first(hi) - first(lo) : 0;
  }
  sizeOf(start: bigint): bigint {
    return this.#sizes.get(start) ?? -1n;
  }
}

function rangeSetHandle(w: World, r: RangeSet): Handle {
  return new Handle("Blocks", r, {
    count: () => big(r.count),
    total: () => r.total,
  }, {
    add: method(["addr", "size"], ([a, n]) => r.add(int(a, "address"), int(n, "size"))),
    remove: method(["addr"], ([a]) => r.remove(int(a, "address"))),
    size_of: method(["addr"], ([a]) => r.sizeOf(int(a, "address"))),
    count_in: method(["lo", "hi"], ([lo, hi]) => big(r.countIn(int(lo, "lo"), int(hi, "hi")))),
    pick: method([], () => {
      if (r.count === 0) throw new ScriptError("pick() on an empty block set");
      return r.added(Number(w.rng.between(0n, big(r.count - 1))));
    }),
    first: method([], () => (r.count === 0 ? null : r.at(0))),
  });
}

/** The region a `subject(base, size)` call names (the default one without arguments). */
function region(
  w: World,
  what: string,
  b: Value | undefined,
  n: Value | undefined,
): { base: number; size: number } {
  const fallback = subjectRegion(w);
  if (b === undefined && n === undefined) return fallback;
  if (b === undefined || n === undefined) {
    throw new ScriptError(`${what}(base, size) takes both the base and the size`);
  }
  const base = int(b, "base");
  const size = int(n, "size");
  if (base < 0n || size <= 0n || base + size > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new ScriptError(
      `${what}(${hex(base)}, ${hex(size)}): a region is a non-empty range below 2^53`,
    );
  }
  return { base: Number(base), size: Number(size) };
}

/**
 * A fresh subject initialised with `r` (with `--exact`, the model too,
 * which must take or refuse the same region); `orNull`: a refusal
 * (`InvalidParam` from `init`) is `null` instead of an error.
 */
function makeSubject(w: World, r: { base: number; size: number }, orNull: boolean): Value {
  const subject = w.subject!;
  const made = guarded(() => subject.make());
  const harness = new SubjectHarness(w, subject.name, subject.kind, made);
  const refused = (fn: () => void): AllocError | undefined => {
    try {
      fn();
      return undefined;
    } catch (e) {
      if (orNull && e instanceof AllocError && e.kind === "InvalidParam") return e;
      throw e;
    }
  };
  const no = refused(() =>
    harness.call("init", [big(r.base), big(r.size)], () => made.init(r.base, r.size))
  );
  const reference = subject.reference;
  let model: ByteAllocator | PageAllocator | IdAllocator | undefined;
  if (reference !== undefined) {
    const m = reference.make();
    model = m;
    const modelNo = refused(() => m.init(r.base, r.size));
    if ((modelNo === undefined) !== (no === undefined)) {
      throw new ExpectationFailed(
        `init(${hex(r.base)}, ${r.size}): the subject ${
          no === undefined ? "takes the region" : "refuses it (InvalidParam)"
        }, the model ${reference.name} ${modelNo === undefined ? "takes it" : "refuses it"}`,
      );
    }
  }
  if (no !== undefined) return null;
  if (reference !== undefined && model !== undefined) {
    const m = allocatorHandle(reference.name, model);
    harness.mirror(reference.name, m.methods, m.fields);
  }
  const h = allocatorHandle(subject.name, made);
  return new Handle(h.type, made, harness.fields(h.fields), harness.methods(h.methods));
}

/** Conformance scripts. */
export const CONFORMANCE: BuiltinGroup = {
  title: "conformance scripts",
  builtins: {
    subject: {
      params: ["base?", "size?"],
      doc:
        "a fresh instance of the allocator under test, initialised with [base, base + size) (default subject_base / subject_size)",
      fn: (w, [b, n]) => makeSubject(w, region(w, "subject", b, n), false),
    },
    try_subject: {
      params: ["base", "size"],
      doc:
        "subject(base, size), or null when the allocator refuses that region with InvalidParam (an allocator may state what regions it takes)",
      fn: (w, [b, n]) => makeSubject(w, region(w, "try_subject", b, n), true),
    },
    blocks: {
      params: [],
      doc:
        "an empty set of address ranges: add(addr, size) is false on overlap; remove, size_of, pick, first, count_in(lo, hi), count, total",
      fn: (w) => rangeSetHandle(w, new RangeSet()),
    },
  },
  constants: {
    subject_base: (w) => w.subject === undefined ? undefined : big(subjectRegion(w).base),
    subject_size: (w) => w.subject === undefined ? undefined : big(subjectRegion(w).size),
    subject_name: (w) => w.subject?.name,
  },
};
