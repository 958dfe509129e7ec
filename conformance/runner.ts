/**
 * The conformance suite: `.mms` scripts under `conformance/suite/` that state
 * the contracts of each allocator API, run against mmsim's allocators or a
 * user's.
 *
 * A script declares what it tests in its first lines:
 *
 * ```text
 * # interface: ByteAllocator      (PageAllocator, IdAllocator, GlobalAllocator,
 * #                                DMA, EarlyAllocator, Kmalloc, ZonedPages, PageTables)
 * # level: contract               (any correct implementation; or `checked`:
 * #                                mmsim's extra checks; or `exact MODEL`:
 * #                                the reference model's addresses)
 * ```
 *
 * @module
 */

import type { ByteAllocator, IdAllocator, PageAllocator } from "../mm/allocator/traits.ts";
import type { PointerWidth } from "../mm/allocator/layout.ts";
import { findAllocatorClass } from "./user_module.ts";
export { UserModuleError } from "./user_module.ts";
import { loadWasmAllocator, type WasmFamily, WasmModuleError } from "../mm/wasm/wasm_module.ts";
import { WasmByteAllocator } from "../mm/wasm/wasm_byte_allocator.ts";
import { WasmPageAllocator } from "../mm/wasm/wasm_page_allocator.ts";
import {
  allocatorEntry,
  ALLOCATORS,
  type ByteAllocatorKind,
  isByteAllocatorKind,
} from "../mm/registry.ts";
import { errorName, RunError } from "../runtime/errors.ts";
import { Interpreter } from "../runtime/interpreter.ts";
import type { ArceosProfile } from "../mm/axalloc/arceos_profile.ts";
import { DISK, load } from "../runtime/loader.ts";
import { type Subject, World } from "../runtime/world.ts";

/** The interfaces a conformance script can test. */
export const INTERFACES: readonly string[] = [
  "ByteAllocator",
  "PageAllocator",
  "IdAllocator",
  "GlobalAllocator",
  "DMA",
  "EarlyAllocator",
  "Kmalloc",
  "ZonedPages",
  "PageTables",
  "PerCpuGlobalAllocator",
];

/** A conformance script. */
export interface ConformanceScript {
  /** Its path. */
  path: string;
  /** Its text. */
  source: string;
  /** The interface it tests. */
  interface: string;
  /** `contract`, `checked` or `exact`. */
  level: "contract" | "checked" | "exact";
  /** For `exact`: the model it pins. */
  model?: string;
}

/** What the suite is run against. */
export interface SuiteTarget {
  /** Its name. */
  name: string;
  /** Whether it is one of mmsim's own models (runs `checked` and `exact` scripts too). */
  builtin: boolean;
  /** The interfaces it answers for. */
  interfaces: readonly string[];
  /** `subject()` for the allocator interfaces. */
  subject?: Subject;
  /** The kernel's byte allocator for the kernel-level interfaces. */
  byteAllocator?: ByteAllocatorKind;
  /** The ArceOS version the kernel runs (the classic one when unsaid). */
  profile?: ArceosProfile;
  /** The target's pointer size, for the model `--exact` compares it with (8 when unsaid). */
  pointerWidth?: PointerWidth;
  /** What `deno task fuzz --allocator NAME` needs besides (`--allow-user-code` for a .ts module). */
  rerunFlags?: string;
}

/** One row of the results. */
export interface ConformanceResult {
  /** The target's name. */
  target: string;
  /** The script's path. */
  script: string;
  /** The interface. */
  interface: string;
  /** The level. */
  level: string;
  /** The contract (or `(script)` for an error outside contracts). */
  contract: string;
  /** Whether it held. */
  ok: boolean;
  /** Where and why it failed. */
  failure?: string;
  /**
   * For a built-in model that fails a contract because the real code does:
   * why (the failure is the reference behaviour, not a bug of mmsim).
   */
  known?: string;
  /** How long the contract itself ran, in milliseconds (not a running total). */
  ms: number;
  /** What the contract's `print` statements said (and the script's before it), in order. */
  printed?: string[];
  /**
   * What a user's allocator wrote itself (`console.log`, standard error)
   * while this contract ran, apart from the verdict; bounded.
   */
  output?: string[];
}

/** What the real bitmap page allocator does with a single page (mmsim warns where it happens). */
export const BITMAP_SINGLE_PAGE: string =
  "the real BitmapPageAllocator (allocator crate 0.1.2) serves one page from the lowest free page " +
  "whatever the alignment asked for";

/**
 * Contracts the real code behind a built-in model does not keep, by model
 * and contract: mmsim reproduces the real behaviour, so the failure is
 * expected (and shown as such).
 */
export const KNOWN_DEVIATIONS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  bitmap: {
    "a single page is aligned as asked too": BITMAP_SINGLE_PAGE,
  },
  slab: {
    "alignments past a page, up to a quarter of the region":
      "the real slab_allocator 0.3.1 serves every request of up to 4096 bytes from its " +
      "4096-byte slab, whatever its alignment",
  },
};

