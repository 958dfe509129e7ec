/**
 * What the language server knows about a script: its problems (the parser's
 * and the checker's, the command line's messages), and, at a position, what
 * can be completed there, what a name is, and where it is defined. Plain
 * functions over a loaded script; positions are the editor's (0-based line,
 * UTF-16 character).
 *
 * @module
 */

import type { Loc, Program, Stmt } from "../dsl/ast.ts";
import { ALL_TOKENS } from "../dsl/lexer.ts";
import { forEachChild, walk } from "../dsl/walk.ts";
import { type FileAccess, load, type LoadedScript } from "../runtime/loader.ts";
import { BUILTINS, constant, CONSTANT_NAMES } from "../runtime/builtins.ts";
import { KERNEL_KEYS, World } from "../runtime/world.ts";
import { formatValue } from "../runtime/values.ts";
import { mmsLexer } from "../dsl/lexer.ts";
import { KEYWORD_DOCS, type KeywordDoc, LANE_DOC, ON_CPU_DOC } from "./keyword_docs.ts";
import { scriptProblems } from "../runtime/settings_check.ts";

/** A position in a file: 0-based line and UTF-16 character, as editors count. */
export interface Position {
  /** 0-based line. */
  line: number;
  /** 0-based UTF-16 character in the line. */
  character: number;
}

/** A range of a file. */
export interface Range {
  /** Where it starts. */
  start: Position;
  /** Where it ends (exclusive). */
  end: Position;
}

/** A problem of a file, for the editor. */
export interface Problem {
  /** The file (as the loader names it). */
  file: string;
  /** Where. */
  range: Range;
  /** The command line's message. */
  message: string;
}

/** What completion offers. */
export interface Completion {
  /** The name. */
  label: string;
  /** What it is. */
  kind: "builtin" | "constant" | "keyword" | "variable" | "procedure";
  /** `alloc(size, align)`, a constant's value, `proc f(a, b)`. */
  detail?: string;
  /** A builtin's one-line doc. */
  documentation?: string;
}

/** A place in a file. */
export interface Place {
  /** The file (as the loader names it). */
  file: string;
  /** Where. */
  range: Range;
}

/** A procedure or contract of a file, for its outline. */
export interface Outline {
  /** Its name (`proc f`, `contract "..."`). */
  name: string;
  /** What it is. */
  kind: "procedure" | "contract";
  /** Its whole statement. */
  range: Range;
  /** Its name's range. */
  selection: Range;
  /** The procedures and contracts inside it. */
  children: Outline[];
}

/** The keywords, for completion. */
export const KEYWORDS: readonly string[] = ALL_TOKENS
  .filter((t) => typeof t.PATTERN === "string" && /^[a-z]+$/.test(t.PATTERN))
  .map((t) => t.PATTERN as string);

/** A script as the server sees it: loaded (with its includes) and checked. */
export interface Analysis {
  /** The script's path. */
  path: string;
  /** Its text. */
  text: string;
  /** What the loader made of it. */
  loaded: LoadedScript;
}

/**
 * Loads and checks `text` as the script at `path`, its includes through
 * `files` (the editor's open buffers first, then the disk).
 *
 * @example
 * ```ts
 * import { analyze, problems } from "./analysis.ts";
 * const a = analyze("t.mms", "kmaloc(10)\n", { read: () => "" });
 * console.log(problems(a)[0].message); // unknown function 'kmaloc'; did you mean 'kmalloc'?
 * ```
 */
export function analyze(path: string, text: string, files: FileAccess): Analysis {
  return { path, text, loaded: load(path, files, text) };
}

function rangeOf(loc: Loc, text: string): Range {
  return {
    start: { line: loc.line - 1, character: loc.column - 1 },
    end: positionAt(text, loc.end),
  };
}

/** The offsets where the lines of the last text asked about start (LF, CRLF or a lone CR). */
let lineIndex: { text: string; starts: number[] } | undefined;

function lineStarts(text: string): number[] {
  if (lineIndex?.text === text) return lineIndex.starts;
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) starts.push(i + 1);
  }
  lineIndex = { text, starts };
  return starts;
}

/** The editor position of offset `offset` in `text` (a binary search of its line starts). */
export function positionAt(text: string, offset: number): Position {
  const at = Math.max(0, Math.min(offset, text.length));
  const starts = lineStarts(text);
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= at) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo, character: at - starts[lo] };
}

