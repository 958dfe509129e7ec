// Property tests for the byte allocators: random operation sequences, with
// invalid frees mixed in, checked against invariants after every step and
// against a twin allocator that never saw the invalid frees (so the checking
// provably changes no address a valid sequence gets).
import assert from "node:assert/strict";
import fc from "fast-check";
import { isAllocError, NO_MEMORY } from "../mm/allocator/alloc_error.ts";
import type { ByteAllocator } from "../mm/allocator/traits.ts";
import { BuddyByteAllocator } from "../mm/allocator/buddy_byte_allocator.ts";
import { SlabByteAllocator } from "../mm/allocator/slab_byte_allocator.ts";
import { TlsfByteAllocator } from "../mm/allocator/tlsf_byte_allocator.ts";
import { nextPowerOfTwo } from "../hal/int.ts";
import { NaiveBuddy } from "./reference/naive_buddy.ts";
import { NaiveTlsf } from "./reference/naive_tlsf.ts";

const RUNS = 1000;
const BASE = 0x8000_0000;
const REGION = 0x4_0000; // 256 KiB: small enough to run out

type Op =
  | { t: "alloc"; size: number; alignLog2: number }
  | { t: "free"; pick: number }
  | { t: "double"; pick: number }
  | { t: "foreign"; offset: number }
  | { t: "interior"; pick: number }
  | { t: "layout"; pick: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      t: fc.constant("alloc" as const),
      size: fc.oneof(
        { weight: 6, arbitrary: fc.integer({ min: 0, max: 600 }) },
        { weight: 3, arbitrary: fc.integer({ min: 601, max: 5000 }) },
        { weight: 1, arbitrary: fc.integer({ min: 5001, max: 70000 }) },
      ),
      alignLog2: fc.integer({ min: 0, max: 12 }),
    }),
  },
  { weight: 5, arbitrary: fc.record({ t: fc.constant("free" as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("double" as const), pick: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant("foreign" as const),
      offset: fc.integer({ min: 0, max: REGION * 2 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("interior" as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("layout" as const), pick: fc.nat() }) },
);

interface Live {
  ptr: number;
  size: number;
  align: number;
}

interface Subject {
  name: string;
  make: () => ByteAllocator;
  /** What the allocator's used_bytes must be for these live blocks. */
  expectedUsed?: (live: Live[]) => number;
  /** A snapshot of the free structure, equal before and after freeing everything. */
  snapshot?: (a: ByteAllocator) => unknown;
}

const subjects: Subject[] = [
  {
    name: "buddy",
    make: () => new BuddyByteAllocator(),
    expectedUsed: (live) =>
      live.reduce((s, l) => s + Math.max(nextPowerOfTwo(l.size), l.align, 8), 0),
    snapshot: (a) => (a as BuddyByteAllocator).heap.freeBlockCounts(),
  },
  {
    name: "tlsf",
    make: () => new TlsfByteAllocator(),
    expectedUsed: (live) => live.reduce((s, l) => s + l.size, 0),
    snapshot: (a) => (a as TlsfByteAllocator).freeBlocks(),
  },
  { name: "slab", make: () => new SlabByteAllocator() },
];

function expectRejected(fn: () => void, what: string): void {
  try {
    fn();
  } catch (e) {
    assert.ok(
      isAllocError(e, "NotAllocated") || isAllocError(e, "InvalidParam"),
      `${what}: expected NotAllocated or InvalidParam, got ${e}`,
    );
    return;
  }
  assert.fail(`${what} was accepted`);
}

function checkInvariants(subject: Subject, a: ByteAllocator, live: Live[]): void {
  const sorted = [...live].sort((x, y) => x.ptr - y.ptr);
  for (let i = 0; i < sorted.length; i++) {
    const l = sorted[i];
    assert.ok(l.ptr >= BASE && l.ptr + l.size <= BASE + REGION, `block out of range`);
    assert.equal(l.ptr % l.align, 0, `block ${l.ptr.toString(16)} not aligned to ${l.align}`);
    if (i > 0) {
      const p = sorted[i - 1];
      assert.ok(p.ptr + Math.max(p.size, 1) <= l.ptr, `blocks overlap`);
    }
  }
  assert.equal(a.totalBytes() - a.usedBytes(), a.availableBytes());
  if (subject.expectedUsed) assert.equal(a.usedBytes(), subject.expectedUsed(live));
  assert.ok(a.usedBytes() <= a.totalBytes());
}

for (const subject of subjects) {
  Deno.test(`${subject.name}: random sequences keep every invariant; invalid frees change nothing`, () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 80 }), (ops) => {
        const a = subject.make();
        const twin = subject.make();
        a.init(BASE, REGION);
        twin.init(BASE, REGION);
        const initial = subject.snapshot?.(a);
        const live: Live[] = [];
        const freed: Live[] = [];
        for (const op of ops) {
          switch (op.t) {
            case "alloc": {
              const align = 2 ** op.alignLog2;
              let p: number | string;
              let q: number | string;
              try {
                p = a.alloc(op.size, align);
              } catch (e) {
                assert.ok(isAllocError(e, "NoMemory"), String(e));
                p = "NoMemory";
              }
              try {
                q = twin.alloc(op.size, align);
              } catch {
                q = "NoMemory";
              }
              assert.equal(p, q, "the twin allocator diverged");
              if (typeof p === "number") live.push({ ptr: p, size: op.size, align });
              break;
            }
            case "free": {
              if (live.length === 0) break;
              const [l] = live.splice(op.pick % live.length, 1);
              a.dealloc(l.ptr, l.size, l.align);
              twin.dealloc(l.ptr, l.size, l.align);
              freed.push(l);
              break;
            }
            case "double": {
              const candidates = freed.filter((f) => !live.some((l) => l.ptr === f.ptr));
              if (candidates.length === 0) break;
              const f = candidates[op.pick % candidates.length];
              expectRejected(() => a.dealloc(f.ptr, f.size, f.align), "double free");
              break;
            }
            case "foreign": {
              const ptr = BASE + op.offset;
              if (live.some((l) => l.ptr === ptr)) break;
              expectRejected(() => a.dealloc(ptr, 16, 8), "foreign free");
              break;
            }
            case "interior": {
              const big = live.filter((l) => l.size >= 16);
              if (big.length === 0) break;
              const l = big[op.pick % big.length];
              expectRejected(() => a.dealloc(l.ptr + 8, l.size, l.align), "interior free");
              break;
            }
            case "layout": {
              if (live.length === 0) break;
              const l = live[op.pick % live.length];
              // A layout of a surely different size class, alignment kept.
              expectRejected(() => a.dealloc(l.ptr, l.size * 2 + 8192, l.align), "wrong layout");
              break;
            }
          }
          checkInvariants(subject, a, live);
        }
        for (const l of live.splice(0)) {
          a.dealloc(l.ptr, l.size, l.align);
        }
        checkInvariants(subject, a, live);
        if (subject.snapshot) assert.deepEqual(subject.snapshot(a), initial);
        if (a instanceof SlabByteAllocator) {
          const stats = a.slabStats();
          assert.ok(stats.every((s) => s.usedBlocks === 0));
          // Only slab sets stay allocated in the buddy heap once all is free.
          const sets = stats.reduce((s, c) => s + c.totalBlocks * c.blockSize, 0);
          assert.equal(a.buddy.statsAllocActual(), sets);
        } else {
          assert.equal(a.usedBytes(), 0);
        }
      }),
      { numRuns: RUNS },
    );
  });
}

