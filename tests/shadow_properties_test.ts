// The sanitizer's shadow against a model of one state per byte: random
// allocations, frees (whole and partial), objects handed out again where they
// were freed (the path that writes nothing), kernel reservations and
// releases, read at random moments and at the end. Every byte's state, the
// live objects and the sites a report names must agree with the model.
import assert from "node:assert/strict";
import fc from "fast-check";
import { getPlatform } from "../hal/platform.ts";
import { KasanReport } from "../mm/kasan/report.ts";
import { World } from "../runtime/world.ts";
import {
  ACCESSIBLE,
  type EventSite,
  FREED,
  KERNEL,
  NEVER,
  Shadow,
  SLACK,
} from "../mm/kasan/shadow.ts";

const platform = getPlatform();
/** Four slots of 256 bytes in free RAM, above the kernel image (few: operations meet often). */
const ARENA = Number(platform.kernelPaddr + platform.kernelSize) + 0x10_0000;
const SLOTS = 4;
const SLOT = 256;

type Op =
  | { op: "alloc"; slot: number; size: number; slack: number }
  | { op: "again"; slot: number }
  | { op: "cycle"; slot: number; n: number }
  | { op: "free"; slot: number; part: number }
  | { op: "reserve"; slot: number }
  | { op: "release"; slot: number }
  | { op: "look"; slot: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    op: fc.constant("alloc" as const),
    slot: fc.nat(SLOTS - 1),
    size: fc.integer({ min: 1, max: 200 }),
    slack: fc.nat(56),
  }),
  fc.record({ op: fc.constant("again" as const), slot: fc.nat(SLOTS - 1) }),
  fc.record({
    op: fc.constant("cycle" as const),
    slot: fc.nat(SLOTS - 1),
    n: fc.integer({ min: 1, max: 4 }),
  }),
  fc.record({ op: fc.constant("free" as const), slot: fc.nat(SLOTS - 1), part: fc.nat(3) }),
  fc.record({ op: fc.constant("reserve" as const), slot: fc.nat(SLOTS - 1) }),
  fc.record({ op: fc.constant("release" as const), slot: fc.nat(SLOTS - 1) }),
  fc.record({ op: fc.constant("look" as const), slot: fc.nat(SLOTS - 1) }),
);

/** What the model keeps of a slot's object: its sizes and sites. */
interface Obj {
  size: number;
  slot: number;
  allocated: EventSite;
  freed?: EventSite;
}

