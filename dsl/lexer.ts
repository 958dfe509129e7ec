/**
 * The `.mms` tokens and the one lexer instance (optimised; tokens carry
 * their start line, column and offsets). Strings are lexed in a mode of
 * their own: `"` enters it, text and `\` escapes are `StringText`, `{`
 * enters the interpolation mode (the language's tokens, `}` leaves it),
 * and `"` leaves the string. A line break inside a string or an
 * interpolation ends the line as usual (the parser reports the unclosed
 * string) and the next line is lexed as code again.
 *
 * @module
 */

import { createToken, Lexer, type TokenType } from "chevrotain";

/** An identifier (names of variables, procedures and builtins). */
export const Identifier: TokenType = createToken({
  name: "Identifier",
  pattern: /[A-Za-z_][A-Za-z0-9_]*/,
});

function keyword(word: string): TokenType {
  return createToken({
    name: word[0].toUpperCase() + word.slice(1),
    pattern: word,
    longer_alt: Identifier,
  });
}

/** Keywords. */
export const Let: TokenType = keyword("let");
/** `if`. */
export const If: TokenType = keyword("if");
/** `else`. */
export const Else: TokenType = keyword("else");
/** `repeat`. */
export const Repeat: TokenType = keyword("repeat");
/** `while`. */
export const While: TokenType = keyword("while");
/** `for`. */
export const For: TokenType = keyword("for");
/** `in`. */
export const In: TokenType = keyword("in");
/** `proc`. */
export const Proc: TokenType = keyword("proc");
/** `return`. */
export const Return: TokenType = keyword("return");
/** `include`. */
export const Include: TokenType = keyword("include");
/** `print`. */
export const Print: TokenType = keyword("print");
/** `expect`. */
export const Expect: TokenType = keyword("expect");
/** `error` (after `expect`). */
export const ErrorKw: TokenType = createToken({
  name: "Error",
  pattern: "error",
  longer_alt: Identifier,
});
/** `platform`. */
export const Platform: TokenType = keyword("platform");
/** `kernel`. */
export const Kernel: TokenType = keyword("kernel");
/** `using`. */
export const Using: TokenType = keyword("using");
/** `unchecked`: a block the sanitizer does not check. */
export const Unchecked: TokenType = keyword("unchecked");
/** `contract`. */
export const Contract: TokenType = keyword("contract");
/** `cpus`: how many CPUs the machine has. */
export const Cpus: TokenType = keyword("cpus");
/** `ram`: how much RAM the machine has. */
export const Ram: TokenType = keyword("ram");
/** `on` (`on cpu K { ... }`). */
export const On: TokenType = keyword("on");
/** `parallel`: CPUs' statement lists interleaved. */
export const Parallel: TokenType = keyword("parallel");
/** `true`. */
export const True: TokenType = keyword("true");
/** `false`. */
export const False: TokenType = keyword("false");
/** `null`. */
export const Null: TokenType = keyword("null");

/** An integer: decimal, `0x` hex or `0b` binary, `_` separators, an optional K/M/G/T suffix. */
export const Integer: TokenType = createToken({
  name: "Integer",
  pattern: /(?:0x[0-9a-fA-F][0-9a-fA-F_]*|0b[01][01_]*|[0-9][0-9_]*)[KMGT]?/,
  longer_alt: Identifier,
});
/** `"`: a string starts (and the string mode with it). */
export const StringStart: TokenType = createToken({
  name: "StringStart",
  pattern: '"',
  push_mode: "string",
});
/** `"` inside a string: it ends. */
export const StringEnd: TokenType = createToken({
  name: "StringEnd",
  pattern: '"',
  pop_mode: true,
});
/**
 * The start characters of a token that can start with almost anything,
 * for the lexer's first-character optimisation (Chevrotain cannot derive
 * them from a complement class): every character below 256 but those of
 * `excluded`, and above that one in every 64, as Chevrotain groups the
 * higher characters in buckets of 255 (what matters is that each bucket is
 * named; `tests/language_test.ts` lexes strings from all over Unicode).
 */