/**
 * Runs `ops` on the model and on the literal transcription side by side:
 * every allocation must get the same address (or fail on both), the used
 * bytes agree after each step and the free lists agree at the end.
 * `onInterior` is told of a live block for each `interior` op.
 */
function sameAsTranscription(
  a: BuddyByteAllocator,
  ref: NaiveBuddy,
  ops: Op[],
  onInterior: (l: Live) => void = () => {},
): void {
  const live: Live[] = [];
  for (const op of ops) {
    if (op.t === "alloc") {
      const align = 2 ** op.alignLog2;
      let p: number | null;
      try {
        p = a.alloc(op.size, align);
      } catch {
        p = null;
      }
      assert.equal(p, ref.alloc(op.size, align));
      if (p !== null) live.push({ ptr: p, size: op.size, align });
    } else if (op.t === "free" && live.length > 0) {
      const [l] = live.splice(op.pick % live.length, 1);
      a.dealloc(l.ptr, l.size, l.align);
      ref.dealloc(l.ptr, l.size, l.align);
    } else if (op.t === "interior" && live.length > 0) {
      onInterior(live[op.pick % live.length]);
    }
    assert.equal(a.usedBytes(), ref.allocated);
  }
  assert.equal(a.totalBytes(), ref.total);
  for (let order = 0; order < 32; order++) {
    assert.deepEqual(a.heap.freeList(order), [...ref.lists[order]].reverse());
  }
}

