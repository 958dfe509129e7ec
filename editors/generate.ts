/**
 * `deno task editors`: writes what editors and readers get from the
 * language's own definition, so that it never drifts from it:
 *
 * - `editors/vscode/syntaxes/mms.tmLanguage.json`, the TextMate grammar
 *   (colours on GitHub-like viewers and in editors without the server), with
 *   the builtins and constants of the runtime's tables;
 * - `docs/syntax.html`, syntax diagrams of the grammar drawn from the parser
 *   itself (Chevrotain's `createSyntaxDiagramsCode`), with its scripts and
 *   styles inlined: one file that works offline.
 *
 * `--check` writes nothing and fails if a file is not current.
 *
 * @module
 */

import { createSyntaxDiagramsCode, type ISerializedGast } from "chevrotain";
import { createRequire } from "node:module";
import { BINARY_PRECEDENCE, serializedGrammar, type SerializedRule } from "../dsl/parser.ts";
import {
  ALL_KEYWORDS as KEYWORDS,
  CONTROL_KEYWORDS,
  DECLARATION_KEYWORDS,
  LITERAL_KEYWORDS,
  ROLE_SCOPES,
} from "../dsl/highlight.ts";
import { BUILTINS, CONSTANT_NAMES } from "../runtime/builtins.ts";

const ROOT = new URL("../", import.meta.url).pathname;

/** Where the generated files go, from the repository root. */
export const GENERATED = {
  grammar: "editors/vscode/syntaxes/mms.tmLanguage.json",
  diagrams: "docs/syntax.html",
} as const;

const words = (list: readonly string[]) =>
  [...list].sort((a, b) => b.length - a.length || a.localeCompare(b)).join("|");

// Keywords by role and each role's scope: dsl/highlight.ts, which the playground colours with too.
const CONTROL = CONTROL_KEYWORDS;
const DECLARATION = DECLARATION_KEYWORDS;
const SCOPE = ROLE_SCOPES;

/**
 * The TextMate grammar of `.mms` (scope `source.mms`).
 *
 * @example
 * ```ts ignore
 * const g = textMateGrammar();
 * console.log(g.scopeName); // source.mms
 * ```
 */
