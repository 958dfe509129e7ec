// docs/LANGUAGE.md: every example runs, and every builtin, constant and
// statement appears in one.
import assert from "node:assert/strict";
import { BUILTINS, CONSTANT_NAMES } from "../runtime/builtins.ts";
import { runScript } from "./run_helpers.ts";
import { builtinTarget, parseHeader, runConformance } from "../conformance/runner.ts";

const doc = Deno.readTextFileSync(new URL("../docs/LANGUAGE.md", import.meta.url));
const examples = [...doc.matchAll(/```mms\n([\s\S]*?)```/g)].map((m) => m[1]);
const conformanceExamples = [...doc.matchAll(/```mms conformance\n([\s\S]*?)```/g)].map((m) =>
  m[1]
);

Deno.test("docs: LANGUAGE.md has examples", () => {
  assert.ok(examples.length >= 10);
});

examples.forEach((code, i) => {
  const first = code.split("\n").find((l) => l.trim() && !l.startsWith("#")) ?? "";
  Deno.test(`docs: example ${i + 1} runs (${first.slice(0, 40)})`, () => {
    const r = runScript([`example${i + 1}.mms`, "--quiet"], { [`example${i + 1}.mms`]: code });
    assert.equal(r.code, 0, `example ${i + 1} failed:\n${r.err.join("\n")}\n---\n${code}`);
  });
});

conformanceExamples.forEach((code, i) => {
  Deno.test(`docs: conformance example ${i + 1} holds for every built-in byte allocator`, () => {
    for (const name of ["tlsf", "slab", "buddy"]) {
      const rows = runConformance(parseHeader(`doc${i + 1}.mms`, code), builtinTarget(name)!);
      assert.ok(rows.length > 0 && rows.every((r) => r.ok), JSON.stringify(rows));
    }
  });
});

Deno.test("docs: every builtin, constant and statement has an example", () => {
  const all = [...examples, ...conformanceExamples].join("\n");
  const missing = [
    ...Object.keys(BUILTINS),
    ...CONSTANT_NAMES,
  ].filter((name) => !new RegExp(`\\b${name}\\b`).test(all));
  assert.deepEqual(missing, []);
  for (
    const kw of [
      "let",
      "print",
      "expect",
      "expect error",
      "if",
      "else",
      "repeat",
      "for",
      "proc",
      "return",
      "platform",
      "kernel",
      "using",
      "cpus",
      "on cpu",
      "parallel",
    ]
  ) {
    assert.ok(new RegExp(`(^|\\s)${kw}\\b`, "m").test(all), `no example uses '${kw}'`);
  }
  assert.match(doc, /include "other\.mms"/);
});

Deno.test("docs: the README's quick start shows what `deno task run boot.mms` prints", () => {
  const readme = Deno.readTextFileSync(new URL("../README.md", import.meta.url));
  const quoted = readme.match(/The first command runs[^\n]*\n\n```\n([\s\S]*?)```/);
  assert.ok(quoted, "the README quotes the first command's output");
  const r = runScript(["boot.mms"]);
  assert.equal(r.code, 0, r.err.join("\n"));
  assert.deepEqual([...r.out, ...r.err].join("\n") + "\n", quoted[1]);
  const expects = Number(readme.match(/and (\d+) `expect`s hold/)?.[1]);
  const script = Deno.readTextFileSync(new URL("../scripts/boot.mms", import.meta.url));
  assert.equal(expects, script.match(/^\s*expect\b/gm)?.length);
});