Deno.test("buddy: the indexed model gives the addresses of a literal transcription", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 64 }),
      fc.array(opArb, { maxLength: 120 }),
      (startWords, ops) => {
        const start = BASE + startWords * 8; // unaligned starts exercise add_to_heap's carving
        const a = new BuddyByteAllocator();
        const ref = new NaiveBuddy();
        a.init(start, REGION);
        ref.addToHeap(start, start + REGION);
        sameAsTranscription(a, ref, ops);
      },
    ),
    { numRuns: RUNS },
  );
});

Deno.test("buddy: regions across 2 GiB segments and far apart give the literal transcription's addresses", () => {
  // The model positions blocks by 2 GiB segment and offset: a region that
  // straddles 4 GiB, one just below a 2 GiB boundary and one past 2^45.
  const regions: [number, number][] = [
    [2 ** 32 - 0x2_0000, 0x4_0000],
    [2 ** 31 * 5 - 0x1_0000, 0x1_0000],
    [2 ** 45 + 0x1000, 0x2_0000],
  ];
  fc.assert(
    fc.property(fc.array(opArb, { maxLength: 160 }), (ops) => {
      const a = new BuddyByteAllocator();
      const ref = new NaiveBuddy();
      a.init(regions[0][0], regions[0][1]);
      for (const [start, size] of regions.slice(1)) a.addMemory(start, size);
      for (const [start, size] of regions) ref.addToHeap(start, start + size);
      sameAsTranscription(a, ref, ops, (l) => {
        // Not a block's start: refused, nothing changes.
        for (const bad of [l.ptr + 0.5, l.ptr + 2 ** 31, l.ptr - 2 ** 32, NaN, -8]) {
          assert.equal(a.heap.isAllocated(bad), false);
          assert.throws(() => a.dealloc(bad, l.size, l.align), isAllocError);
        }
        assert.equal(a.heap.isAllocated(l.ptr), true);
      });
    }),
    { numRuns: RUNS / 4 },
  );
});

Deno.test("buddy: thousands of blocks in three segments (the position table grows and shifts probe runs) give the transcription's addresses", () => {
  // Small blocks by the thousand in regions of three 2 GiB segments: the
  // table of block positions grows several times, and a removal shifts
  // entries of every segment back along their probe runs.
  const regions: [number, number][] = [
    [2 ** 31 - 0x1_0000, 0x2_0000],
    [2 ** 31 * 3, 0x1_0000],
    [2 ** 44, 0x1_0000],
  ];
  fc.assert(
    fc.property(
      fc.array(
        fc.oneof(
          {
            weight: 3,
            arbitrary: fc.record({
              t: fc.constant("alloc" as const),
              size: fc.constantFrom(1, 8, 16, 24, 64, 100, 500),
              alignLog2: fc.constantFrom(0, 3, 4),
            }),
          },
          { weight: 2, arbitrary: fc.record({ t: fc.constant("free" as const), pick: fc.nat() }) },
        ),
        { minLength: 3000, maxLength: 6000 },
      ),
      (ops) => {
        const a = new BuddyByteAllocator();
        const ref = new NaiveBuddy();
        a.init(regions[0][0], regions[0][1]);
        for (const [start, size] of regions.slice(1)) a.addMemory(start, size);
        for (const [start, size] of regions) ref.addToHeap(start, start + size);
        sameAsTranscription(a, ref, ops);
      },
    ),
    { numRuns: 6 },
  );
});

