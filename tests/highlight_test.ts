// One source for the colours: dsl/highlight.ts gives each piece of a script
// its role; the playground colours by it, and the editors' TextMate grammar
// is made from the same keyword lists and the same scope for each role.
import assert from "node:assert/strict";
import { ALL_KEYWORDS, highlight, ROLE_SCOPES } from "../dsl/highlight.ts";
import { BUILTINS, CONSTANT_NAMES } from "../runtime/builtins.ts";
import { textMateGrammar } from "../editors/generate.ts";
import { KEYWORDS } from "../lsp/analysis.ts";

const names = { builtins: new Set(Object.keys(BUILTINS)), constants: new Set(CONSTANT_NAMES) };
const pieces = (text: string) =>
  highlight(text, names).map((s) => [text.slice(s.start, s.end), s.role]);

Deno.test("highlight: on cpu's and a lane's cpu are keywords, cpu() the builtin", () => {
  assert.deepEqual(
    pieces("on cpu 1 { print cpu() }\nparallel { cpu 0 { } }").filter(([t]) =>
      /cpu|on|parallel/.test(t)
    ),
    [
      ["on", "control"],
      ["cpu", "control"],
      ["cpu", "builtin"],
      ["parallel", "control"],
      ["cpu", "control"],
    ],
  );
});

Deno.test("highlight: a platform name is one piece, an expected error's name is coloured", () => {
  assert.deepEqual(pieces("platform riscv64-qemu-virt\n"), [
    ["platform", "keyword"],
    ["riscv64-qemu-virt", "platform"],
  ]);
  assert.deepEqual(pieces("expect error NoMemory { alloc(1, 8) }").slice(0, 5), [
    ["expect", "keyword"],
    ["error", "keyword"],
    ["NoMemory", "errorName"],
    ["{", "punctuation"],
    ["alloc", "builtin"],
  ]);
  assert.deepEqual(pieces('kernel byte_allocator = tlsf # the heap\nlet s = "a\\x41{ZONE_DMA}"'), [
    ["kernel", "keyword"],
    ["byte_allocator", "setting"],
    ["=", "operator"],
    ["tlsf", "variable"],
    ["# the heap", "comment"],
    ["let", "declaration"],
    ["s", "variable"],
    ["=", "operator"],
    ['"', "string"],
    ["a", "string"],
    ["\\x41", "escape"],
    ["{", "punctuation"],
    ["ZONE_DMA", "constant"],
    ["}", "punctuation"],
    ['"', "string"],
  ]);
});

Deno.test("highlight: the editors' grammar uses the same roles' scopes and keywords", () => {
  const text = JSON.stringify(textMateGrammar());
  for (const [role, scope] of Object.entries(ROLE_SCOPES)) {
    assert.ok(text.includes(`"${scope}"`), `the grammar colours ${role} as ${scope}`);
  }
  for (const k of ALL_KEYWORDS) assert.ok(new RegExp(`\\b${k}\\b`).test(text), k);
  assert.deepEqual(
    [...KEYWORDS].sort(),
    [...ALL_KEYWORDS].sort(),
    "the language server's keywords",
  );
});

Deno.test("highlight: every scenario is coloured whole, piece after piece", () => {
  for (const e of Deno.readDirSync(new URL("../scripts/", import.meta.url))) {
    if (!e.name.endsWith(".mms")) continue;
    const text = Deno.readTextFileSync(new URL(`../scripts/${e.name}`, import.meta.url));
    let at = 0;
    for (const s of highlight(text, names)) {
      assert.ok(s.start >= at && s.end > s.start, `${e.name}: pieces in order at ${s.start}`);
      assert.equal(
        text.slice(at, s.start).trim(),
        "",
        `${e.name}: nothing uncoloured before ${s.start}`,
      );
      at = s.end;
    }
  }
});