/** The offset of an editor position in `text` (a position past its line's end is the end). */
export function offsetAt(text: string, pos: Position): number {
  const starts = lineStarts(text);
  if (pos.line >= starts.length) return text.length;
  const i = starts[Math.max(0, pos.line)];
  let end = pos.line + 1 < starts.length ? starts[pos.line + 1] : text.length;
  while (end > i && (text[end - 1] === "\n" || text[end - 1] === "\r")) end--;
  return Math.min(i + Math.max(0, pos.character), end);
}

/**
 * Every problem of the script and its includes, by file, with the command
 * line's messages; and the script's settings that a run would refuse
 * (`kernel arceos = "2027"`, `cpus 99`), at their lines.
 */
export function problems(a: Analysis): Problem[] {
  return scriptProblems(a.loaded).map((p) => {
    const program = a.loaded.programs.get(p.file);
    const text = program?.source ?? "";
    const start = { line: p.line - 1, character: p.column - 1 };
    const startOffset = offsetAt(text, start);
    return {
      file: p.file,
      range: { start, end: positionAt(text, startOffset + Math.max(1, p.length)) },
      message: p.message,
    };
  });
}

/** The word (a name) at `pos`, with its range, and whether it follows a `.`. */
function wordAt(
  text: string,
  pos: Position,
): { word: string; prefix: string; start: number; field: boolean } {
  const offset = offsetAt(text, pos);
  let s = offset;
  while (s > 0 && /[A-Za-z0-9_]/.test(text[s - 1])) s--;
  let e = offset;
  while (e < text.length && /[A-Za-z0-9_]/.test(text[e])) e++;
  let before = s - 1;
  while (before >= 0 && (text[before] === " " || text[before] === "\t")) before--;
  return {
    word: text.slice(s, e),
    prefix: text.slice(s, offset),
    start: s,
    field: text[before] === ".",
  };
}

/** A statement defining a name: a procedure, a `let`, a `for` variable, a parameter. */
interface Definition {
  name: string;
  kind: "procedure" | "variable";
  file: string;
  /** The defining name's place. */
  loc: Loc;
  detail: string;
  /** Whether it is a procedure's parameter (in scope in all of its procedure). */
  parameter?: boolean;
  /**
   * For a parameter, or a variable set inside a procedure: the procedure's
   * text (its scope: a procedure's variables are its own).
   */
  scope?: Loc;
}

/** Where a statement's text ends: its last nested statement's end (a block's body included). */
function endOf(s: Stmt): number {
  let end = s.loc.end;
  walk([s], {
    stmt(x) {
      if (x.loc.end > end) end = x.loc.end;
    },
    expr(e) {
      if (e.loc.end > end) end = e.loc.end;
    },
  });
  return end;
}

function definitions(a: Analysis): Definition[] {
  const out: Definition[] = [];
  for (const [file, program] of a.loaded.programs) {
    const visit = (stmts: readonly Stmt[], scope: Loc | undefined): void => {
      for (const s of stmts) {
        if (s.kind === "proc") {
          out.push({
            name: s.name,
            kind: "procedure",
            file,
            loc: s.nameLoc,
            detail: `proc ${s.name}(${s.params.join(", ")})`,
          });
          // Its parameters and variables are in scope from the header to the
          // end of the body (its closing brace).
          const body = { ...s.loc, end: closingBrace(program.source, endOf(s)) };
          s.params.forEach((p, i) => {
            out.push({
              name: p,
              kind: "variable",
              file,
              loc: s.paramLocs[i],
              detail: `parameter of ${s.name}`,
              parameter: true,
              scope: body,
            });
          });
          visit(s.body, body);
          continue;
        }
        const named = s.kind === "let"
          ? `let ${s.name}`
          : s.kind === "for"
          ? `for ${s.name} in ...`
          : s.kind === "using"
          ? `using ${s.name}`
          : undefined;
        if (named !== undefined && "nameLoc" in s) {
          out.push({ name: s.name, kind: "variable", file, loc: s.nameLoc, detail: named, scope });
        }
        if (s.kind === "parallel") {
          // A lane's variables are its own: in scope to its closing brace.
          for (const l of s.lanes) {
            const end = l.body.reduce((e, b) => Math.max(e, endOf(b)), l.cpu.loc.end);
            visit(l.body, { ...l.loc, end: closingBrace(program.source, end) });
          }
          continue;
        }
        forEachChild(s, () => {}, (b) => visit(b, scope));
      }
    };
    visit(program.body, undefined);
  }
  return out;
}