export function textMateGrammar(): Record<string, unknown> {
  const other = KEYWORDS.filter(
    (k) => !CONTROL.includes(k) && !DECLARATION.includes(k) && !LITERAL_KEYWORDS.includes(k),
  );
  const name = "[A-Za-z_][A-Za-z0-9_]*";
  return {
    $schema: "https://raw.githubusercontent.com/martinring/tmlanguage/master/tmlanguage.json",
    name: "mmsim script",
    scopeName: "source.mms",
    fileTypes: ["mms"],
    patterns: [{ include: "#comment" }, { include: "#statement" }],
    repository: {
      comment: {
        match: "(#).*$",
        name: SCOPE.comment,
        captures: { 1: { name: "punctuation.definition.comment.mms" } },
      },
      statement: {
        patterns: [
          {
            match: `\\b(proc)\\s+(${name})`,
            captures: {
              1: { name: "storage.type.function.mms" },
              2: { name: SCOPE.function },
            },
          },
          {
            match: `\\b(platform)\\s+([A-Za-z0-9_-]+)`,
            captures: {
              1: { name: "keyword.other.platform.mms" },
              2: { name: SCOPE.platform },
            },
          },
          {
            match: `\\b(kernel)\\s+(${name})`,
            captures: {
              1: { name: "keyword.other.kernel.mms" },
              2: { name: SCOPE.setting },
            },
          },
          {
            match: `\\b(expect)\\s+(error)\\s+(${name})`,
            captures: {
              1: { name: "keyword.other.expect.mms" },
              2: { name: "keyword.other.error.mms" },
              3: { name: SCOPE.errorName },
            },
          },
          { include: "#expression" },
        ],
      },
      expression: {
        patterns: [
          { include: "#comment" },
          { include: "#string" },
          { include: "#number" },
          { match: `\\b(${words(CONTROL)})\\b`, name: SCOPE.control },
          // `on cpu K` and a lane's `cpu K`: the word not called as the builtin cpu().
          { match: "\\b(cpu)\\b(?!\\s*\\()", name: SCOPE.control },
          { match: `\\b(${words(DECLARATION)})\\b`, name: SCOPE.declaration },
          { match: `\\b(${words(other)})\\b`, name: SCOPE.keyword },
          { match: `\\b(${words(LITERAL_KEYWORDS)})\\b`, name: SCOPE.literal },
          {
            match: `\\b(${words(Object.keys(BUILTINS))})\\b(?=\\s*\\()`,
            name: SCOPE.builtin,
          },
          { match: `\\b(${words(CONSTANT_NAMES)})\\b`, name: SCOPE.constant },
          { match: `\\b(${name})\\b(?=\\s*\\()`, name: "entity.name.function.call.mms" },
          {
            match: `(\\.)\\s*(${name})`,
            captures: {
              1: { name: "punctuation.accessor.mms" },
              2: { name: SCOPE.property },
            },
          },
          { match: "\\.\\.", name: "keyword.operator.range.mms" },
          {
            match: "==|!=|<=|>=|<<|>>|&&|\\|\\||[-+*/%&|^~!<>]",
            name: SCOPE.operator,
          },
          { match: "=", name: "keyword.operator.assignment.mms" },
          { match: "[,;]", name: "punctuation.separator.mms" },
          { match: "[(){}]", name: SCOPE.punctuation },
          { match: `\\b${name}\\b`, name: SCOPE.variable },
        ],
      },
      number: {
        match: "\\b(?:0x[0-9a-fA-F][0-9a-fA-F_]*|0b[01][01_]*|[0-9][0-9_]*)[KMGT]?\\b",
        name: SCOPE.number,
      },
      string: {
        begin: '"',
        end: '"|$',
        beginCaptures: { 0: { name: "punctuation.definition.string.begin.mms" } },
        endCaptures: { 0: { name: "punctuation.definition.string.end.mms" } },
        name: SCOPE.string,
        patterns: [
          { match: "\\\\(?:x[0-9a-fA-F]{2}|.)", name: SCOPE.escape },
          {
            begin: "\\{",
            end: "\\}|$",
            beginCaptures: { 0: { name: "punctuation.section.interpolation.begin.mms" } },
            endCaptures: { 0: { name: "punctuation.section.interpolation.end.mms" } },
            name: "meta.interpolation.mms",
            contentName: "source.mms.embedded",
            patterns: [{ include: "#expression" }],
          },
        ],
      },
    },
  };
}

/** The package directory of Chevrotain, where its diagram scripts are. */
function chevrotainDir(): string {
  const require = createRequire(import.meta.url);
  const main = require.resolve("chevrotain");
  return main.slice(0, main.lastIndexOf("/lib/") + 1);
}

/**
 * `docs/syntax.html`: the syntax diagrams of the grammar, self-contained.
 *
 * @example
 * ```ts ignore
 * Deno.writeTextFileSync("docs/syntax.html", syntaxDiagramsHtml());
 * ```
 */
export function syntaxDiagramsHtml(): string {
  const base = "@@chevrotain/";
  let html = createSyntaxDiagramsCode(relabelled(serializedGrammar()) as ISerializedGast[], {
    resourceBase: base,
    css: `${base}diagrams.css`,
  });
  const dir = `${chevrotainDir()}diagrams/`;
  const read = (path: string) =>
    Deno.readTextFileSync(`${dir}${path}`).replaceAll("</script", "<\\/script");
  html = html.replace(
    `<link rel='stylesheet' href='${base}diagrams.css'>`,
    `<style>\n${read("diagrams.css")}\n</style>`,
  );
  html = html.replace(
    new RegExp(`<script src='${base}([^']+)'></script>`, "g"),
    (_, path: string) => `<script>\n${read(path)}\n</script>`,
  );
  if (html.includes(base)) throw new Error("a diagram resource was left to fetch");
  // The doctype first (else the page renders in quirks mode), then the title
  // and the generator's comment after it.
  const body = html.replace("<!-- This is a generated file -->", "").replace(
    /<!DOCTYPE html>/i,
    "",
  );
  const page = body.replace(/<div id="diagrams"/, (open) => introduction() + open);
  if (page === body) throw new Error("the diagrams page has no diagrams element to introduce");
  return "<!DOCTYPE html>\n" +
    "<!-- Generated by deno task editors from dsl/parser.ts: the .mms grammar as syntax diagrams. -->\n" +
    '<meta charset="utf-8"><meta name="viewport" content="width=device-width">' +
    "<title>mmsim: the .mms grammar</title>" + page;
}

