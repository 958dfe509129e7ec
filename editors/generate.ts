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
import { serializedGrammar } from "../dsl/parser.ts";
import { KEYWORDS } from "../lsp/analysis.ts";
import { BUILTINS, CONSTANT_NAMES } from "../runtime/builtins.ts";

const ROOT = new URL("../", import.meta.url).pathname;

/** Where the generated files go, from the repository root. */
export const GENERATED = {
  grammar: "editors/vscode/syntaxes/mms.tmLanguage.json",
  diagrams: "docs/syntax.html",
} as const;

const words = (list: readonly string[]) =>
  [...list].sort((a, b) => b.length - a.length || a.localeCompare(b)).join("|");

/** Keywords by role, as the grammar colours them. */
const CONTROL = ["if", "else", "repeat", "while", "for", "in", "return", "unchecked", "using"];
const DECLARATION = ["let", "proc", "contract"];

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
    (k) =>
      !CONTROL.includes(k) && !DECLARATION.includes(k) && !["true", "false", "null"].includes(k),
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
        name: "comment.line.number-sign.mms",
        captures: { 1: { name: "punctuation.definition.comment.mms" } },
      },
      statement: {
        patterns: [
          {
            match: `\\b(proc)\\s+(${name})`,
            captures: {
              1: { name: "storage.type.function.mms" },
              2: { name: "entity.name.function.mms" },
            },
          },
          {
            match: `\\b(platform)\\s+([A-Za-z0-9_-]+)`,
            captures: {
              1: { name: "keyword.other.platform.mms" },
              2: { name: "entity.name.tag.platform.mms" },
            },
          },
          {
            match: `\\b(kernel)\\s+(${name})`,
            captures: {
              1: { name: "keyword.other.kernel.mms" },
              2: { name: "variable.parameter.setting.mms" },
            },
          },
          {
            match: `\\b(expect)\\s+(error)\\s+(${name})`,
            captures: {
              1: { name: "keyword.other.expect.mms" },
              2: { name: "keyword.other.error.mms" },
              3: { name: "entity.name.type.error.mms" },
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
          { match: `\\b(${words(CONTROL)})\\b`, name: "keyword.control.mms" },
          { match: `\\b(${words(DECLARATION)})\\b`, name: "storage.type.mms" },
          { match: `\\b(${words(other)})\\b`, name: "keyword.other.mms" },
          { match: "\\b(true|false|null)\\b", name: "constant.language.mms" },
          {
            match: `\\b(${words(Object.keys(BUILTINS))})\\b(?=\\s*\\()`,
            name: "support.function.builtin.mms",
          },
          { match: `\\b(${words(CONSTANT_NAMES)})\\b`, name: "support.constant.mms" },
          { match: `\\b(${name})\\b(?=\\s*\\()`, name: "entity.name.function.call.mms" },
          {
            match: `(\\.)\\s*(${name})`,
            captures: {
              1: { name: "punctuation.accessor.mms" },
              2: { name: "variable.other.property.mms" },
            },
          },
          { match: "\\.\\.", name: "keyword.operator.range.mms" },
          {
            match: "==|!=|<=|>=|<<|>>|&&|\\|\\||[-+*/%&|^~!<>]",
            name: "keyword.operator.mms",
          },
          { match: "=", name: "keyword.operator.assignment.mms" },
          { match: "[,;]", name: "punctuation.separator.mms" },
          { match: "[(){}]", name: "punctuation.section.mms" },
          { match: `\\b${name}\\b`, name: "variable.other.mms" },
        ],
      },
      number: {
        match: "\\b(?:0x[0-9a-fA-F][0-9a-fA-F_]*|0b[01][01_]*|[0-9][0-9_]*)[KMGT]?\\b",
        name: "constant.numeric.mms",
      },
      string: {
        begin: '"',
        end: '"|$',
        beginCaptures: { 0: { name: "punctuation.definition.string.begin.mms" } },
        endCaptures: { 0: { name: "punctuation.definition.string.end.mms" } },
        name: "string.quoted.double.mms",
        patterns: [
          { match: "\\\\(?:x[0-9a-fA-F]{2}|.)", name: "constant.character.escape.mms" },
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
  let html = createSyntaxDiagramsCode(serializedGrammar() as ISerializedGast[], {
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
  return "<!DOCTYPE html>\n" +
    "<!-- Generated by deno task editors from dsl/parser.ts: the .mms grammar as syntax diagrams. -->\n" +
    "<title>mmsim: the .mms grammar</title>" + body;
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