/** The offset just past the `}` that closes a block whose last statement ends at `end`. */
function closingBrace(text: string, end: number): number {
  const close = text.indexOf("}", end);
  return close < 0 ? text.length : close + 1;
}

function signature(name: string): string {
  return `${name}(${BUILTINS[name].params.join(", ")})`;
}

/** The platform the script names (`platform X`), or the default. */
function platformOf(program: Program): string | undefined {
  for (const s of program.body) if (s.kind === "platform") return s.name;
  return undefined;
}

/** A constant's value on the script's platform, as a script prints it (and in hex). */
function constantValue(a: Analysis, name: string): string | undefined {
  let world: World;
  try {
    world = new World({ platform: platformOf(a.loaded.main) });
  } catch {
    world = new World();
  }
  let v;
  try {
    v = constant(world, name);
  } catch {
    return undefined;
  }
  if (v === undefined) return undefined;
  const text = formatValue(v);
  return typeof v === "bigint" && v >= 0x1_0000n ? `${text} (${v})` : text;
}

/**
 * Whether definition `d` can be named at `offset` of the main file:
 * procedures everywhere; a procedure's parameters and variables inside it
 * only; other variables of the main file after their definition; the
 * top-level variables of included files everywhere.
 */
function visibleAt(d: Definition, main: string, offset: number): boolean {
  if (d.kind === "procedure") return true;
  if (d.file !== main) return d.scope === undefined;
  if (d.scope !== undefined && (offset < d.scope.start || offset > d.scope.end)) return false;
  return d.parameter === true || d.loc.start <= offset;
}

/**
 * What can be written at `pos`: builtins (with their parameters and doc),
 * constants, keywords, and the script's procedures and variables.
 */
export function completions(a: Analysis, pos: Position): Completion[] {
  // What is typed so far: the word up to the cursor.
  const { prefix: word, field } = wordAt(a.text, pos);
  if (field) return [];
  const out: Completion[] = [];
  const seen = new Set<string>();
  const add = (c: Completion) => {
    if (seen.has(c.label) || !c.label.startsWith(word)) return;
    seen.add(c.label);
    out.push(c);
  };
  // In scope: procedures anywhere, variables of included files, variables of
  // this file defined before the cursor, and the parameters of the procedure it is in.
  const offset = offsetAt(a.text, pos);
  const main = a.loaded.main.file;
  for (const d of definitions(a)) {
    if (visibleAt(d, main, offset)) add({ label: d.name, kind: d.kind, detail: d.detail });
  }
  for (const [name, b] of Object.entries(BUILTINS)) {
    add({ label: name, kind: "builtin", detail: signature(name), documentation: b.doc });
  }
  for (const name of CONSTANT_NAMES) add({ label: name, kind: "constant" });
  for (const k of KEYWORDS) add({ label: k, kind: "keyword" });
  return out;
}

/** Fills in a completion's detail (a constant's value, which costs a world to compute). */
export function resolveCompletion(a: Analysis, c: Completion): Completion {
  if (c.kind !== "constant" || c.detail !== undefined) return c;
  const value = constantValue(a, c.label);
  return value === undefined ? c : { ...c, detail: `${c.label} = ${value}` };
}

