/**
 * Builtins of the allocator library: standalone models from the registry,
 * with the methods of their `allocator` crate interface.
 *
 * @module
 */

import { hex } from "../../hal/int.ts";
import { AllocError } from "../../mm/allocator/alloc_error.ts";
import { type BitmapCapacity, checkPagesAtBase } from "../../mm/allocator/bitmap_page_allocator.ts";
import type { ByteAllocator, IdAllocator, PageAllocator } from "../../mm/allocator/traits.ts";
import { allocatorEntry, ALLOCATORS } from "../../mm/registry.ts";
import { ArgumentError, ScriptError } from "../errors.ts";
import type { HeapCalls } from "../world.ts";
import { Handle, type Method, type Value } from "../values.ts";
import { big, type BuiltinGroup, int, method, num, str } from "./args.ts";

/** The result as an integer, or null for `NoMemory` (other errors propagate). */
function orNull(fn: () => number): Value {
  try {
    return big(fn());
  } catch (e) {
    if (e instanceof AllocError && e.kind === "NoMemory") return null;
    throw e;
  }
}

/**
 * What an allocator method returned, as an integer value: anything else
 * (`NaN`, a fraction, a string) is the allocator's fault, said as such.
 */
function answer(v: unknown, method: string): bigint {
  if (typeof v === "number" && Number.isSafeInteger(v)) return BigInt(v);
  throw new ScriptError(`${method} returned ${shownValue(v)}, not an integer`);
}

/** A value some allocator returned, in words, without running its code. */
function shownValue(v: unknown): string {
  if (typeof v === "number" || typeof v === "boolean" || v === undefined || v === null) {
    return String(v);
  }
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? v.slice(0, 40) + "..." : v);
  return `a value of type ${typeof v}`;
}

/**
 * A handle on an allocator model: the methods of its interface
 * (`alloc`, `alloc_pages`, `alloc_id`, ...) and its statistics as fields.
 */
export function allocatorHandle(
  kind: string,
  a: ByteAllocator | PageAllocator | IdAllocator,
): Handle {
  const methods: Record<string, Method> = {
    add_memory: method(
      ["start", "size"],
      ([s, n]) => (a.addMemory(num(s, "start"), num(n, "size")), null),
    ),
    // An allocator may refuse memory it does not take (InvalidParam: the
    // region's shape; NoMemory: add_memory unsupported, as the bitmap's).
    try_add_memory: method(["start", "size"], ([s, n]) => {
      try {
        a.addMemory(num(s, "start"), num(n, "size"));
        return true;
      } catch (e) {
        if (e instanceof AllocError && (e.kind === "InvalidParam" || e.kind === "NoMemory")) {
          return false;
        }
        throw e;
      }
    }),
  };
  const fields: Record<string, () => Value> = { kind: () => kind };
  if ("alloc" in a) {
    methods.alloc = method(
      ["size", "align"],
      ([s, al]) => answer(a.alloc(num(s, "size"), num(al, "align")), "alloc"),
    );
    methods.try_alloc = method(
      ["size", "align"],
      ([s, al]) => orNull(() => a.alloc(num(s, "size"), num(al, "align"))),
    );
    methods.dealloc = method(
      ["ptr", "size", "align"],
      ([p, s, al]) => (a.dealloc(num(p, "pointer"), num(s, "size"), num(al, "align")), null),
    );
    fields.total_bytes = () => answer(a.totalBytes(), "totalBytes");
    fields.used_bytes = () => answer(a.usedBytes(), "usedBytes");
    fields.available_bytes = () => answer(a.availableBytes(), "availableBytes");
  } else if ("allocPages" in a) {
    methods.alloc_pages = method(
      ["num_pages", "align"],
      ([n, al]) => answer(a.allocPages(num(n, "pages"), num(al, "align")), "allocPages"),
    );
    methods.try_alloc_pages = method(
      ["num_pages", "align"],
      ([n, al]) => orNull(() => a.allocPages(num(n, "pages"), num(al, "align"))),
    );
    methods.alloc_pages_at = method(["base", "num_pages", "align"], ([b, n, al]) => {
      const base = int(b, "base");
      if (base < 0n || base > BigInt(Number.MAX_SAFE_INTEGER)) {
        // Past what the model can place: the real checks, then NoMemory.
        checkPagesAtBase(base, num(al, "align"));
        throw new AllocError("NoMemory", { reason: `${hex(base)} is not in the managed range` });
      }
      return answer(
        a.allocPagesAt(Number(base), num(n, "pages"), num(al, "align")),
        "allocPagesAt",
      );
    });
    methods.dealloc_pages = method(
      ["ptr", "num_pages"],
      ([p, n]) => (a.deallocPages(num(p, "pointer"), num(n, "pages")), null),
    );
    fields.total_pages = () => answer(a.totalPages(), "totalPages");
    fields.used_pages = () => answer(a.usedPages(), "usedPages");
    fields.available_pages = () => answer(a.availablePages(), "availablePages");
  } else {
    methods.alloc_id = method(
      ["count", "align?"],
      ([c, al]) => answer(a.allocId(num(c, "count"), num(al ?? 1n, "align")), "allocId"),
    );
    methods.try_alloc_id = method(
      ["count", "align?"],
      ([c, al]) => orNull(() => a.allocId(num(c, "count"), num(al ?? 1n, "align"))),
    );
    methods.dealloc_id = method(
      ["start", "count?"],
      ([s, c]) => (a.deallocId(num(s, "id"), num(c ?? 1n, "count")), null),
    );
    methods.is_allocated = method(["id"], ([i]) => {
      const v: unknown = a.isAllocated(num(i, "id"));
      if (typeof v !== "boolean") {
        throw new ScriptError(`isAllocated returned ${shownValue(v)}, not a boolean`);
      }
      return v;
    });
    methods.alloc_fixed_id = method(["id"], ([i]) => (a.allocFixedId(num(i, "id")), null));
    fields.size = () => answer(a.size(), "size");
    fields.used = () => answer(a.used(), "used");
    fields.available = () => answer(a.available(), "available");
  }
  return new Handle(`${kind} allocator`, a, fields, methods);
}

