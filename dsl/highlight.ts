/**
 * How `.mms` text is coloured: each piece of a script and its role
 * (keyword, builtin, platform name, error name, ...), from the language's
 * own lexer and a few rules of context (what follows `platform`, `expect
 * error`, `proc`, `kernel`, a `.`). The one source the playground colours
 * with and the TextMate grammar of the editors (`editors/generate.ts`) is
 * made from: the same keyword lists, the same roles, each role's scope.
 *
 * @module
 */

import { ALL_TOKENS, mmsLexer } from "./lexer.ts";

/** Keywords that steer the flow. */
export const CONTROL_KEYWORDS: readonly string[] = [
  "if",
  "else",
  "repeat",
  "while",
  "for",
  "in",
  "return",
  "unchecked",
  "using",
  "on",
  "parallel",
];

/** Keywords that declare. */
export const DECLARATION_KEYWORDS: readonly string[] = ["let", "proc", "contract"];

/** The literal keywords. */
export const LITERAL_KEYWORDS: readonly string[] = ["true", "false", "null"];

/** Every keyword of the language (the lexer's tokens whose text is a word). */
export const ALL_KEYWORDS: readonly string[] = ALL_TOKENS
  .filter((t) => typeof t.PATTERN === "string" && /^[a-z]+$/.test(t.PATTERN))
  .map((t) => t.PATTERN as string);

/** What a piece of a script is, for its colour. */
export type Role =
  | "comment"
  | "string"
  | "escape"
  | "number"
  | "control"
  | "declaration"
  | "keyword"
  | "literal"
  | "builtin"
  | "constant"
  | "function"
  | "property"
  | "platform"
  | "errorName"
  | "setting"
  | "operator"
  | "punctuation"
  | "variable";

/** Each role's TextMate scope (the editors' grammar colours by these). */
export const ROLE_SCOPES: Readonly<Record<Role, string>> = {
  comment: "comment.line.number-sign.mms",
  string: "string.quoted.double.mms",
  escape: "constant.character.escape.mms",
  number: "constant.numeric.mms",
  control: "keyword.control.mms",
  declaration: "storage.type.mms",
  keyword: "keyword.other.mms",
  literal: "constant.language.mms",
  builtin: "support.function.builtin.mms",
  constant: "support.constant.mms",
  function: "entity.name.function.mms",
  property: "variable.other.property.mms",
  platform: "entity.name.tag.platform.mms",
  errorName: "entity.name.type.error.mms",
  setting: "variable.parameter.setting.mms",
  operator: "keyword.operator.mms",
  punctuation: "punctuation.section.mms",
  variable: "variable.other.mms",
};

/** One coloured piece: `[start, end)` of the text. */
export interface Span {
  /** Its first character's offset. */
  start: number;
  /** The offset past its last character. */
  end: number;
  /** What it is. */
  role: Role;
}

/** The names a script can call or read that the language itself does not define. */
export interface Names {
  /** Builtin functions. */
  builtins: ReadonlySet<string>;
  /** Builtin constants. */
  constants: ReadonlySet<string>;
}

/** A platform name's characters (`riscv64-qemu-virt`). */
const PLATFORM_CHARS = /^[A-Za-z0-9_-]+$/;

/**
 * The coloured pieces of `text`, in order (what lies between them, blanks
 * and text the lexer could not read, has no role).
 *
 * @example
 * ```ts
 * import { highlight } from "./highlight.ts";
 * const names = { builtins: new Set(["alloc"]), constants: new Set<string>() };
 * const spans = highlight("platform riscv64-qemu-virt\nexpect error NoMemory { alloc(1, 8) }", names);
 * console.log(spans.map((s) => s.role).slice(0, 4)); // ["keyword", "platform", "keyword", "keyword"]
 * ```
 */
export function highlight(text: string, names: Names): Span[] {
  const lexed = mmsLexer.tokenize(text);
  const tokens = [...lexed.tokens, ...(lexed.groups.comments ?? [])]
    .filter((t) => t.tokenType.name !== "Newline" && t.tokenType.name !== "BrokenLine")
    .sort((a, b) => a.startOffset - b.startOffset);
  const spans: Span[] = [];
  const kind = (i: number) => tokens[i]?.tokenType.name;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    const start = t.startOffset;
    let end = start + t.image.length;
    const name = t.tokenType.name;
    const prev = kind(i - 1);
    let role: Role;
    if (name === "Comment") role = "comment";
    else if (name === "Integer") role = "number";
    else if (name === "StringStart" || name === "StringEnd") role = "string";
    else if (name === "StringText") role = t.image.startsWith("\\") ? "escape" : "string";
    else if (name === "InterpStart" || name === "InterpEnd") role = "punctuation";
    else if (name === "Identifier") {
      if (prev === "Platform" || (prev === "Minus" && spans.at(-1)?.role === "platform")) {
        role = "platform";
      } else if (prev === "Error" && kind(i - 2) === "Expect") role = "errorName";
      // `on cpu K` and a lane's `cpu K` (the builtin is called: `cpu()`).
      else if (t.image === "cpu" && kind(i + 1) !== "LParen") role = "control";
      else if (prev === "Proc") role = "function";
      else if (prev === "Kernel") role = "setting";
      else if (prev === "Dot") role = "property";
      else if (kind(i + 1) === "LParen") {
        role = names.builtins.has(t.image) ? "builtin" : "function";
      } else if (names.constants.has(t.image)) role = "constant";
      else role = "variable";
    } else if (/^[a-z]+$/.test(t.image) && ALL_KEYWORDS.includes(t.image)) {
      role = CONTROL_KEYWORDS.includes(t.image)
        ? "control"
        : DECLARATION_KEYWORDS.includes(t.image)
        ? "declaration"
        : LITERAL_KEYWORDS.includes(t.image)
        ? "literal"
        : "keyword";
    } else if (/^[(){},;]$/.test(t.image)) role = "punctuation";
    else role = "operator";
    // A platform name is one piece, dashes and digits included, as it is typed.
    if (role === "platform") {
      while (
        i + 1 < tokens.length && tokens[i + 1].startOffset === end &&
        PLATFORM_CHARS.test(tokens[i + 1].image)
      ) {
        i++;
        end = tokens[i].startOffset + tokens[i].image.length;
      }
      const last = spans.at(-1);
      if (last?.role === "platform" && last.end === start) {
        last.end = end;
        continue;
      }
    }
    spans.push({ start, end, role });
  }
  return spans;
}