Deno.test("buddy: memory added piece by piece beside blocks in use, freed by handle and by pointer: the transcription's addresses", () => {
  // Pieces of one area (across a 2 GiB boundary) added in random order
  // between allocations and frees: a block can get a buddy where there was
  // no memory before, and the merges that follow must find it whether the
  // block is freed by its handle or by its pointer.
  const AREA = 2 ** 31 - 0x1_0000;
  const SPAN = 0x2_0000;
  type Step =
    | { t: "alloc"; size: number; alignLog2: number }
    | { t: "free"; pick: number; byHandle: boolean }
    | { t: "add" };
  const stepArb: fc.Arbitrary<Step> = fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record({
        t: fc.constant("alloc" as const),
        size: fc.oneof(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 301, max: 40000 })),
        alignLog2: fc.integer({ min: 0, max: 9 }),
      }),
    },
    {
      weight: 4,
      arbitrary: fc.record({
        t: fc.constant("free" as const),
        pick: fc.nat(),
        byHandle: fc.boolean(),
      }),
    },
    { weight: 1, arbitrary: fc.record({ t: fc.constant("add" as const) }) },
  );
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.integer({ min: 1, max: SPAN / 8 - 1 }), { minLength: 1, maxLength: 12 }),
      fc.array(stepArb, { minLength: 20, maxLength: 300 }),
      fc.nat(),
      (cutWords, steps, seed) => {
        const cuts = [0, ...cutWords.map((w) => w * 8).sort((x, y) => x - y), SPAN];
        const pieces = cuts.slice(1).map((end, i) => [AREA + cuts[i], AREA + end] as const);
        // A seeded shuffle: pieces come in an order unrelated to their places.
        let r = seed;
        for (let i = pieces.length - 1; i > 0; i--) {
          r = (Math.imul(r, 1103515245) + 12345) >>> 0;
          const j = r % (i + 1);
          [pieces[i], pieces[j]] = [pieces[j], pieces[i]];
        }
        const a = new BuddyByteAllocator();
        const ref = new NaiveBuddy();
        const add = () => {
          const [start, end] = pieces.shift()!;
          if (a.totalBytes() === 0) a.init(start, end - start);
          else a.addMemory(start, end - start);
          ref.addToHeap(start, end);
        };
        add();
        const live: (Live & { handle: number })[] = [];
        for (const step of steps) {
          if (step.t === "add") {
            if (pieces.length > 0) add();
          } else if (step.t === "alloc") {
            const align = 2 ** step.alignLog2;
            const p = a.tryAlloc(step.size, align);
            const q = ref.alloc(step.size, align);
            assert.equal(p === NO_MEMORY ? null : p, q);
            if (q !== null) live.push({ ptr: q, size: step.size, align, handle: a.lastHandle });
          } else if (live.length > 0) {
            const [l] = live.splice(step.pick % live.length, 1);
            if (step.byHandle) a.deallocHandle(l.ptr, l.size, l.align, l.handle);
            else a.dealloc(l.ptr, l.size, l.align);
            ref.dealloc(l.ptr, l.size, l.align);
          }
          assert.equal(a.usedBytes(), ref.allocated);
        }
        for (const l of live.splice(0)) {
          a.deallocHandle(l.ptr, l.size, l.align, l.handle);
          ref.dealloc(l.ptr, l.size, l.align);
        }
        assert.equal(a.totalBytes(), ref.total);
        for (let order = 0; order < 32; order++) {
          assert.deepEqual(a.heap.freeList(order), [...ref.lists[order]].reverse());
          assert.equal(a.heap.freeBlockCounts()[order], ref.lists[order].length);
        }
      },
    ),
    { numRuns: RUNS / 2 },
  );
});

