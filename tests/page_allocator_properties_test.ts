// Property tests for the bitmap page allocator: against a literal
// transcription of the bitmap crate's bit-by-bit search, and invariants.
import assert from "node:assert/strict";
import fc from "fast-check";
import { isAllocError } from "../mm/allocator/alloc_error.ts";
import { BitmapPageAllocator } from "../mm/allocator/bitmap_page_allocator.ts";
import { BitmapIdAllocator } from "../mm/allocator/bitmap_id_allocator.ts";
import { BitAllocator } from "../mm/allocator/bit_allocator.ts";
import { NaiveBitmap } from "./reference/naive_bitmap.ts";

const RUNS = 1000;

type Op =
  | { t: "alloc"; n: number; alignPages: number }
  | { t: "at"; page: number; n: number; alignPages: number }
  | { t: "free"; pick: number }
  | { t: "double"; pick: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      t: fc.constant("alloc" as const),
      n: fc.oneof(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 5, max: 200 })),
      alignPages: fc.constantFrom(0, 1, 2, 3, 4, 8, 16, 64, 256),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant("at" as const),
      page: fc.integer({ min: -8, max: 600 }),
      n: fc.integer({ min: 0, max: 40 }),
      alignPages: fc.constantFrom(1, 2, 4, 16, 3),
    }),
  },
  { weight: 4, arbitrary: fc.record({ t: fc.constant("free" as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("double" as const), pick: fc.nat() }) },
);

function attempt(fn: () => number): number | string {
  try {
    return fn();
  } catch (e) {
    if (isAllocError(e)) return e.kind;
    throw e;
  }
}

Deno.test("bitmap: same addresses and errors as the crate's bit-by-bit search", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 300 }),
      fc.integer({ min: 1, max: 512 }),
      fc.array(opArb, { maxLength: 100 }),
      (startPage, pages, ops) => {
        const PAGE = 4096;
        const start = 0x8000_0000 + startPage * PAGE + (startPage % 3 === 0 ? 123 : 0);
        const size = pages * PAGE;
        const a = new BitmapPageAllocator();
        const ref = new NaiveBitmap(1 << 16);
        a.init(start, size);
        ref.init(start, size);
        const live: { p: number; n: number }[] = [];
        const freed: { p: number; n: number }[] = [];
        for (const op of ops) {
          if (op.t === "alloc" || op.t === "at") {
            const align = op.alignPages * PAGE;
            let got: number | string;
            let want: number | string;
            if (op.t === "alloc") {
              got = attempt(() => a.allocPages(op.n, align));
              want = ref.allocPages(op.n, align);
            } else {
              const at = 0x8000_0000 + op.page * PAGE;
              got = attempt(() => a.allocPagesAt(at, op.n, align));
              want = ref.allocPagesAt(at, op.n, align);
            }
            assert.equal(got, want);
            if (typeof got === "number") {
              live.push({ p: got, n: op.n });
              if (op.n > 1) assert.equal(got % align, 0);
            }
          } else if (op.t === "free" && live.length > 0) {
            const [l] = live.splice(op.pick % live.length, 1);
            a.deallocPages(l.p, l.n);
            ref.deallocPages(l.p, l.n);
            freed.push(l);
          } else if (op.t === "double") {
            const f = freed.filter((x) =>
              !live.some((l) => l.p < x.p + x.n * PAGE && x.p < l.p + l.n * PAGE)
            );
            if (f.length === 0) continue;
            const x = f[op.pick % f.length];
            const before = a.usedPages();
            assert.throws(() => a.deallocPages(x.p, x.n), (e) => isAllocError(e, "NotAllocated"));
            assert.equal(a.usedPages(), before);
          }
          assert.equal(a.usedPages(), ref.used);
          assert.equal(a.availablePages(), a.totalPages() - a.usedPages());
          assert.equal(a.usedPages(), live.reduce((s, l) => s + l.n, 0));
        }
        for (const l of live) a.deallocPages(l.p, l.n);
        assert.equal(a.usedPages(), 0);
        assert.equal(a.availablePages(), a.totalPages());
      },
    ),
    { numRuns: RUNS },
  );
});

Deno.test("id allocator: IDs are unique, aligned, counted, and all come back", () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.oneof(
          fc.record({ count: fc.integer({ min: 1, max: 9 }), align: fc.constantFrom(1, 2, 4, 8) }),
          fc.nat(),
        ),
        { maxLength: 80 },
      ),
      (ops) => {
        const ids = new BitmapIdAllocator();
        ids.init(10, 200);
        const live: { id: number; count: number }[] = [];
        for (const op of ops) {
          if (typeof op === "number") {
            if (live.length === 0) continue;
            const [l] = live.splice(op % live.length, 1);
            ids.deallocId(l.id, l.count);
            assert.equal(ids.isAllocated(l.id), false);
            continue;
          }
          const got = attempt(() => ids.allocId(op.count, op.align));
          if (typeof got === "string") {
            assert.equal(got, "NoMemory");
            continue;
          }
          assert.equal(got % op.align, 0);
          assert.ok(got >= 10 && got + op.count <= 210);
          for (const l of live) assert.ok(got + op.count <= l.id || l.id + l.count <= got);
          for (let k = 0; k < op.count; k++) assert.ok(ids.isAllocated(got + k));
          live.push({ id: got, count: op.count });
          assert.equal(ids.used(), live.reduce((s, l) => s + l.count, 0));
        }
        for (const l of live) ids.deallocId(l.id, l.count);
        assert.equal(ids.used(), 0);
        assert.equal(ids.available(), 200);
      },
    ),
    { numRuns: RUNS },
  );
});

Deno.test("bit allocator: range inserts and removes agree with a plain array of bits", () => {
  const cap = 4096;
  fc.assert(
    fc.property(
      fc.array(
        fc.tuple(fc.boolean(), fc.nat(cap - 1), fc.integer({ min: 0, max: 300 })),
        { maxLength: 40 },
      ),
      (ops) => {
        const bits = new BitAllocator(cap);
        const plain = new Array<boolean>(cap).fill(false);
        for (const [insert, start, len] of ops) {
          const end = Math.min(cap, start + len);
          if (insert) bits.insert(start, end);
          else bits.remove(start, end);
          for (let i = start; i < end; i++) plain[i] = insert;
          assert.equal(bits.freeCount, plain.filter((b) => b).length);
        }
        for (let i = 0; i < cap; i++) assert.equal(bits.test(i), plain[i]);
        const first = plain.indexOf(true);
        assert.equal(bits.next(0), first);
        if (first >= 0) {
          assert.equal(
            bits.nextUsed(first),
            plain.indexOf(false, first) < 0 ? cap : plain.indexOf(false, first),
          );
        }
      },
    ),
    { numRuns: 1000 },
  );
});