/**
 * A heap's handle whose calls are also told to the run report: blocks
 * handed out and freed, failures with the request, memory added.
 */
function observed(h: Handle, seen: HeapCalls): Handle {
  const n = (v: Value | undefined, unit = 1) => (typeof v === "bigint" ? Number(v) * unit : 0);
  const methods: Record<string, Method> = {};
  for (const [name, m] of Object.entries(h.methods)) {
    // What a call asks for: [bytes, alignment], for allocations.
    const ask = (args: Value[]): [number, number] | undefined =>
      name === "alloc" || name === "try_alloc"
        ? [n(args[0]), n(args[1])]
        : name === "alloc_pages" || name === "try_alloc_pages"
        ? [n(args[0], 4096), n(args[1])]
        : name === "alloc_pages_at"
        ? [n(args[1], 4096), n(args[2])]
        : undefined;
    methods[name] = method(m.params, (args) => {
      const asked = ask(args);
      let result: Value;
      try {
        result = m.fn(args);
      } catch (e) {
        if (asked !== undefined) seen.failed(e, asked[0], asked[1]);
        throw e;
      }
      if (asked !== undefined) {
        if (typeof result === "bigint") seen.allocated(Number(result), asked[0], asked[1]);
        else if (result === null) {
          seen.failed(new AllocError("NoMemory", { reason: `${name} returned null` }), ...asked);
        }
      } else if (name === "dealloc" || name === "dealloc_pages") seen.freed(n(args[0]));
      else if (name === "add_memory" || (name === "try_add_memory" && result === true)) {
        seen.added(n(args[0]), n(args[1]));
      }
      return result;
    });
  }
  return new Handle(h.type, h.target, { ...h.fields }, methods);
}

/** The allocator library. */
export const ALLOCATOR_LIBRARY: BuiltinGroup = {
  title: "the allocator library",
  builtins: {
    new_allocator: {
      params: ["kind", "start", "size", "capacity?"],
      doc: `a standalone allocator (${
        ALLOCATORS.map((a) => a.name).join(", ")
      }), initialised with the region`,
      fn: (w, [k, s, n, c]) => {
        const kind = str(k, "kind");
        const entry = allocatorEntry(kind);
        if (entry === undefined) {
          throw new ArgumentError(
            "kind",
            `new_allocator: kind '${kind}' is not one of ${
              ALLOCATORS.map((a) => a.name).join(", ")
            }`,
          );
        }
        if (c !== undefined && entry.interface !== "PageAllocator") {
          throw new ArgumentError(
            "capacity",
            `new_allocator: a ${kind} allocator takes no capacity`,
          );
        }
        const capacity = c === undefined ? undefined : str(c, "capacity").toLowerCase();
        const a = entry.create({ capacity: capacity as BitmapCapacity | undefined });
        a.init(num(s, "start"), num(n, "size"));
        const h = allocatorHandle(kind, a);
        const seen = w.heapObserver?.heapMade(kind, a, num(s, "start"), num(n, "size"));
        return seen === undefined || entry.interface === "IdAllocator" ? h : observed(h, seen);
      },
    },
  },
  constants: {},
};