/**
 * Limits of the fuzzer for a built-in model whose real code does not keep a
 * contract everywhere (see {@linkcode KNOWN_DEVIATIONS}): the fuzzer asks only
 * what the real code answers as the contracts say.
 */
export const FUZZ_LIMITS: Readonly<
  Record<string, { maxAlign: number; capacityComesBack: boolean; why: string }>
> = {
  slab: {
    maxAlign: 4096,
    capacityComesBack: false,
    why: "alignments past 4096 are not asked: " +
      KNOWN_DEVIATIONS.slab["alignments past a page, up to a quarter of the region"] +
      "; and capacity need not come back after other sizes: its caches keep freed memory " +
      "for their own size class, as the real slab_allocator's do",
  },
};

/**
 * The fuzzer's limits for a target: a built-in model's {@linkcode FUZZ_LIMITS},
 * nothing for user code.
 *
 * @example
 * ```ts
 * import { builtinTarget, fuzzLimits } from "./runner.ts";
 * console.log(fuzzLimits(builtinTarget("slab")!).maxAlign); // 4096
 * ```
 */
export function fuzzLimits(
  target: { name: string; builtin: boolean },
): { maxAlign?: number; capacityComesBack?: boolean } {
  const l = target.builtin ? FUZZ_LIMITS[target.name] : undefined;
  return l === undefined ? {} : { maxAlign: l.maxAlign, capacityComesBack: l.capacityComesBack };
}

/** Reads a script's `# interface:` and `# level:` lines. */
export function parseHeader(path: string, source: string): ConformanceScript {
  const iface = /^#\s*interface:\s*(\w+)/m.exec(source)?.[1];
  const level = /^#\s*level:\s*(contract|checked|exact)(?:\s+(\w+))?/m.exec(source);
  if (iface === undefined || !INTERFACES.includes(iface)) {
    throw new Error(`${path}: needs a '# interface: NAME' line (${INTERFACES.join(", ")})`);
  }
  if (level === null) {
    throw new Error(`${path}: needs a '# level: contract|checked|exact MODEL' line`);
  }
  if (level[1] === "exact" && level[2] === undefined) {
    throw new Error(`${path}: '# level: exact' names the model it pins, e.g. 'exact tlsf'`);
  }
  return {
    path,
    source,
    interface: iface,
    level: level[1] as ConformanceScript["level"],
    model: level[2],
  };
}

const BYTE = ["ByteAllocator", "GlobalAllocator", "DMA", "EarlyAllocator"];

/**
 * The built-in targets, by name: every allocator of the registry (a byte
 * allocator also answers for the kernel-level interfaces, built into the
 * global allocator) and `dragonos`.
 */
export function builtinTarget(name: string): SuiteTarget | undefined {
  if (name === "dragonos") {
    return { name, builtin: true, interfaces: ["Kmalloc", "ZonedPages", "PageTables"] };
  }
  if (name === "ax-alloc-tlsf" || name === "ax-alloc-buddy-slab") {
    const profile = name === "ax-alloc-tlsf" ? "2026-tlsf" : "2026-buddy-slab";
    return { name, builtin: true, interfaces: ["PerCpuGlobalAllocator"], profile };
  }
  const entry = allocatorEntry(name);
  if (entry === undefined) return undefined;
  return {
    name,
    builtin: true,
    interfaces: entry.global ? BYTE : [entry.interface],
    subject: { name, kind: entry.interface, make: () => entry.create() },
    byteAllocator: isByteAllocatorKind(name) ? name : undefined,
  };
}

/** The names of the built-in targets. */
export const BUILTIN_TARGETS: readonly string[] = [
  ...ALLOCATORS.map((a) => a.name),
  "dragonos",
  "ax-alloc-tlsf",
  "ax-alloc-buddy-slab",
];

/**
 * The allocator a user module exports, as a target whose instances live in
 * this realm (`find` is {@linkcode findAllocatorClass}); the conformance
 * runner keeps user code in a realm of its own and uses `remoteTarget`
 * instead.
 */
export function userTarget(path: string, module: Record<string, unknown>): SuiteTarget {
  const found = findAllocatorClass(path, module);
  return {
    name: path,
    builtin: false,
    interfaces: [found.kind],
    subject: {
      name: path,
      kind: found.kind,
      make: () => new found.cls() as ByteAllocator & PageAllocator & IdAllocator,
    },
    rerunFlags: " --allow-user-code",
  };
}

/**
 * A WebAssembly module's family as a target (the module is checked against
 * the ABI here: a {@linkcode WasmModuleError} lists what is wrong). A
 * module exporting both families is two targets, named `path (bytes)` and
 * `path (pages)`.
 *
 * @example
 * ```ts ignore
 * const bytes = Deno.readFileSync("examples/wasm/first_fit.wasm");
 * const t = wasmTarget("examples/wasm/first_fit.wasm", bytes, "ByteAllocator");
 * console.log(t.interfaces, t.pointerWidth); // ["ByteAllocator"] 4
 * ```
 */