/** What a terminal that is not literal text reads as in the diagrams. */
const TERMINAL_WORDS: Readonly<Record<string, string>> = {
  Newline: "end of line",
  Identifier: "name",
  Integer: "integer",
  StringText: "text",
  BinaryOp: "binary operator",
};

/**
 * The grammar with each terminal labelled as one types it: `let`, `{`,
 * `==`, or a word for a class of tokens (`name`, `integer`).
 */
function relabelled(rules: SerializedRule[]): SerializedRule[] {
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (node === null || typeof node !== "object") return node;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) out[k] = walk(v);
    if (out.type === "Terminal" && typeof out.name === "string") {
      const word = TERMINAL_WORDS[out.name];
      const pattern = out.pattern;
      out.label = word ??
        (typeof pattern === "string" && !/[\\[(|?*+]/.test(pattern) ? pattern : out.name);
    }
    return out;
  };
  return walk(rules) as SerializedRule[];
}

/** The words before the diagrams: what they are, how to read them, the precedence of operators. */
function introduction(): string {
  const levels = new Map<number, string[]>();
  for (const [op, level] of Object.entries(BINARY_PRECEDENCE)) {
    levels.set(level, [...(levels.get(level) ?? []), op]);
  }
  const esc = (s: string) =>
    s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
  const rows = [...levels.entries()].sort((a, b) => b[0] - a[0]).map(([, ops]) =>
    `<tr><td>${ops.map((o) => `<code>${esc(o)}</code>`).join(" ")}</td><td>left to right</td></tr>`
  ).join("");
  return `
<style>
body { font: 15px/1.5 system-ui, sans-serif; max-width: 100%; overflow-x: hidden; }
.intro { max-width: 60em; margin: 1em 1.5em 2em; }
.intro table { border-collapse: collapse; } .intro td, .intro th { border-bottom: 1px solid #ddd; padding: 2px 10px; text-align: left; }
svg.railroad-diagram { max-width: 100%; }
</style>
<div class="intro">
<h1>The <code>.mms</code> grammar</h1>
<p>Syntax diagrams of the scripting language of mmsim, drawn from its parser: follow a line from the
left to the right; a rounded box is text you type (<code>let</code>, <code>{</code>, <code>==</code>)
or a kind of token (<em>name</em>, <em>integer</em>, <em>text</em> inside a string, <em>end of
line</em>); a square box is another rule, a link to its diagram. What each statement does, the
builtins and examples: <a href="LANGUAGE.md">LANGUAGE.md</a>.</p>
<h2>Operator precedence</h2>
<p>A <em>binary operator</em> in the diagrams is one of these, tightest first (as in Rust). The unary
operators <code>!</code>, <code>~</code> and <code>-</code> bind tighter than all of them, and calls
<code>f(x)</code> and fields <code>h.used</code> tighter still.</p>
<table><tr><th>operators</th><th>grouping</th></tr>${rows}</table>
</div>
`;
}

/** Each generated file and its current text. */
export function generated(): [string, string][] {
  return [
    [GENERATED.grammar, JSON.stringify(textMateGrammar(), null, 2) + "\n"],
    [GENERATED.diagrams, syntaxDiagramsHtml()],
  ];
}

if (import.meta.main) {
  const check = Deno.args.includes("--check");
  let stale = 0;
  for (const [path, text] of generated()) {
    let old = "";
    try {
      old = Deno.readTextFileSync(`${ROOT}${path}`);
    } catch {
      // not written yet
    }
    if (old === text) continue;
    if (check) {
      console.error(`editors: ${path} is not current: run deno task editors`);
      stale++;
    } else {
      Deno.writeTextFileSync(`${ROOT}${path}`, text);
      console.log(`wrote ${path}`);
    }
  }
  Deno.exit(stale > 0 ? 1 : 0);
}