/** What the name at `pos` is, in Markdown, or undefined. */
export function hover(a: Analysis, pos: Position): { markdown: string; range: Range } | undefined {
  const { word, start, field } = wordAt(a.text, pos);
  if (word === "" || field || /^[0-9]/.test(word) || inProse(a.text, start)) return undefined;
  const range = { start: positionAt(a.text, start), end: positionAt(a.text, start + word.length) };
  const d = definitions(a).find((x) => x.name === word && x.kind === "procedure");
  if (d !== undefined) return { markdown: "```mms\n" + d.detail + "\n```", range };
  // `cpu` not called: a lane of `parallel`, or `on cpu`'s.
  if (word === "cpu" && !/^\s*\(/.test(a.text.slice(start + word.length))) {
    const keyword = /\bon\s*$/.test(a.text.slice(Math.max(0, start - 16), start))
      ? ON_CPU_DOC
      : LANE_DOC;
    return { markdown: keywordMarkdown(keyword), range };
  }
  if (Object.hasOwn(KEYWORD_DOCS, word)) {
    return { markdown: keywordMarkdown(KEYWORD_DOCS[word]), range };
  }
  const b = BUILTINS[word];
  if (b !== undefined && Object.hasOwn(BUILTINS, word)) {
    return { markdown: "```mms\n" + signature(word) + "\n```\n" + b.doc, range };
  }
  if (CONSTANT_NAMES.includes(word)) {
    const value = constantValue(a, word);
    const platform = platformOf(a.loaded.main) ?? "riscv64-qemu-virt";
    return {
      markdown: "```mms\n" + word + "\n```\n" +
        (value === undefined
          ? "a constant (no value outside its context: a conformance script, a booted kernel)"
          : `\`${value}\` on ${platform}`),
      range,
    };
  }
  if (Object.hasOwn(KERNEL_KEYS, word)) {
    return { markdown: `kernel setting \`${word}\`: ${KERNEL_KEYS[word]}`, range };
  }
  const v = definitions(a).find((x) => x.name === word && x.kind === "variable");
  if (v !== undefined) return { markdown: "```mms\n" + v.detail + "\n```", range };
  return undefined;
}

/** Whether `offset` of `text` lies in a comment or a string's text (not in a `{...}` inside it). */
function inProse(text: string, offset: number): boolean {
  const lexed = mmsLexer.tokenize(text);
  for (const t of [...lexed.tokens, ...(lexed.groups.comments ?? [])]) {
    if (offset >= t.startOffset && offset < t.startOffset + t.image.length) {
      return t.tokenType.name === "Comment" || t.tokenType.name === "StringText";
    }
  }
  return false;
}

/** A keyword's hover: its form, then what it does. */
function keywordMarkdown(k: KeywordDoc): string {
  return "```mms\n" + k.form + "\n```\n" + k.doc;
}

/**
 * Where the name at `pos` is defined: a procedure, the `let` (or `for`, or
 * parameter) before it, or, on an `include` line, the included file.
 */
export function definition(a: Analysis, pos: Position): Place | undefined {
  const main = a.loaded.main;
  for (const [stmt, target] of a.loaded.includes) {
    if (stmt.loc.line - 1 === pos.line && a.loaded.programs.get(main.file)?.body.includes(stmt)) {
      const zero = { line: 0, character: 0 };
      return { file: target, range: { start: zero, end: zero } };
    }
  }
  const { word, field } = wordAt(a.text, pos);
  if (word === "" || field) return undefined;
  const offset = offsetAt(a.text, pos);
  const defs = definitions(a).filter((d) => d.name === word);
  const proc = defs.find((d) => d.kind === "procedure");
  const pick = proc ??
    // The nearest definition in scope before the name in this file, else
    // one in scope anywhere (an included file's), else any.
    defs.filter((d) => d.file === main.file && visibleAt(d, main.file, offset)).at(-1) ??
    defs.find((d) => visibleAt(d, main.file, offset)) ?? defs[0];
  if (pick === undefined) return undefined;
  const text = a.loaded.programs.get(pick.file)?.source ?? "";
  return { file: pick.file, range: rangeOf(pick.loc, text) };
}

/** The script's procedures and contracts, nested as written. */
export function outline(a: Analysis): Outline[] {
  const text = a.text;
  const visit = (stmts: readonly Stmt[]): Outline[] => {
    const out: Outline[] = [];
    for (const s of stmts) {
      if (s.kind === "proc" || s.kind === "contract") {
        // The whole statement, to its closing brace; the selection is its name.
        const range = rangeOf({ ...s.loc, end: closingBrace(text, endOf(s)) }, text);
        out.push({
          name: s.kind === "proc" ? `proc ${s.name}` : `contract "${s.name}"`,
          kind: s.kind === "proc" ? "procedure" : "contract",
          range,
          selection: rangeOf(s.nameLoc, text),
          children: visit(s.body),
        });
      } else if ("body" in s && Array.isArray(s.body)) out.push(...visit(s.body as Stmt[]));
    }
    return out;
  };
  return visit(a.loaded.main.body);
}