export function wasmTarget(path: string, bytes: Uint8Array, family: WasmFamily): SuiteTarget {
  const m = loadWasmAllocator(bytes, path);
  if (!m.families.includes(family)) {
    throw new WasmModuleError(path, [
      `exports no ${family} (the ${family === "ByteAllocator" ? "byte" : "page"}_* functions)`,
    ]);
  }
  const name = m.families.length === 1
    ? path
    : `${path} (${family === "ByteAllocator" ? "bytes" : "pages"})`;
  return {
    name,
    builtin: false,
    interfaces: [family],
    subject: {
      name,
      kind: family,
      make: () => family === "ByteAllocator" ? new WasmByteAllocator(m) : new WasmPageAllocator(m),
      notes: () => m.notes?.splice(0) ?? [],
    },
    pointerWidth: m.pointerWidth,
  };
}

/** Whether `script` applies to `target`. */
export function applies(script: ConformanceScript, target: SuiteTarget): boolean {
  if (!target.interfaces.includes(script.interface)) return false;
  if (script.level === "contract") return true;
  if (!target.builtin) return false;
  return script.level === "checked" || script.model === target.name;
}

/** How {@linkcode runConformance} runs a script. */
export interface RunConformanceOptions {
  /** Seconds each contract may run (none by default). */
  contractTimeLimit?: number;
  /** Contracts to pass over, from the first (a restart after one that hung). */
  skipContracts?: number;
  /** Told when a contract starts: its name and index in the script. */
  onContractStart?: (name: string, index: number) => void;
  /** Told of each row as soon as it is known. */
  onRow?: (row: ConformanceResult) => void;
  /** Told of each call of the allocator under test as it starts (`""` when it returns). */
  onCall?: (op: string) => void;
}

/**
 * Runs one script against one target; one result per contract (plus a
 * `(script)` row if something outside the contracts failed).
 */
export function runConformance(
  script: ConformanceScript,
  target: SuiteTarget,
  seed = 1n,
  options: RunConformanceOptions = {},
): ConformanceResult[] {
  let t0 = performance.now();
  const rows: ConformanceResult[] = [];
  /** What was printed since the last row: it goes with the next one. */
  let printed: string[] = [];
  const push = (r: ConformanceResult) => {
    for (const note of target.subject?.notes?.() ?? []) printed.push(`warning: ${note}`);
    if (printed.length > 0) {
      r.printed = printed;
      printed = [];
    }
    rows.push(r);
    options.onRow?.(r);
  };
  const row = (
    contract: string,
    ok: boolean,
    failure?: string,
    ms = performance.now() - t0,
  ): ConformanceResult => resultRow(script, target, contract, ok, failure, ms);
  const loaded = load(script.path, DISK, script.source);
  if (loaded.problems.length > 0) {
    const p = loaded.problems[0];
    push(row("(script)", false, `${p.file}:${p.line}:${p.column}: ${p.message}`));
    return rows;
  }
  const world = new World({
    seed,
    subject: target.subject,
    byteAllocator: target.byteAllocator,
    profile: target.profile,
  });
  world.onCall = options.onCall;
  let index = options.skipContracts ?? 0;
  const interpreter = new Interpreter(world, (e) => {
    if (e.event === "contract-start") {
      t0 = performance.now();
      options.onContractStart?.(e.name, index++);
    } else if (e.event === "print") {
      if (printed.length < MAX_PRINTED) printed.push(e.text);
      else if (printed.length === MAX_PRINTED) printed.push("... (more print output not kept)");
    } else if (e.event === "contract") {
      const f = e.failure;
      push(
        row(
          e.name,
          e.ok,
          f && `${f.file}:${f.line}:${f.column}: ${said(f.error, f.message)}`,
          e.ms,
        ),
      );
    }
  }, { contractTimeLimit: options.contractTimeLimit, skipContracts: options.skipContracts });
  try {
    interpreter.run(loaded);
  } catch (e) {
    if (!(e instanceof RunError)) throw e;
    push(row("(script)", false, `${e.message} [${errorName(e.error)}]`));
  }
  return rows;
}

/** An error's name and message, the name once (an AllocError's message starts with its kind). */
function said(name: string, message: string): string {
  return message === name || message.startsWith(`${name}: `) ? message : `${name}: ${message}`;
}

/** How many `print` lines one row keeps. */
const MAX_PRINTED = 200;

/** One row of results (a known deviation of a built-in model counts as kept). */
export function resultRow(
  script: ConformanceScript,
  target: { name: string; builtin: boolean },
  contract: string,
  ok: boolean,
  failure: string | undefined,
  ms: number,
): ConformanceResult {
  const known = target.builtin && !ok ? KNOWN_DEVIATIONS[target.name]?.[contract] : undefined;
  return {
    target: target.name,
    script: script.path,
    interface: script.interface,
    level: script.level === "exact" ? `exact ${script.model}` : script.level,
    contract,
    ok: ok || known !== undefined,
    failure,
    ...(known === undefined ? {} : { known }),
    ms,
  };
}