Deno.test("buddy: a long run freed by handle, then memory added and frees by pointer: the transcription's addresses", () => {
  // Thousands of splits and merges without a lookup by pointer drop the
  // table of blocks by position; the memory added and the frees by pointer
  // after them must find every block, old and new, all the same.
  fc.assert(
    fc.property(fc.nat(), (seed) => {
      let r = seed;
      const next = (n: number) => {
        r = (Math.imul(r, 1103515245) + 12345) >>> 0;
        return (r >>> 8) % n;
      };
      const a = new BuddyByteAllocator();
      const ref = new NaiveBuddy();
      const start = BASE + 0x10_0000;
      a.init(start, 0x8_0000);
      ref.addToHeap(start, start + 0x8_0000);
      const live: (Live & { handle: number })[] = [];
      const step = (byHandle: boolean) => {
        if (live.length === 0 || next(2) === 0) {
          const size = 1 + next(next(4) === 0 ? 5000 : 300);
          const align = 2 ** next(7);
          const p = a.tryAlloc(size, align);
          const q = ref.alloc(size, align);
          assert.equal(p === NO_MEMORY ? null : p, q);
          if (q !== null) live.push({ ptr: q, size, align, handle: a.lastHandle });
        } else {
          const l = live.splice(next(live.length), 1)[0];
          if (byHandle) a.deallocHandle(l.ptr, l.size, l.align, l.handle);
          else a.dealloc(l.ptr, l.size, l.align);
          ref.dealloc(l.ptr, l.size, l.align);
        }
      };
      for (let i = 0; i < 60_000; i++) step(true);
      // Memory on both sides: blocks of the first region get buddies.
      for (const [s, e] of [[start - 0x8_0000, start], [start + 0x8_0000, start + 0x10_0000]]) {
        a.addMemory(s, e - s);
        ref.addToHeap(s, e);
      }
      for (const l of live) assert.equal(a.heap.isAllocated(l.ptr), true);
      for (let i = 0; i < 5_000; i++) step(i % 2 === 0);
      for (const l of live.splice(0)) {
        a.dealloc(l.ptr, l.size, l.align);
        ref.dealloc(l.ptr, l.size, l.align);
      }
      assert.equal(a.usedBytes(), 0);
      for (let order = 0; order < 32; order++) {
        assert.deepEqual(a.heap.freeList(order), [...ref.lists[order]].reverse());
      }
      // Everything merged back: one free block of 1 MiB and one of 512 KiB.
      assert.deepEqual(a.heap.freeBlockCounts().filter((c) => c > 0), [1, 1]);
    }),
    { numRuns: 8 },
  );
});

/**
 * Few sizes and alignments, and as many frees as allocations: many free
 * blocks share a list, so blocks are unlinked from the middle and the end of
 * lists, and lists empty and fill again.
 */
const sameListsAllocArb: fc.Arbitrary<Op> = fc.record({
  t: fc.constant("alloc" as const),
  size: fc.constantFrom(1, 16, 24, 40, 48, 80, 100, 112, 200, 240, 496, 1000, 1008, 3000),
  alignLog2: fc.constantFrom(0, 3, 6),
});
const sameListsOpArb: fc.Arbitrary<Op> = fc.oneof(
  sameListsAllocArb,
  fc.record({ t: fc.constant("free" as const), pick: fc.nat() }),
);

Deno.test("tlsf: the model gives the addresses of a literal transcription that scans its lists", () => {
  // The transcription keeps no bitmaps and finds a list by scanning them,
  // so a bitmap or free-list link the model gets wrong changes an address.
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 64 }),
      fc.oneof(
        fc.array(opArb, { maxLength: 160 }),
        // Many live blocks first, then churn: holes of one size pile up on
        // one list, and freeing their neighbours unlinks them mid-list.
        fc.tuple(
          fc.array(sameListsAllocArb, { minLength: 20, maxLength: 80 }),
          fc.array(sameListsOpArb, { maxLength: 300 }),
        ).map(([fill, churn]) => [...fill, ...churn]),
      ),
      (startWords, ops) => {
        const start = BASE + startWords * 8; // unaligned starts: the pool is aligned inwards
        const a = new TlsfByteAllocator();
        const ref = new NaiveTlsf();
        a.init(start, REGION);
        ref.insertPool(start, REGION);
        const live: Live[] = [];
        for (const op of ops) {
          if (op.t === "alloc") {
            const align = 2 ** op.alignLog2;
            const p = a.tryAlloc(op.size, align);
            assert.equal(p < 0 ? null : p, ref.alloc(op.size, align));
            if (p >= 0) live.push({ ptr: p, size: op.size, align });
          } else if (op.t === "free" && live.length > 0) {
            const [l] = live.splice(op.pick % live.length, 1);
            a.dealloc(l.ptr, l.size, l.align);
            ref.dealloc(l.ptr, l.size);
          }
          assert.equal(a.usedBytes(), ref.used);
        }
        assert.deepEqual(a.freeBlocks(), ref.freeBlocks());
        for (let list = 0; list < 28 * 32; list++) {
          assert.deepEqual(a.freeList(list), ref.freeList(list), `list ${list}`);
        }
      },
    ),
    { numRuns: RUNS },
  );
});

