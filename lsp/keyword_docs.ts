/**
 * What the language's keywords mean, for an editor's hover: each statement's
 * form and a line on what it does, as `docs/LANGUAGE.md` has them.
 *
 * @module
 */

/** A keyword's form and meaning. */
export interface KeywordDoc {
  /** The statement or expression it starts, as written. */
  form: string;
  /** What it does. */
  doc: string;
}

/** `for` and its `in`. */
const FOR_DOC: KeywordDoc = { form: "for i in a..b { ... }", doc: "`i` from `a` up to `b - 1`" };

/** `cpu K { ... }`: a lane of a `parallel` block (the word `cpu` not called as `cpu()`). */
export const LANE_DOC: KeywordDoc = {
  form: "parallel { cpu 0 { ... } cpu 1 { ... } }",
  doc: "a lane: its statements run on CPU K, interleaved step by step with the other lanes " +
    "in an order drawn from --seed (the same seed, the same order)",
};

/** `on cpu K { ... }`'s `cpu`. */
export const ON_CPU_DOC: KeywordDoc = {
  form: "on cpu K { ... }",
  doc: "the block runs on CPU K, then the statements after it on the CPU before",
};

/**
 * The keywords' docs, by keyword (`true`, `false` and `null` have none:
 * they are values).
 *
 * @example
 * ```ts
 * import { KEYWORD_DOCS } from "./keyword_docs.ts";
 * console.log(KEYWORD_DOCS.parallel.form); // parallel { cpu 0 { ... } cpu 1 { ... } }
 * ```
 */
export const KEYWORD_DOCS: Readonly<Record<string, KeywordDoc>> = {
  let: {
    form: "let x = expr",
    doc: "a new variable (inside a `proc` or a `parallel` lane, a local one)",
  },
  if: {
    form: "if cond { ... } else if cond { ... } else { ... }",
    doc: "runs the first block whose condition holds",
  },
  else: {
    form: "if cond { ... } else { ... }",
    doc: "the block that runs when no condition before it held",
  },
  repeat: { form: "repeat N { ... }", doc: "runs the block N times" },
  while: { form: "while cond { ... }", doc: "runs the block while `cond` holds" },
  for: FOR_DOC,
  in: FOR_DOC,
  include: {
    form: 'include "other.mms"',
    doc: "runs another script, relative to this one, inside this script's directory tree",
  },
  proc: {
    form: "proc name(p, q) { ... return v }",
    doc: "a procedure; call it as `name(1, 2)` (a builtin's name is taken)",
  },
  return: { form: "return v", doc: "ends the procedure, which gives `v` (or null)" },
  print: { form: "print expr", doc: "prints a line (`{...}` in a string shows a value)" },
  expect: {
    form: 'expect cond ["message"]',
    doc: "fails the run (exit 1) unless `cond` holds, showing the values of its parts; " +
      "`expect error NAME { ... }` wants the block to raise that error",
  },
  error: {
    form: 'expect error NAME { ... } ["message"]',
    doc: "the block must raise that error (an `AllocError` kind, `KernelPanic`, `DoubleFree`, ...)",
  },
  platform: {
    form: "platform NAME",
    doc: "selects the platform before the kernel starts (`--platform` overrides it)",
  },
  kernel: {
    form: "kernel KEY = VALUE",
    doc: "kernel configuration before it starts: `arceos`, `byte_allocator`, `page_allocator`, " +
      "`page_capacity`, `dragonos_memory`",
  },
  using: {
    form: "using p = page_alloc() { ... }",
    doc: "releases the page at the end of the block",
  },
  unchecked: {
    form: "unchecked { ... }",
    doc: "the block's accesses and frees are not checked by the sanitizer",
  },
  contract: {
    form: 'contract "name" { ... }',
    doc: "a contract of a conformance script: a failure inside fails the contract, " +
      "and the script goes on with the next",
  },
  cpus: {
    form: "cpus N",
    doc:
      "the machine has N CPUs (1 to 64, before the kernel starts; the platform's harts by default; " +
      "not fewer than a CPU an `on cpu` block or a lane runs on)",
  },
  ram: {
    form: "ram SIZE",
    doc: "the machine has SIZE bytes of RAM (whole MiB, 16 MiB to 16 GiB), laid out as QEMU's " +
      "`-m SIZE` lays it out (before anything runs)",
  },
  on: ON_CPU_DOC,
  parallel: {
    form: LANE_DOC.form,
    doc: "the lanes run interleaved, one step at a time, in an order drawn from --seed; " +
      "a step is one simple statement, and a block other than `if`, a loop or `on cpu` is one step; " +
      "what a lane declares (`let`, `for`) is its own; what was there before is shared; " +
      "a lane cannot `return` (assign a variable, and return after the block)",
  },
};
