// Pathological scripts get a located problem and an exit code, never a
// JavaScript stack overflow.
import assert from "node:assert/strict";
import { MAX_NESTING, MAX_SYNTAX_DEPTH } from "../dsl/limits.ts";
import { parse } from "../dsl/parser.ts";
import { escapeLines } from "../dsl/diagnostics.ts";
import fc from "fast-check";
import { runScript } from "./run_helpers.ts";

function run(source: string) {
  return runScript(["t.mms", "--quiet"], { "t.mms": source });
}

Deno.test("limits: brackets nested past the limit are refused where they pass it", () => {
  const n = MAX_NESTING + 50;
  const r = run(`let x = ${"(".repeat(n)}1${")".repeat(n)}\n`);
  assert.equal(r.code, 2);
  assert.match(r.err[0], new RegExp(`^t\\.mms:1:${9 + MAX_NESTING}: error: brackets nest more`));
  // Braces count too: blocks inside blocks.
  const blocks = run("if true {".repeat(n) + "}".repeat(n) + "\n");
  assert.equal(blocks.code, 2);
  assert.match(blocks.err[0], /brackets nest more than \d+ deep/);
  // Up to the limit is fine.
  const ok = run(`let x = ${"(".repeat(MAX_NESTING)}7${")".repeat(MAX_NESTING)}\nprint x\n`);
  assert.deepEqual([ok.code, ok.out], [0, ["7"]]);
});

Deno.test("limits: a run of prefix operators, but not a binary minus, counts", () => {
  const r = run(`let x = ${"-".repeat(MAX_NESTING + 1)}1\n`);
  assert.equal(r.code, 2);
  assert.match(r.err[0], /prefix operators in a row/);
  const ok = run(`let x = 5 - ${"-".repeat(MAX_NESTING - 1)}1\nprint x\n`);
  assert.equal(ok.code, 0, ok.err.join("\n"));
});

Deno.test("limits: a long operator chain, in a statement or a string, is refused", () => {
  const chain = (n: number) => Array(n).fill("1").join(" + ");
  const r = run(`print "start"\nlet x = ${chain(MAX_SYNTAX_DEPTH + 5)}\n`);
  assert.equal(r.code, 2);
  assert.match(r.err[0], /^t\.mms:2:1: error: this statement nests more than \d+ levels deep/);
  const inString = run(`print "{${chain(MAX_SYNTAX_DEPTH + 5)}}"\n`);
  assert.equal(inString.code, 2);
  assert.match(inString.err[0], /nests more than/);
  // The longest chain allowed evaluates (and so does one inside a string).
  const n = MAX_SYNTAX_DEPTH - 2;
  const ok = run(`let x = ${chain(n)}\nprint x\nprint "{${chain(n - 1)}}"\n`);
  assert.deepEqual([ok.code, ok.out], [0, [String(n), String(n - 1)]]);
});

Deno.test("limits: runaway recursion stops with one line per call site", () => {
  const r = run("proc f(n) {\n  return f(n + 1)\n}\nprint f(0)\n");
  assert.equal(r.code, 1);
  assert.match(r.err[0], /^t\.mms:2:3: error: f: procedure calls nested more than 200 deep/);
  assert.deepEqual(r.err.filter((l) => l.includes("called from")), [
    "  called from t.mms:2:10 (199 times)",
    "  called from t.mms:4:7",
  ]);
  // Deep but bounded recursion is fine.
  const ok = run(
    "proc depth(n) {\n  if n == 0 { return 0 }\n  return 1 + depth(n - 1)\n}\nprint depth(199)\n",
  );
  assert.deepEqual([ok.code, ok.out], [0, ["199"]]);
});

Deno.test("limits: a script of 150,000 statements parses (no argument-spread overflow)", () => {
  const { program, problems } = parse("1\n".repeat(150_000), "big.mms");
  assert.deepEqual([program.body.length, problems.length], [150_000, 0]);
});

Deno.test("fuzz: any soup of tokens gets exit 0, 1 or 2, no JavaScript error, no raw control bytes", () => {
  // A tree with hostile neighbours: a link out of it, a binary file full of
  // terminal escape sequences.
  const dir = Deno.makeTempDirSync();
  const outside = Deno.makeTempDirSync();
  Deno.writeTextFileSync(`${outside}/secret.mms`, "print 1\n");
  Deno.symlinkSync(outside, `${dir}/link`);
  Deno.writeTextFileSync(`${dir}/bin.mms`, "\x1b]0;owned\x07\x1b[2J\x00\x9b1m\u202e\n");
  // Pieces of the language, glued at random: the parser's error recovery
  // once left holes in the tree that the checker tripped on.
  const pieces = [
    "let",
    "x",
    "=",
    "1",
    "0xffff_ffff_ffff_ffff",
    "(",
    ")",
    "{",
    "}",
    "+",
    "-",
    "*",
    "/",
    "%",
    "<<",
    "==",
    "&&",
    "!",
    "~",
    "\n",
    ";",
    "if",
    "else",
    "repeat 3",
    "for i in 0..3",
    "print",
    "expect",
    "error NoMemory",
    "alloc(",
    "kmalloc(",
    "kfree(",
    ",",
    ".",
    '"a{x}b"',
    '"{"',
    "proc f(a) {",
    "f(",
    "return",
    'include "x.mms"',
    "platform aarch64-qemu-virt",
    "kernel byte_allocator = slab",
    "using g = alloc_pages(1, 4K) {",
    "null",
    "true",
    "final_init()",
    "_skernel",
    "mm_stat()",
    "99999999999999999999999",
    'contract "c" {',
    "\\",
    'include "link/secret.mms"',
    'include "bin.mms"',
    "\r\n",
    "\r",
    "\ufeff",
    "\x1b[2J",
    "y".repeat(5000),
    "0x1_0000_0000_0000_0000",
    "write8(p, 300)",
    "write16(alloc(8, 8), -40000)",
    "fill(alloc(8, 8), -1, 0)",
    "read_str(alloc(8, 8), 1G)",
  ];
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.constantFrom(...pieces), fc.boolean()), { maxLength: 30 }),
      (parts) => {
        const source = parts.map(([p, space]) => p + (space ? " " : "")).join("");
        const r = runScript([`${dir}/t.mms`, "--quiet"], { [`${dir}/t.mms`]: source });
        assert.ok([0, 1, 2].includes(r.code), `exit ${r.code} for ${JSON.stringify(source)}`);
        const err = r.err.join("\n");
        assert.doesNotMatch(err, /\n\s+at |TypeError|RangeError|ReferenceError/, source);
        assert.equal(escapeLines(err), err, `raw control characters for ${JSON.stringify(source)}`);
        assert.ok(err.length < 200_000, "diagnostics stay short");
      },
    ),
    { numRuns: 400, seed: 7 },
  );
  Deno.removeSync(dir, { recursive: true });
  Deno.removeSync(outside, { recursive: true });
});
