/**
 * A KASAN report: the sanitizer found a script touching memory it may not
 * (a use after free, an out-of-bounds access, a wild access) or freeing
 * what it may not. Its lines have the shape Linux's KASAN prints, so that
 * kernel developers recognise them.
 *
 * @module
 */

import { SimError } from "../../hal/sim_error.ts";
import type { EventSite, ObjectKind } from "./shadow.ts";

/** A read or a write. */
export type AccessKind = "Read" | "Write";

/** The bug types, as KASAN names them. */
export type KasanBug =
  | "slab-out-of-bounds"
  | "out-of-bounds"
  | "slab-use-after-free"
  | "use-after-free"
  | "double-free"
  | "invalid-free"
  | "wild-memory-access";

const CODE: Record<KasanBug, string> = {
  "slab-out-of-bounds": "OutOfBounds",
  "out-of-bounds": "OutOfBounds",
  "slab-use-after-free": "UseAfterFree",
  "use-after-free": "UseAfterFree",
  "double-free": "DoubleFree",
  "invalid-free": "InvalidFree",
  "wild-memory-access": "WildAccess",
};

/** What a report says. */
export interface KasanFinding {
  /** The bug type. */
  bug: KasanBug;
  /** Where the script did it (`file:line:col`). */
  where: string;
  /** The call that did it. */
  call: string;
  /** The CPU it ran on (0 unless the script said otherwise). */
  cpu?: number;
  /** For an access: a read or a write. */
  access?: AccessKind;
  /** For an access: its size in bytes. */
  size?: number;
  /** The address the access or free was given (kernel virtual). */
  addr: bigint;
  /** The first byte that may not be touched, when it differs from `addr`. */
  badAddr?: bigint;
  /** The object the address belongs to (or ran out of), if any. */
  object?: {
    start: bigint;
    kind: ObjectKind;
    cache: string | undefined;
    slot: number;
    size: number;
    allocated: EventSite | undefined;
    freed: EventSite | undefined;
    location: string;
  };
  /** What else there is to say (whose memory it is). */
  note?: string;
  /** KASAN's shadow rows around the address. */
  shadow: string[];
  /** The error name the same misuse had before the sanitizer (`expect error` still matches it). */
  alias?: string;
  /** What the allocator itself said of the free, for refused frees: the report's first line. */
  summary?: string;
}

/**
 * The report. Its `code` (`UseAfterFree`, `OutOfBounds`, `DoubleFree`,
 * `InvalidFree`, `WildAccess`) is what `expect error` matches; `lines` is the
 * report as printed.
 *
 * @example
 * ```ts
 * import { KasanReport } from "./report.ts";
 * const r = new KasanReport({
 *   bug: "slab-use-after-free", where: "t.mms:3:1", call: "write8(k + 8, 1)",
 *   access: "Write", size: 1, addr: 0xffffffc080c00048n, shadow: [],
 * });
 * console.log(r.code, r.lines[0]); // UseAfterFree BUG: KASAN: slab-use-after-free in t.mms:3:1
 * ```
 */
export class KasanReport extends SimError {
  /** The codes of this class. */
  static readonly codes: readonly string[] = [
    "OutOfBounds",
    "UseAfterFree",
    "DoubleFree",
    "InvalidFree",
    "WildAccess",
  ];
  /** The error class's name. */
  override readonly name = "KasanReport";
  /** What was found. */
  readonly finding: KasanFinding;
  /** The report's lines. */
  readonly lines: readonly string[];

  /** Creates the report. */
  constructor(finding: KasanFinding) {
    const lines = formatFinding(finding);
    const text = finding.summary === undefined ? lines : [finding.summary, ...lines];
    super(CODE[finding.bug], text.join("\n"), finding.alias === undefined ? [] : [finding.alias]);
    this.finding = finding;
    this.lines = lines;
  }
}

function formatFinding(f: KasanFinding): string[] {
  const hex = (v: bigint) => v.toString(16);
  const o = f.object;
  // Which CPU did what, as Linux's KASAN says it ("on cpu 1"), when any of
  // them ran on a CPU other than 0 (a one-CPU story reads as it always did).
  const cpus = [f.cpu, o?.allocated?.cpu, o?.freed?.cpu].some((c) => c !== undefined && c !== 0);
  const on = (cpu: number | undefined) => cpus ? ` on cpu ${cpu ?? 0}` : "";
  const out = [`BUG: KASAN: ${f.bug} in ${f.where}`];
  if (f.access !== undefined) {
    out.push(
      `${f.access} of size ${f.size} at addr ${hex(f.addr)} by ${f.where} ${f.call}`.trimEnd() +
        on(f.cpu),
    );
    if (f.badAddr !== undefined && f.badAddr !== f.addr) {
      out.push(`The first byte it may not touch is at ${hex(f.badAddr)}`);
    }
  } else {
    out.push(`Free of addr ${hex(f.addr)} by ${f.where} ${f.call}`.trimEnd() + on(f.cpu));
  }
  if (o !== undefined) {
    if (o.allocated) {
      out.push(`Allocated by: ${o.allocated.where}  ${o.allocated.call}${on(o.allocated.cpu)}`);
    }
    if (o.freed) out.push(`Freed by:     ${o.freed.where}  ${o.freed.call}${on(o.freed.cpu)}`);
    out.push(`The buggy address belongs to the object at ${hex(o.start)}`);
    out.push(
      o.cache !== undefined
        ? ` which belongs to the cache ${o.cache} of size ${o.slot}`
        : ` which is ${o.kind} of ${o.slot} bytes`,
    );
    out.push(`The buggy address is located ${o.location}`);
  }
  if (f.note !== undefined) out.push(`The buggy address: ${f.note}`);
  if (f.shadow.length > 0) {
    out.push("Memory state around the buggy address:");
    for (const row of f.shadow) out.push(row);
  }
  return out;
}