Deno.test("shadow: every byte's state and every report's sites agree with a byte-per-byte model", () => {
  fc.assert(
    fc.property(
      fc.array(opArb, { maxLength: 60, size: "medium" }),
      fc.boolean(),
      (ops, withCursor) => {
        // Sites change with each operation; the cursor's key names them (two alternate, as in a loop).
        const cursor = { key: 0 as unknown };
        let site: EventSite = { where: "t.mms:0:1", call: "" };
        const sites = new Map<unknown, EventSite>();
        /** The script makes the call at `key` (the same site each time). */
        const callAt = (key: unknown) => {
          cursor.key = key;
          site = sites.get(key) ?? { where: `t.mms:${sites.size + 1}:1`, call: `call ${key}` };
          sites.set(key, site);
        };
        const shadow = new Shadow(platform, () => site, withCursor ? cursor : undefined);
        const state = new Map<number, number>();
        const objects = new Map<number, Obj>();
        const kernel = new Set<number>();
        const set = (at: number, n: number, s: number) => {
          for (let i = 0; i < n; i++) state.set(at + i, s);
        };
        const stateOf = (a: number) => state.get(a) ?? NEVER;
        const look = (slot: number) => {
          const base = ARENA + slot * SLOT;
          for (let a = base; a < base + SLOT; a++) {
            const expected = stateOf(a);
            const what = `byte ${a - base} of slot ${slot}: state ${expected.toString(16)}`;
            assert.equal(shadow.accessible(BigInt(a), 1), expected === ACCESSIBLE, what);
            // The report's bug type, once per run of one state.
            if (expected === ACCESSIBLE || (a > base && stateOf(a - 1) === expected)) continue;
            let report: KasanReport | undefined;
            try {
              shadow.check(BigInt(a), 1, "Read");
            } catch (e) {
              if (!(e instanceof KasanReport)) throw e;
              report = e;
            }
            assert.ok(report !== undefined, what);
            const bug = report.finding.bug;
            if (expected === FREED) assert.match(bug, /use-after-free$/, what);
            else if (expected === SLACK) assert.match(bug, /out-of-bounds$/, what);
            else if (expected === KERNEL) assert.equal(bug, "wild-memory-access", what);
            else assert.doesNotMatch(bug, /use-after-free$/, what);
          }
          // A freed object's first byte names where it was allocated and freed.
          const obj = objects.get(slot);
          if (obj?.freed !== undefined && stateOf(base) === FREED) {
            try {
              shadow.check(BigInt(base), 1, "Read");
              assert.fail(`slot ${slot}: no report of a freed object`);
            } catch (e) {
              if (!(e instanceof KasanReport)) throw e;
              assert.deepEqual(
                e.finding.object?.allocated,
                obj.allocated,
                `slot ${slot} allocated`,
              );
              assert.deepEqual(e.finding.object?.freed, obj.freed, `slot ${slot} freed`);
            }
          }
        };
        ops.forEach((o, i) => {
          // A call site per key (as a script's call is one place): two recur, as in a loop.
          callAt(i % 3 === 0 ? "a" : i % 3 === 1 ? "b" : i);
          const at = ARENA + o.slot * SLOT;
          const obj = objects.get(o.slot);
          const live = obj !== undefined && obj.freed === undefined;
          if (o.op === "alloc" || o.op === "again") {
            if (live || kernel.has(o.slot)) return;
            // "again": the sizes of the object freed here last (the path that writes nothing).
            const size = o.op === "again" ? obj?.size ?? 64 : o.size;
            const slot = o.op === "again" ? obj?.slot ?? 64 : size + o.slack;
            shadow.allocatedAt(at, size, slot, "kmalloc", "kmalloc-x");
            objects.set(o.slot, { size, slot, allocated: site });
            set(at, size, ACCESSIBLE);
            set(at + size, slot - size, SLACK);
          } else if (o.op === "free") {
            if (!live) return;
            const part = o.part === 0 ? (obj.slot >> 1) & ~7 : 0;
            if (part > 0) {
              // The rest stays a live object of its own at `at + part` (its bytes
              // keep their states); the model forgets the slot's object.
              shadow.freedAt(at, part);
              set(at, part, FREED);
              objects.delete(o.slot);
            } else {
              shadow.freedAt(at);
              obj.freed = site;
              set(at, obj.slot, FREED);
            }
          } else if (o.op === "cycle") {
            // A loop's kfree and kmalloc of the same object, from two call sites.
            if (!live) return;
            for (let k = 0; k < o.n; k++) {
              callAt("free");
              shadow.freedAt(at);
              obj.freed = site;
              callAt("alloc");
              shadow.allocatedAt(at, obj.size, obj.slot, "kmalloc", "kmalloc-x");
              obj.allocated = site;
              obj.freed = undefined;
            }
          } else if (o.op === "reserve") {
            if (live || kernel.has(o.slot)) return;
            shadow.reserve(BigInt(at), SLOT, "a table");
            kernel.add(o.slot);
            objects.delete(o.slot);
            set(at, SLOT, KERNEL);
          } else if (o.op === "release") {
            if (!kernel.has(o.slot)) return;
            shadow.release(BigInt(at), SLOT);
            kernel.delete(o.slot);
            set(at, SLOT, NEVER);
          } else look(o.slot);
          const liveCount = [...objects.values()].filter((x) => x.freed === undefined).length;
          assert.ok(shadow.live.length >= liveCount);
        });
        for (let s = 0; s < SLOTS; s++) look(s);
      },
    ),
    {
      numRuns: 300,
      examples: [
        // Handed out again where it was freed, with the same slot but another size.
        [[
          { op: "alloc", slot: 0, size: 8, slack: 8 },
          { op: "free", slot: 0, part: 1 },
          { op: "alloc", slot: 0, size: 12, slack: 4 },
        ], true],
      ],
    },
  );
});

Deno.test("a call site's text: each run of white space one space, at most 80 characters", () => {
  const chars = fc.constantFrom(
    "a",
    "(",
    "1",
    " ",
    "  ",
    "\n",
    "\t",
    "\r\n",
    "\u00a0",
    "\u2028",
    "é",
    "\x01",
  );
  fc.assert(
    fc.property(fc.array(chars, { maxLength: 120 }), fc.nat(20), fc.nat(130), (parts, s, n) => {
      const source = parts.join("");
      const start = Math.min(s, source.length);
      const end = Math.min(source.length, start + n);
      const world = new World();
      world.setCallSite("t.mms", source, { line: 1, column: start + 1, start, end });
      assert.deepEqual(world.callSite, {
        where: `t.mms:1:${start + 1}`,
        call: source.slice(start, end).replace(/\s+/g, " ").slice(0, 80),
        cpu: 0,
      });
    }),
    { numRuns: 500 },
  );
});
