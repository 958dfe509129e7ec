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

/**
 * Formats one problem with its source line and a caret.
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
  const text = source.split("\n")[p.line - 1] ?? "";
  const gutter = String(p.line).length;
  const caret = " ".repeat(Math.max(0, p.column - 1)) +
    "^".repeat(Math.max(1, Math.min(p.length, Math.max(1, text.length - p.column + 1))));
  return [
    `${style.dim(`${file}:${p.line}:${p.column}:`)} ${style.error(label + ":")} ${p.message}`,
    `${" ".repeat(gutter)} |`,
    `${p.line} | ${text}`,
    `${" ".repeat(gutter)} | ${style.caret(caret)}`,
  ].join("\n");
}
