/**
 * Formatting problems for people: `file:line:col: message`, the source
 * line, and a caret under the place.
 *
 * @module
 */

/** Colours, or none. */
export interface Style {
  /** Marks an error word. */
  error(s: string): string;
  /** Marks the caret. */
  caret(s: string): string;
  /** Marks a location. */
  dim(s: string): string;
}

/** No colour. */
export const PLAIN: Style = { error: (s) => s, caret: (s) => s, dim: (s) => s };
/** ANSI colours. */
export const ANSI: Style = {
  error: (s) => `\x1b[1;31m${s}\x1b[0m`,
  caret: (s) => `\x1b[1;31m${s}\x1b[0m`,
  dim: (s) => `\x1b[2m${s}\x1b[0m`,
};

/** How many characters of a source line a diagnostic shows at most. */
const SHOWN_LINE = 200;

/** Line breaks as the lexer counts them: LF, CRLF and a lone CR. */
const LINE_BREAK = /\r\n|\r|\n/;

/**
 * Line `line` (1-based) of `source`, without its line break; "" past the end.
 *
 * @example
 * ```ts
 * import { sourceLine } from "./diagnostics.ts";
 * console.log(sourceLine("a\r\nb\rc\n", 3)); // c
 * ```
 */
export function sourceLine(source: string, line: number): string {
  return source.split(LINE_BREAK, line)[line - 1] ?? "";
}

// C0 controls but tab, DEL, C1 controls, and the Unicode format controls that
// reorder or hide text on a terminal (bidirectional overrides and isolates,
// the byte-order mark, zero-width and line/paragraph separators).
// deno-lint-ignore no-control-regex
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]/g;

/**
 * Text from a script or a file, made safe to echo on a terminal: control
 * characters are shown escaped (`\x1b`, `\u202e`), so that a script cannot
 * drive the terminal (set its title, move the cursor, hide text).
 *
 * @example
 * ```ts
 * import { escapeControls } from "./diagnostics.ts";
 * console.log(escapeControls("a\x1b]0;owned\x07b")); // a\x1b]0;owned\x07b, as text
 * ```
 */
export function escapeControls(text: string): string {
  return text.replace(CONTROL, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff
      ? "\\x" + code.toString(16).padStart(2, "0")
      : "\\u" + code.toString(16).padStart(4, "0");
  });
}

/**
 * {@linkcode escapeControls} for text of several lines: the line breaks stay.
 *
 * @example
 * ```ts
 * import { escapeLines } from "./diagnostics.ts";
 * console.log(escapeLines("bad \x1b[2J\nnext line")); // two lines, the escape shown as text
 * ```
 */
export function escapeLines(text: string): string {
  return text.split("\n").map(escapeControls).join("\n");
}

/**
 * Formats one problem with its source line and a caret. Every piece of
 * echoed text goes through {@linkcode escapeControls}; the caret stays under
 * the place (tabs before it are kept, escapes widen what they replace).
 *
 * @example
 * ```ts
 * import { formatProblem, PLAIN } from "./diagnostics.ts";
 * console.log(formatProblem("t.mms", "let x = (1 +\n", { line: 1, column: 13, length: 1, message: "expected a value" }, PLAIN));
 * ```
 */
export function formatProblem(
  file: string,
  source: string,
  p: { line: number; column: number; length: number; message: string },
  style: Style,
  label = "error",
): string {
  const full = sourceLine(source, p.line);
  const gutter = String(p.line).length;
  // A very long line is shown around the place, cut at both ends.
  const at = Math.max(0, Math.min(p.column - 1, full.length));
  const cutStart = full.length > SHOWN_LINE ? Math.max(0, at - SHOWN_LINE / 4) : 0;
  const cutEnd = Math.min(full.length, cutStart + SHOWN_LINE);
  const head = cutStart > 0 ? "..." : "";
  const text = full.slice(cutStart, cutEnd);
  const from = at - cutStart;
  const before = (head + escapeControls(text.slice(0, from))).replace(/[^\t]/g, " ");
  const marked = escapeControls(text.slice(from, from + Math.max(1, p.length))).length;
  const caret = before + "^".repeat(Math.max(1, marked));
  const where = escapeControls(`${file}:${p.line}:${p.column}:`);
  return [
    `${style.dim(where)} ${style.error(label + ":")} ${escapeControls(p.message)}`,
    `${" ".repeat(gutter)} |`,
    `${p.line} | ${head}${escapeControls(text)}${cutEnd < full.length ? "..." : ""}`,
    `${" ".repeat(gutter)} | ${style.caret(caret)}`,
  ].join("\n");
}
