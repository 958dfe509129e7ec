/**
 * The `.mms` formatter: one canonical layout, whatever the whitespace it is
 * given. It works on the tokens, so every literal (`0x9000_0000`, `4K`, a
 * string with its escapes) and every comment is kept as written; only the
 * space between tokens, the indentation and the blank lines change:
 *
 * - two spaces of indentation per `{ ... }` block;
 * - one space around binary operators and `=`, after `,` and `;`, before
 *   `{`; none inside parentheses, around `.` and `..`, after a unary
 *   operator, or between a call's name and its `(`;
 * - the author's line breaks are kept, at most one blank line in a row, none
 *   at the start or end of the file; a block is either on one line
 *   (`{ return x }`) or its braces end and start lines: nothing follows a
 *   `{` whose block goes on below, and a `}` closing a block that began on
 *   an earlier line starts its line (`} else {` stays together);
 * - trailing comments of consecutive lines are aligned two spaces past the
 *   longest line's code; a `platform` name is kept as written.
 *
 * A file with a syntax problem is not formatted: its problems are returned.
 * Formatting formatted text changes nothing.
 *
 * @module
 */

import type { IToken } from "chevrotain";
import { mmsLexer } from "./lexer.ts";
import { parse, type ParseProblem } from "./parser.ts";

/** What {@linkcode formatSource} made: the formatted text, or why it could not. */
export type FormatResult =
  | { ok: true; text: string }
  | { ok: false; problems: ParseProblem[] };

/** The indentation of one block level. */
export const INDENT = "  ";

const OPERAND_END = new Set(["Identifier", "Integer", "RParen", "True", "False", "Null", "String"]);
const NO_SPACE_BEFORE = new Set(["RParen", "Comma", "Semicolon", "Dot", "DotDot"]);
const NO_SPACE_AFTER = new Set(["LParen", "Dot", "DotDot"]);
const ALWAYS_UNARY = new Set(["Bang", "Tilde"]);

/** A token of a line: its kind, and its text as written. */
interface Piece {
  kind: string;
  text: string;
}

/** One source line, as tokens and an optional trailing comment. */
interface Line {
  pieces: Piece[];
  comment: string | undefined;
}

/**
 * Formats a script's text.
 *
 * @example
 * ```ts
 * import { formatSource } from "./format.ts";
 * const r = formatSource("let  x=1+2 # three\nif x>2{print x}\n");
 * if (r.ok) console.log(r.text);
 * // let x = 1 + 2  # three
 * // if x > 2 { print x }
 * ```
 */
export function formatSource(text: string): FormatResult {
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const { problems } = parse(source, "format");
  if (problems.length > 0) return { ok: false, problems };
  const lexed = mmsLexer.tokenize(source);
  const comments = lexed.groups.comments ?? [];
  const lines = splitLines(source, lexed.tokens, comments);
  return { ok: true, text: layout(breakBlocks(lines)) };
}

/** Groups the tokens by source line (strings as single pieces, as written). */
function splitLines(source: string, tokens: IToken[], comments: IToken[]): Line[] {
  const lines: Line[] = [];
  let current: Line = { pieces: [], comment: undefined };
  let commentAt = 0;
  const lineOf = (t: IToken) => t.startLine ?? 1;
  let lineNo = 1;
  const flushTo = (no: number) => {
    // Comments on the lines up to `no` (a comment-only line is a line too).
    while (commentAt < comments.length && lineOf(comments[commentAt]) <= no) {
      const c = comments[commentAt++];
      const cl = lineOf(c);
      while (lineNo < cl) {
        lines.push(current);
        current = { pieces: [], comment: undefined };
        lineNo++;
      }
      current.comment = c.image.trimEnd();
    }
  };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    const kind = t.tokenType.name;
    if (kind === "Newline" || kind === "BrokenLine") {
      flushTo(lineOf(t));
      lines.push(current);
      current = { pieces: [], comment: undefined };
      lineNo = lineOf(t) + 1;
      continue;
    }
    while (lineNo < lineOf(t)) {
      flushTo(lineNo);
      lines.push(current);
      current = { pieces: [], comment: undefined };
      lineNo++;
    }
    if (kind === "StringStart") {
      // The whole string, interpolations and escapes as written.
      let j = i + 1;
      while (j < tokens.length && tokens[j].tokenType.name !== "StringEnd") j++;
      const end = j < tokens.length ? tokens[j].startOffset + 1 : source.length;
      current.pieces.push({ kind: "String", text: source.slice(t.startOffset, end) });
      i = j;
      continue;
    }
    current.pieces.push({ kind, text: t.image });
  }
  flushTo(Number.MAX_SAFE_INTEGER);
  lines.push(current);
  return lines;
}