function startCharsBut(excluded: string): number[] {
  const out: number[] = [];
  for (let c = 0; c < 256; c++) if (!excluded.includes(String.fromCharCode(c))) out.push(c);
  for (let c = 256; c < 0x10000; c += 64) out.push(c);
  out.push(0xffff);
  return out;
}

/** Text inside a string, `\` escapes included (resolved by the parser). */
export const StringText: TokenType = createToken({
  name: "StringText",
  // A run of plain characters, or one escape: no repeated alternation, which
  // the regular expression engine would backtrack through one stack frame a
  // character (an 8 MiB string overflowed it).
  pattern: /[^"\\{\r\n]+|\\x[0-9a-fA-F]{2}|\\[^\r\n]/,
  start_chars_hint: startCharsBut('"{\r\n'),
  line_breaks: false,
});
/** `{` inside a string: an interpolated expression starts. */
export const InterpStart: TokenType = createToken({
  name: "InterpStart",
  pattern: "{",
  push_mode: "interp",
});
/** `}` after an interpolated expression: back to the string. */
export const InterpEnd: TokenType = createToken({
  name: "InterpEnd",
  pattern: "}",
  pop_mode: true,
});

/** Newlines end statements: LF, CRLF and a lone CR alike (one line each). */
export const Newline: TokenType = createToken({
  name: "Newline",
  pattern: /\r\n?|\n/,
  line_breaks: true,
});
/**
 * A line break inside a string or an interpolation: the string is not
 * closed. It ends the statement like any newline, and the next line is lexed
 * as code again.
 */
export const BrokenLine: TokenType = createToken({
  name: "BrokenLine",
  pattern: /\r\n?|\n/,
  line_breaks: true,
  push_mode: "code",
  categories: [Newline],
});
const WhiteSpace = createToken({ name: "WhiteSpace", pattern: /[ \t]+/, group: Lexer.SKIPPED });
const Comment = createToken({ name: "Comment", pattern: /#[^\r\n]*/, group: "comments" });

/** Token categories: one `CONSUME` matches any binary operator. */
export const BinaryOp: TokenType = createToken({ name: "BinaryOp", pattern: Lexer.NA });
/** `* / %` */
export const MulOp: TokenType = createToken({
  name: "MulOp",
  pattern: Lexer.NA,
  categories: [BinaryOp],
});
/** `+ -` */
export const AddOp: TokenType = createToken({
  name: "AddOp",
  pattern: Lexer.NA,
  categories: [BinaryOp],
});
/** `<< >>` */
export const ShiftOp: TokenType = createToken({
  name: "ShiftOp",
  pattern: Lexer.NA,
  categories: [BinaryOp],
});
/** Comparisons. */
export const CmpOp: TokenType = createToken({
  name: "CmpOp",
  pattern: Lexer.NA,
  categories: [BinaryOp],
});
/** `- ! ~` */
export const UnaryOp: TokenType = createToken({ name: "UnaryOp", pattern: Lexer.NA });
/** Newline or `;`. */
export const Separator: TokenType = createToken({ name: "Separator", pattern: Lexer.NA });

function punct(name: string, pattern: string, categories: TokenType[] = []): TokenType {
  return createToken({ name, pattern, categories });
}

/** Punctuation and operators, longest first where they share a prefix. */
export const DotDot: TokenType = punct("DotDot", "..");
/** `.` */
export const Dot: TokenType = punct("Dot", ".");
/** `==` */
export const EqEq: TokenType = punct("EqEq", "==", [CmpOp]);
/** `!=` */
export const NotEq: TokenType = punct("NotEq", "!=", [CmpOp]);
/** `<=` */
export const LtEq: TokenType = punct("LtEq", "<=", [CmpOp]);
/** `>=` */
export const GtEq: TokenType = punct("GtEq", ">=", [CmpOp]);
/** `<<` */
export const Shl: TokenType = punct("Shl", "<<", [ShiftOp]);
/** `>>` */
export const Shr: TokenType = punct("Shr", ">>", [ShiftOp]);
/** `<` */
export const Lt: TokenType = punct("Lt", "<", [CmpOp]);
/** `>` */
export const Gt: TokenType = punct("Gt", ">", [CmpOp]);
/** `&&` */
export const AndAnd: TokenType = punct("AndAnd", "&&", [BinaryOp]);
/** `||` */
export const OrOr: TokenType = punct("OrOr", "||", [BinaryOp]);
/** `=` */
export const Assign: TokenType = punct("Assign", "=");
/** `+` */
export const Plus: TokenType = punct("Plus", "+", [AddOp]);
/** `-` */
export const Minus: TokenType = punct("Minus", "-", [AddOp, UnaryOp]);
/** `*` */
export const Star: TokenType = punct("Star", "*", [MulOp]);
/** `/` */
export const Slash: TokenType = punct("Slash", "/", [MulOp]);
/** `%` */
export const Percent: TokenType = punct("Percent", "%", [MulOp]);
/** `&` */
export const Amp: TokenType = punct("Amp", "&", [BinaryOp]);
/** `|` */
export const Pipe: TokenType = punct("Pipe", "|", [BinaryOp]);
/** `^` */
export const Caret: TokenType = punct("Caret", "^", [BinaryOp]);
/** `~` */
export const Tilde: TokenType = punct("Tilde", "~", [UnaryOp]);
/** `!` */
export const Bang: TokenType = punct("Bang", "!", [UnaryOp]);
/** `(` */
export const LParen: TokenType = punct("LParen", "(");
/** `)` */
export const RParen: TokenType = punct("RParen", ")");
/** `{` */
export const LBrace: TokenType = punct("LBrace", "{");
/** `}` */
export const RBrace: TokenType = punct("RBrace", "}");
/** `,` */
export const Comma: TokenType = punct("Comma", ",");
/** `;` */
export const Semicolon: TokenType = punct("Semicolon", ";", [Separator]);

/** The language's own tokens, in lexing priority order (code and interpolations alike). */
const LANGUAGE_TOKENS: TokenType[] = [
  WhiteSpace,
  Comment,
  StringStart,
  Integer,
  Let,
  If,
  Else,
  Repeat,
  While,
  For,
  Include, // before In, which is its prefix
  In,
  Proc,
  Return,
  Print,
  Expect,
  ErrorKw,
  Platform,
  Kernel,
  Using,
  Unchecked,
  Contract,
  Cpus,
  Ram,
  On,
  Parallel,
  True,
  False,
  Null,
  Identifier,
  DotDot,
  Dot,
  EqEq,
  NotEq,
  LtEq,
  GtEq,
  Shl,
  Shr,
  Lt,
  Gt,
  AndAnd,
  OrOr,
  Assign,
  Plus,
  Minus,
  Star,
  Slash,
  Percent,
  Amp,
  Pipe,
  Caret,
  Tilde,
  Bang,
  LParen,
  RParen,
  Comma,
  Semicolon,
];

/** The lexer's modes: code, string contents, and an interpolation inside a string. */
const MODES = {
  code: [Newline, ...LANGUAGE_TOKENS, LBrace, RBrace],
  string: [StringEnd, StringText, InterpStart, BrokenLine],
  interp: [InterpEnd, BrokenLine, ...LANGUAGE_TOKENS],
};

/** Every token type, categories first: the parser's vocabulary. */
export const ALL_TOKENS: TokenType[] = [
  BinaryOp,
  MulOp,
  AddOp,
  ShiftOp,
  CmpOp,
  UnaryOp,
  Separator,
  Newline,
  BrokenLine,
  StringStart,
  StringEnd,
  StringText,
  InterpStart,
  InterpEnd,
  ...LANGUAGE_TOKENS,
  LBrace,
  RBrace,
];

/** The lexer's definition: its modes, code first. */
export const LEXER_DEFINITION: { modes: Record<string, TokenType[]>; defaultMode: string } = {
  modes: MODES,
  defaultMode: "code",
};

/** The lexer (one instance, reused). */
export const mmsLexer: Lexer = new Lexer(LEXER_DEFINITION, {
  ensureOptimizations: true,
  positionTracking: "onlyStart",
  skipValidations: true, // tests/language_test.ts lexes every token kind
});