const farOp = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant("alloc" as const),
      size: fc.oneof(
        fc.integer({ min: 0, max: 5000 }),
        // Past 32-bit integers: kept beside the header, not in it.
        fc.integer({ min: 2 ** 31 - 64, max: 2 ** 31 + 4096 }),
        fc.constantFrom(2 ** 32 + 8, 3 * 2 ** 30),
      ),
      alignLog2: fc.oneof(fc.integer({ min: 0, max: 12 }), fc.constantFrom(30, 31, 32)),
    }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("free" as const), pick: fc.nat() }) },
);

Deno.test("tlsf: pools 64 GiB and more apart, layouts past 32 bits: the transcription's addresses, freed by pointer or by handle", () => {
  // Addresses past 2^36 from the first pool, sizes of 2 GiB and more and
  // alignments past 2^30 leave the ranges of 32-bit integers: the model must
  // still give the transcription's addresses, free lists and statistics,
  // and check a free by pointer and by handle alike.
  const POOL = 2 ** 33; // 8 GiB each
  fc.assert(
    fc.property(
      fc.constantFrom(2 ** 36 + 2 ** 34, 2 ** 44, 2 ** 52 - 2 ** 40, -1),
      fc.array(fc.tuple(farOp, fc.boolean()), { maxLength: 60 }),
      (far, ops) => {
        // `far` -1: the second pool below the first by 2^45.
        const [first, second] = far < 0 ? [2 ** 45, BASE] : [BASE, BASE + far];
        const a = new TlsfByteAllocator();
        const ref = new NaiveTlsf();
        a.init(first, POOL);
        ref.insertPool(first, POOL);
        a.addMemory(second, POOL);
        ref.insertPool(second, POOL);
        const live: (Live & { handle: number })[] = [];
        for (const [op, byHandle] of ops) {
          if (op.t === "alloc") {
            const align = 2 ** op.alignLog2;
            const p = a.tryAlloc(op.size, align);
            assert.equal(p < 0 ? null : p, ref.alloc(op.size, align));
            if (p >= 0) live.push({ ptr: p, size: op.size, align, handle: a.lastHandle });
          } else if (op.t === "free" && live.length > 0) {
            const [l] = live.splice(op.pick % live.length, 1);
            if (byHandle) a.deallocHandle(l.ptr, l.size, l.align, l.handle);
            else a.dealloc(l.ptr, l.size, l.align);
            ref.dealloc(l.ptr, l.size);
          }
          assert.equal(a.usedBytes(), ref.used);
        }
        assert.deepEqual(a.freeBlocks(), ref.freeBlocks());
        for (const l of live) {
          // A wrong layout is refused, whichever path holds it.
          assert.throws(() => a.dealloc(l.ptr, l.size + 1, l.align), /InvalidParam|allocated with/);
        }
        for (const l of live) a.dealloc(l.ptr, l.size, l.align);
        assert.equal(a.usedBytes(), 0);
        for (const l of live.slice(0, 3)) {
          // Freed once already: by pointer and by its stale handle alike.
          assert.throws(() => a.dealloc(l.ptr, l.size, l.align), /not an allocated TLSF block/);
          assert.throws(
            () => a.deallocHandle(l.ptr, l.size, l.align, l.handle),
            /not an allocated TLSF block/,
          );
        }
      },
    ),
    { numRuns: 200 },
  );
});