/**
 * Breaks lines at the braces of blocks that span lines: after a `{` whose
 * `}` is on a later line, and before a `}` whose `{` is on an earlier one.
 * A line's trailing comment stays with its last piece that is not a `}`.
 */
function breakBlocks(lines: Line[]): Line[] {
  // The line of each brace's partner, by line and piece.
  const partner = lines.map((l) => new Array<number>(l.pieces.length).fill(-1));
  const open: [number, number][] = [];
  lines.forEach((l, li) =>
    l.pieces.forEach((p, pi) => {
      if (p.kind === "LBrace") open.push([li, pi]);
      else if (p.kind === "RBrace" && open.length > 0) {
        const [ol, op] = open.pop()!;
        partner[ol][op] = li;
        partner[li][pi] = ol;
      }
    })
  );
  const out: Line[] = [];
  lines.forEach((l, li) => {
    const parts: Piece[][] = [[]];
    l.pieces.forEach((p, pi) => {
      const spans = partner[li][pi] >= 0 && partner[li][pi] !== li;
      if (p.kind === "RBrace" && spans && parts.at(-1)!.length > 0) parts.push([]);
      parts.at(-1)!.push(p);
      if (p.kind === "LBrace" && spans && pi < l.pieces.length - 1) parts.push([]);
    });
    if (parts.length === 1) {
      out.push(l);
      return;
    }
    let home = parts.length - 1;
    while (home > 0 && parts[home].every((p) => p.kind === "RBrace")) home--;
    parts.forEach((pieces, k) => out.push({ pieces, comment: k === home ? l.comment : undefined }));
  });
  return out;
}

/** The space between two pieces of a line (`before` is the one before `prev`). */
function space(before: Piece | undefined, prev: Piece, next: Piece): string {
  if (NO_SPACE_BEFORE.has(next.kind) || NO_SPACE_AFTER.has(prev.kind)) return "";
  if (next.kind === "LParen" && (prev.kind === "Identifier" || prev.kind === "RParen")) return "";
  const unary = ALWAYS_UNARY.has(prev.kind) ||
    (prev.kind === "Minus" && (before === undefined || !OPERAND_END.has(before.kind)));
  return unary ? "" : " ";
}

function codeOf(pieces: Piece[]): string {
  if (pieces.length > 0 && pieces[0].kind === "Platform") {
    // `platform riscv64-qemu-virt`: the name is several tokens, written together.
    return `platform ${pieces.slice(1).map((p) => p.text).join("")}`;
  }
  let out = "";
  for (let i = 0; i < pieces.length; i++) {
    if (i > 0) out += space(pieces[i - 2], pieces[i - 1], pieces[i]);
    out += pieces[i].text;
  }
  return out;
}

function layout(lines: Line[]): string {
  const out: { code: string; comment: string | undefined }[] = [];
  let depth = 0;
  let blank = 0;
  for (const line of lines) {
    const { pieces, comment } = line;
    if (pieces.length === 0 && comment === undefined) {
      blank++;
      continue;
    }
    if (blank > 0 && out.length > 0) out.push({ code: "", comment: undefined });
    blank = 0;
    let leadingCloses = 0;
    while (leadingCloses < pieces.length && pieces[leadingCloses].kind === "RBrace") {
      leadingCloses++;
    }
    const indent = INDENT.repeat(Math.max(0, depth - leadingCloses));
    for (const p of pieces) {
      if (p.kind === "LBrace") depth++;
      else if (p.kind === "RBrace") depth = Math.max(0, depth - 1);
    }
    if (pieces.length === 0) out.push({ code: indent + comment, comment: undefined });
    else out.push({ code: indent + codeOf(pieces), comment });
  }
  // Trailing comments of consecutive lines line up, two spaces past the longest code.
  const text: string[] = [];
  for (let i = 0; i < out.length;) {
    if (out[i].comment === undefined) {
      text.push(out[i++].code);
      continue;
    }
    let j = i;
    let width = 0;
    while (j < out.length && out[j].comment !== undefined) {
      width = Math.max(width, out[j].code.length);
      j++;
    }
    for (; i < j; i++) text.push(`${out[i].code.padEnd(width)}  ${out[i].comment}`);
  }
  return text.length === 0 ? "" : text.join("\n") + "\n";
}
