/**
 * The `.mms` parser: Chevrotain, one instance reused, error recovery on,
 * building the syntax tree directly (embedded actions).
 *
 * @module
 */

import {
  createTokenInstance,
  EmbeddedActionsParser,
  type IParserErrorMessageProvider,
  type IRecognitionException,
  type IToken,
  tokenMatcher,
  type TokenType,
} from "chevrotain";
import type { Expr, Lane, Loc, Program, Stmt } from "./ast.ts";
import * as T from "./lexer.ts";
import { INT_LIMIT, INT_RANGE_TEXT } from "./int_range.ts";
import { MAX_SYNTAX_DEPTH, scanTokens, syntaxDepthProblem } from "./limits.ts";

const WORDS: Record<string, string> = {
  Identifier: "a name",
  Integer: "a number",
  StringStart: "a string",
  StringEnd: "'\"' to close the string",
  StringText: "text",
  InterpStart: "'{'",
  InterpEnd: "'}' to close the '{' (write \\{ for a brace)",
  BrokenLine: "the end of the line",
  Newline: "the end of the line",
  Semicolon: "';'",
  Separator: "the end of the statement",
  BinaryOp: "an operator",
  UnaryOp: "'-', '!' or '~'",
  LParen: "'('",
  RParen: "')'",
  LBrace: "'{'",
  RBrace: "'}'",
  Comma: "','",
  Assign: "'='",
  DotDot: "'..'",
  EOF: "the end of the file",
};

function describeType(t: TokenType): string {
  return WORDS[t.name] ??
    (typeof t.PATTERN === "string" ? `'${t.PATTERN}'` : t.name.toLowerCase());
}

function describeToken(tok: IToken): string {
  if (tok.tokenType.name === "EOF") return "the end of the file";
  if (tok.tokenType.name === "Newline" || tok.tokenType.name === "BrokenLine") {
    return "the end of the line";
  }
  return `'${tok.image}'`;
}

function list(words: string[]): string {
  const u = [...new Set(words)];
  return u.length <= 1 ? (u[0] ?? "something else") : `${u.slice(0, -1).join(", ")} or ${u.at(-1)}`;
}

const RULE_WORDS: Record<string, string> = {
  statement: "a statement",
  primary: "a value (a number, string, name or '(')",
  unary: "a value (a number, string, name, '(' or '-')",
  block: "a '{ ... }' block",
};

const messages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual, previous }) {
    if (
      actual.tokenType.name === "Integer" && previous?.tokenType.name === "Dot" &&
      previous.startOffset + 1 === actual.startOffset
    ) {
      // `1.5`: an integer, a field's dot, another integer.
      return `numbers in mms are integers: no fraction '.${actual.image}' ` +
        "(sizes, addresses and counts are whole; '/' divides whole numbers)";
    }
    return `expected ${describeType(expected)}, found ${describeToken(actual)}`;
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    return `expected a newline or ';' before ${describeToken(firstRedundant)}`;
  },
  buildNoViableAltMessage({ expectedPathsPerAlt, actual, ruleName }) {
    const firsts = expectedPathsPerAlt.flat().map((p) => p[0]).filter(Boolean).map(describeType);
    const what = RULE_WORDS[ruleName] ?? list(firsts);
    return `expected ${what}, found ${describeToken(actual[0])}`;
  },
  buildEarlyExitMessage({ expectedIterationPaths, actual }) {
    return `expected ${list(expectedIterationPaths.map((p) => describeType(p[0])))}, found ${
      describeToken(actual[0])
    }`;
  },
};

const NUMBER_SUFFIX: Record<string, bigint> = {
  K: 1n << 10n,
  M: 1n << 20n,
  G: 1n << 30n,
  T: 1n << 40n,
};

/**
 * Parses an integer token's text: bases, `_`, size suffixes. A literal
 * with far more digits than 64 bits hold gives {@linkcode INT_LIMIT}
 * (out of range) without being computed.
 */
export function parseIntegerLiteral(image: string): bigint {
  // Fast path: plain decimal digits, exact as a double (most literals).
  if (image.length <= 15) {
    let value = 0;
    let i = 0;
    for (; i < image.length; i++) {
      const digit = image.charCodeAt(i) - 48;
      if (digit < 0 || digit > 9) break;
      value = value * 10 + digit;
    }
    if (i === image.length && i > 0) return BigInt(value);
  }
  let text = image.replaceAll("_", "");
  // Far too many significant digits for 64 bits: say so without building a
  // huge BigInt (a literal can be megabytes long).
  if (text.replace(/^(0[xb])?0*/, "").length > 70) return INT_LIMIT;
  let scale = 1n;
  const last = text.at(-1)!;
  if (last in NUMBER_SUFFIX && !text.startsWith("0x")) {
    scale = NUMBER_SUFFIX[last];
    text = text.slice(0, -1);
  } else if (last in NUMBER_SUFFIX && text.startsWith("0x") && "KMGT".includes(last)) {
    scale = NUMBER_SUFFIX[last];
    text = text.slice(0, -1);
  }
  return BigInt(text) * scale;
}

// What a rule returns when the parser recovered from an error inside it:
// a placeholder, so that the partial tree has no holes for the checker to
// trip on (a tree with problems is never run).
const RECOVER_EXPR = {
  recoveryValueFunc: (e: IRecognitionException): Expr => ({ kind: "null", loc: tokenLoc(e.token) }),
};
const RECOVER_LIST = { recoveryValueFunc: (): Stmt[] => [] };

function tokenLoc(t: IToken): Loc {
  const start = Number.isNaN(t.startOffset) ? 0 : t.startOffset;
  return { line: t.startLine ?? 1, column: t.startColumn ?? 1, start, end: start + t.image.length };
}

class MmsParser extends EmbeddedActionsParser {
  /** Problems the current parse found in what it read well (reset by `parse`). */
  problems: ParseProblem[] = [];

  /** A string's text with its escapes resolved; an unknown escape is a problem at its place. */
  #unescape(t: IToken): string {
    return unescape(t.image, (offset, escape) =>
      this.problems.push({
        message: `unknown escape '${escape}' (escapes: ${ESCAPES_TEXT})`,
        line: t.startLine ?? 1,
        column: (t.startColumn ?? 1) + offset,
        length: escape.length,
      }));
  }

  constructor(validate = false) {
    super(T.ALL_TOKENS, {
      recoveryEnabled: true,
      maxLookahead: 3,
      errorMessageProvider: messages,
      // validateGrammar() (run by the tests) checks the grammar; the shared
      // instance skips Chevrotain's validations to start faster.
      skipValidations: !validate,
    });
    this.performSelfAnalysis();
  }

  #loc(first: IToken, last: IToken = this.LA(0)): Loc {
    return {
      line: first.startLine ?? 1,
      column: first.startColumn ?? 1,
      start: first.startOffset,
      end: last.startOffset + last.image.length,
    };
  }

  program = this.RULE("program", (): Stmt[] => this.SUBRULE(this.statements), RECOVER_LIST);

  /** Statements, each ended by a newline or `;` (or the end of the block or file). */
  statements = this.RULE("statements", (): Stmt[] => {
    const out: Stmt[] = [];
    const add = (s: Stmt) =>
      this.ACTION(() => {
        if (s) out.push(s);
      });
    this.MANY(() => this.SUBRULE(this.separator));
    this.OPTION(() => {
      add(this.SUBRULE(this.statement));
      this.MANY2(() => {
        this.AT_LEAST_ONE(() => this.SUBRULE2(this.separator));
        this.OPTION2(() => add(this.SUBRULE2(this.statement)));
      });
    });
    return out;
  }, RECOVER_LIST);

  separator = this.RULE("separator", () => {
    this.OR(
      this.#separatorAlts ??= [
        { ALT: () => this.CONSUME(T.Newline) },
        { ALT: () => this.CONSUME(T.Semicolon) },
      ],
    );
  });

  #separatorAlts?: { ALT: () => unknown }[];

  block = this.RULE("block", (): Stmt[] => {
    this.CONSUME(T.LBrace);
    const body = this.SUBRULE(this.statements);
    this.CONSUME(T.RBrace);
    return body;
  }, RECOVER_LIST);

  #statementAlts?: { ALT: () => Stmt }[];

  statement = this.RULE("statement", (): Stmt =>
    this.OR(
      this.#statementAlts ??= [
        { ALT: () => this.SUBRULE(this.letStatement) },
        { ALT: () => this.SUBRULE(this.assignStatement) },
        { ALT: () => this.SUBRULE(this.printStatement) },
        { ALT: () => this.SUBRULE(this.expectStatement) },
        { ALT: () => this.SUBRULE(this.ifStatement) },
        { ALT: () => this.SUBRULE(this.repeatStatement) },
        { ALT: () => this.SUBRULE(this.whileStatement) },
        { ALT: () => this.SUBRULE(this.forStatement) },
        { ALT: () => this.SUBRULE(this.procStatement) },
        { ALT: () => this.SUBRULE(this.returnStatement) },
        { ALT: () => this.SUBRULE(this.includeStatement) },
        { ALT: () => this.SUBRULE(this.platformStatement) },
        { ALT: () => this.SUBRULE(this.kernelStatement) },
        { ALT: () => this.SUBRULE(this.usingStatement) },
        { ALT: () => this.SUBRULE(this.uncheckedStatement) },
        { ALT: () => this.SUBRULE(this.contractStatement) },
        { ALT: () => this.SUBRULE(this.cpusStatement) },
        { ALT: () => this.SUBRULE(this.ramStatement) },
        { ALT: () => this.SUBRULE(this.onCpuStatement) },
        { ALT: () => this.SUBRULE(this.parallelStatement) },
        { ALT: () => this.SUBRULE(this.expressionStatement) },
      ],
    ));

  letStatement = this.RULE("letStatement", (): Stmt => {
    const first = this.CONSUME(T.Let);
    const named = this.CONSUME(T.Identifier);
    this.CONSUME(T.Assign);
    const value = this.SUBRULE(this.expression);
    const [name, nameLoc] = [named.image, this.#loc(named, named)];
    return { kind: "let", name, nameLoc, value, loc: this.#loc(first) };
  });

  assignStatement = this.RULE("assignStatement", (): Stmt => {
    const first = this.CONSUME(T.Identifier);
    this.CONSUME(T.Assign);
    const value = this.SUBRULE(this.expression);
    return { kind: "assign", name: first.image, value, loc: this.#loc(first) };
  });

  printStatement = this.RULE("printStatement", (): Stmt => {
    const first = this.CONSUME(T.Print);
    const value = this.SUBRULE(this.expression);
    return { kind: "print", value, loc: this.#loc(first) };
  });

  expectStatement = this.RULE("expectStatement", (): Stmt => {
    const first = this.CONSUME(T.Expect);
    return this.OR([
      {
        ALT: () => {
          this.CONSUME(T.ErrorKw);
          const error = this.CONSUME(T.Identifier).image;
          const body = this.SUBRULE(this.block);
          const end = this.LA(0);
          let message: Expr | undefined;
          this.OPTION2(() => {
            message = this.SUBRULE2(this.stringLiteral);
          });
          return { kind: "expectError", error, body, message, loc: this.#loc(first, end) } as Stmt;
        },
      },
      {
        ALT: () => {
          const cond = this.SUBRULE(this.expression);
          let message: Expr | undefined;
          this.OPTION(() => {
            message = this.SUBRULE(this.stringLiteral);
          });
          return { kind: "expect", cond, message, loc: this.#loc(first) } as Stmt;
        },
      },
    ]);
  });

  repeatStatement = this.RULE("repeatStatement", (): Stmt => {
    const first = this.CONSUME(T.Repeat);
    const count = this.SUBRULE(this.expression);
    const body = this.SUBRULE(this.block);
    return { kind: "repeat", count, body, loc: this.#loc(first, first) };
  });

  whileStatement = this.RULE("whileStatement", (): Stmt => {
    const first = this.CONSUME(T.While);
    const cond = this.SUBRULE(this.expression);
    const body = this.SUBRULE(this.block);
    return { kind: "while", cond, body, loc: this.#loc(first, first) };
  });

  forStatement = this.RULE("forStatement", (): Stmt => {
    const first = this.CONSUME(T.For);
    const named = this.CONSUME(T.Identifier);
    this.CONSUME(T.In);
    const from = this.SUBRULE(this.expression);
    this.CONSUME(T.DotDot);
    const to = this.SUBRULE2(this.expression);
    const body = this.SUBRULE(this.block);
    const [name, nameLoc] = [named.image, this.#loc(named, named)];
    return { kind: "for", name, nameLoc, from, to, body, loc: this.#loc(first, first) };
  });

  procStatement = this.RULE("procStatement", (): Stmt => {
    const first = this.CONSUME(T.Proc);
    const named = this.CONSUME(T.Identifier);
    this.CONSUME(T.LParen);
    const params: string[] = [];
    const paramLocs: Loc[] = [];
    this.MANY_SEP({
      SEP: T.Comma,
      DEF: () => {
        const p = this.CONSUME2(T.Identifier);
        params.push(p.image);
        paramLocs.push(this.#loc(p, p));
      },
    });
    this.CONSUME(T.RParen);
    const body = this.SUBRULE(this.block);
    const [name, nameLoc] = [named.image, this.#loc(named, named)];
    return { kind: "proc", name, nameLoc, params, paramLocs, body, loc: this.#loc(first, first) };
  });

  returnStatement = this.RULE("returnStatement", (): Stmt => {
    const first = this.CONSUME(T.Return);
    let value: Expr | undefined;
    this.OPTION(() => {
      value = this.SUBRULE(this.expression);
    });
    return { kind: "return", value, loc: this.#loc(first) };
  });

  includeStatement = this.RULE("includeStatement", (): Stmt => {
    const first = this.CONSUME(T.Include);
    const path = this.SUBRULE(this.plainString);
    return { kind: "include", path, loc: this.#loc(first) };
  });

  platformStatement = this.RULE("platformStatement", (): Stmt => {
    const first = this.CONSUME(T.Platform);
    const name = this.OR([
      {
        ALT: () => this.SUBRULE(this.plainString),
      },
      {
        ALT: () => {
          let n = this.CONSUME(T.Identifier).image;
          this.MANY(() => {
            this.CONSUME(T.Minus);
            const part = this.OR2([
              { ALT: () => this.CONSUME2(T.Identifier) },
              { ALT: () => this.CONSUME(T.Integer) },
            ]);
            n += "-" + part.image;
          });
          return n;
        },
      },
    ]);
    return { kind: "platform", name, loc: this.#loc(first) };
  });

  kernelStatement = this.RULE("kernelStatement", (): Stmt => {
    const first = this.CONSUME(T.Kernel);
    const key = this.CONSUME(T.Identifier).image;
    this.CONSUME(T.Assign);
    const value = this.SUBRULE(this.expression);
    return { kind: "kernel", key, value, loc: this.#loc(first) };
  });

  usingStatement = this.RULE("usingStatement", (): Stmt => {
    const first = this.CONSUME(T.Using);
    const named = this.CONSUME(T.Identifier);
    this.CONSUME(T.Assign);
    const value = this.SUBRULE(this.expression);
    const body = this.SUBRULE(this.block);
    const [name, nameLoc] = [named.image, this.#loc(named, named)];
    return { kind: "using", name, nameLoc, value, body, loc: this.#loc(first, first) };
  });

  uncheckedStatement = this.RULE("uncheckedStatement", (): Stmt => {
    const first = this.CONSUME(T.Unchecked);
    const body = this.SUBRULE(this.block);
    return { kind: "unchecked", body, loc: this.#loc(first, first) };
  });

  contractStatement = this.RULE("contractStatement", (): Stmt => {
    const first = this.CONSUME(T.Contract);
    const nameToken = this.LA(1);
    const name = this.SUBRULE(this.plainString);
    const named = this.LA(0);
    const body = this.SUBRULE(this.block);
    const nameLoc = this.#loc(nameToken, named);
    return { kind: "contract", name, nameLoc, body, loc: this.#loc(first, named) };
  });

  cpusStatement = this.RULE("cpusStatement", (): Stmt => {
    const first = this.CONSUME(T.Cpus);
    const count = this.SUBRULE(this.expression);
    return { kind: "cpus", count, loc: this.#loc(first) };
  });

  ramStatement = this.RULE("ramStatement", (): Stmt => {
    const first = this.CONSUME(T.Ram);
    const size = this.SUBRULE(this.expression);
    return { kind: "ram", size, loc: this.#loc(first) };
  });

  onCpuStatement = this.RULE("onCpuStatement", (): Stmt => {
    const first = this.CONSUME(T.On);
    const w = this.CONSUME(T.Identifier);
    const cpu = this.SUBRULE(this.expression);
    const body = this.SUBRULE(this.block);
    return {
      kind: "onCpu",
      word: w.image,
      wordLoc: this.#loc(w, w),
      cpu,
      body,
      loc: this.#loc(first, first),
    };
  });

  parallelStatement = this.RULE("parallelStatement", (): Stmt => {
    const first = this.CONSUME(T.Parallel);
    this.CONSUME(T.LBrace);
    const lanes: Lane[] = [];
    this.MANY(() => this.SUBRULE(this.separator));
    this.MANY2(() => {
      const lane = this.SUBRULE(this.lane);
      // (A lane the parser recovered from is left out, as a statement is.)
      this.ACTION(() => {
        if (lane) lanes.push(lane);
      });
      this.MANY3(() => this.SUBRULE2(this.separator));
    });
    this.CONSUME(T.RBrace);
    return { kind: "parallel", lanes, loc: this.#loc(first, first) };
  });

  lane = this.RULE("lane", (): Lane => {
    const w = this.CONSUME(T.Identifier);
    const cpu = this.SUBRULE(this.expression);
    const body = this.SUBRULE(this.block);
    return { word: w.image, wordLoc: this.#loc(w, w), cpu, body, loc: this.#loc(w, w) };
  });

  expressionStatement = this.RULE("expressionStatement", (): Stmt => {
    const first = this.LA(1);
    const expr = this.SUBRULE(this.expression);
    return { kind: "expr", expr, loc: this.#loc(first) };
  });

  ifStatement = this.RULE("ifStatement", (): Stmt => {
    const first = this.CONSUME(T.If);
    const cond = this.SUBRULE(this.expression);
    const then = this.SUBRULE(this.block);
    let otherwise: Stmt[] | undefined;
    this.OPTION(() => {
      this.CONSUME(T.Else);
      otherwise = this.OR([
        { ALT: () => this.SUBRULE2(this.block) },
        { ALT: () => [this.SUBRULE(this.ifStatement)] },
      ]);
    });
    return { kind: "if", cond, then, else: otherwise, loc: this.#loc(first, first) };
  });

  /**
   * An expression: operands and binary operators read flat, then grouped by
   * precedence (one rule call per operand instead of one per level).
   */
  expression = this.RULE("expression", (): Expr => {
    const operands = [this.SUBRULE(this.unary)];
    const ops: string[] = [];
    this.MANY(() => {
      ops.push(this.CONSUME(T.BinaryOp).image);
      operands.push(this.SUBRULE2(this.unary));
    });
    return this.ACTION(() => ops.length === 0 ? operands[0] : group(operands, ops));
  }, RECOVER_EXPR);

  // The alternatives of the operand rules are built once and reused (they
  // read what they need from the tokens, not from the enclosing call):
  // Chevrotain's advice for OR-heavy grammars, and a third less garbage.
  #unaryAlts?: { ALT: () => Expr }[];
  #prefixAlts?: { ALT: () => IToken }[];
  #suffixAlts?: { ALT: () => Suffix }[];
  #primaryAlts?: { ALT: () => Expr }[];

  unary = this.RULE("unary", (): Expr =>
    this.OR(
      this.#unaryAlts ??= [
        {
          ALT: () => {
            const first = this.LA(1);
            const op = this.OR2(
              this.#prefixAlts ??= [
                { ALT: () => this.CONSUME(T.Minus) },
                { ALT: () => this.CONSUME(T.Bang) },
                { ALT: () => this.CONSUME(T.Tilde) },
              ],
            );
            const arg = this.SUBRULE(this.unary);
            return { kind: "unary", op: op.image, arg, loc: this.#loc(first) } as Expr;
          },
        },
        { ALT: () => this.SUBRULE(this.postfix) },
      ],
    ), RECOVER_EXPR);

  postfix = this.RULE("postfix", (): Expr => {
    const first = this.LA(1);
    let e = this.SUBRULE(this.primary);
    this.MANY(() => {
      const s = this.OR(
        this.#suffixAlts ??= [
          {
            ALT: (): Suffix => {
              this.CONSUME(T.LParen);
              const args: Expr[] = [];
              this.MANY_SEP({ SEP: T.Comma, DEF: () => args.push(this.SUBRULE(this.expression)) });
              this.CONSUME(T.RParen);
              return { args };
            },
          },
          {
            ALT: (): Suffix => {
              this.CONSUME(T.Dot);
              return { name: this.CONSUME(T.Identifier).image };
            },
          },
        ],
      );
      e = this.ACTION((): Expr =>
        s.args !== undefined
          ? { kind: "call", callee: e, args: s.args, loc: this.#loc(first) }
          : { kind: "field", object: e, name: s.name!, loc: this.#loc(first) }
      );
    });
    return e;
  }, RECOVER_EXPR);

  #stringPartAlts?: { ALT: () => string | Expr }[];

  /** A string: text (escapes resolved) and `{expression}` parts, from the string lexer mode. */
  stringLiteral = this.RULE("stringLiteral", (): Expr => {
    const first = this.CONSUME(T.StringStart);
    const parts: (string | Expr)[] = [];
    this.MANY(() => {
      const part = this.OR(
        this.#stringPartAlts ??= [
          {
            ALT: () => {
              const t = this.CONSUME(T.StringText);
              return this.ACTION(() => this.#unescape(t));
            },
          },
          {
            ALT: () => {
              this.CONSUME(T.InterpStart);
              const e = this.SUBRULE(this.expression);
              this.CONSUME(T.InterpEnd);
              return e;
            },
          },
        ],
      );
      this.ACTION(() => {
        // Text runs and escapes come as tokens of their own: one string part.
        const last = parts.length - 1;
        if (typeof part === "string" && typeof parts[last] === "string") parts[last] += part;
        else parts.push(part);
      });
    });
    this.CONSUME(T.StringEnd);
    return { kind: "str", parts: parts.length > 0 ? parts : [""], loc: this.#loc(first) };
  }, RECOVER_EXPR);

  /**
   * A string that names something (an include path, a platform, a
   * contract): no `{...}` parts.
   */
  plainString = this.RULE("plainString", (): string => {
    const s = this.SUBRULE(this.stringLiteral);
    return this.ACTION(() => {
      if (s.kind !== "str") return "";
      const interpolated = s.parts.find((p) => typeof p !== "string");
      if (interpolated !== undefined && typeof interpolated !== "string") {
        this.problems.push({
          message: "this string names something: it cannot have '{...}' parts (write \\{)",
          line: interpolated.loc.line,
          column: interpolated.loc.column,
          length: interpolated.loc.end - interpolated.loc.start,
        });
      }
      return s.parts.filter((p): p is string => typeof p === "string").join("");
    });
  });

  primary = this.RULE("primary", (): Expr =>
    this.OR(
      this.#primaryAlts ??= [
        {
          ALT: () => {
            const t = this.CONSUME(T.Integer);
            const value = this.ACTION(() => {
              const v = parseIntegerLiteral(t.image);
              if (v >= INT_LIMIT) this.problems.push(oversized(t));
              return v;
            });
            return { kind: "int", value, loc: this.#loc(t) } as Expr;
          },
        },
        { ALT: () => this.SUBRULE(this.stringLiteral) },
        {
          ALT: () => {
            const t = this.CONSUME(T.True);
            return { kind: "bool", value: true, loc: this.#loc(t) } as Expr;
          },
        },
        {
          ALT: () => {
            const t = this.CONSUME(T.False);
            return { kind: "bool", value: false, loc: this.#loc(t) } as Expr;
          },
        },
        {
          ALT: () => {
            const t = this.CONSUME(T.Null);
            return { kind: "null", loc: this.#loc(t) } as Expr;
          },
        },
        {
          ALT: () => {
            const t = this.CONSUME(T.Identifier);
            return { kind: "name", name: t.image, loc: this.#loc(t) } as Expr;
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.LParen);
            const e = this.SUBRULE(this.expression);
            this.CONSUME(T.RParen);
            return e;
          },
        },
      ],
    ), RECOVER_EXPR);
}

/** The problem of an integer literal outside the integer range. */
function oversized(t: IToken): ParseProblem {
  const shown = t.image.length > 40
    ? `${t.image.slice(0, 20)}...(${t.image.length} characters)`
    : t.image;
  return {
    message: `integer literal ${shown} does not fit: integers are ${INT_RANGE_TEXT}`,
    line: t.startLine ?? 1,
    column: t.startColumn ?? 1,
    length: t.image.length,
  };
}

/** A postfix suffix: a call's arguments or a field's name. */
interface Suffix {
  args?: Expr[];
  name?: string;
}

/**
 * Binding strength of the binary operators (higher binds tighter), as in
 * Rust; all are left-associative.
 *
 * @example
 * ```ts
 * import { BINARY_PRECEDENCE } from "./parser.ts";
 * console.log(BINARY_PRECEDENCE["*"] > BINARY_PRECEDENCE["+"]); // true
 * ```
 */
export const BINARY_PRECEDENCE: Readonly<Record<string, number>> = {
  "||": 1,
  "&&": 2,
  "==": 3,
  "!=": 3,
  "<": 3,
  "<=": 3,
  ">": 3,
  ">=": 3,
  "|": 4,
  "^": 5,
  "&": 6,
  "<<": 7,
  ">>": 7,
  "+": 8,
  "-": 8,
  "*": 9,
  "/": 9,
  "%": 9,
};

/** Groups `a op b op c ...` by precedence, left-associative (shunting-yard). */
function group(operands: Expr[], ops: string[]): Expr {
  const out: Expr[] = [operands[0]];
  const stack: string[] = [];
  const reduce = () => {
    const right = out.pop()!;
    const left = out.pop()!;
    out.push({
      kind: "binary",
      op: stack.pop()!,
      left,
      right,
      loc: {
        line: left.loc.line,
        column: left.loc.column,
        start: left.loc.start,
        end: right.loc.end,
      },
    });
  };
  for (let i = 0; i < ops.length; i++) {
    const p = BINARY_PRECEDENCE[ops[i]];
    while (stack.length > 0 && BINARY_PRECEDENCE[stack[stack.length - 1]] >= p) reduce();
    stack.push(ops[i]);
    out.push(operands[i + 1]);
  }
  while (stack.length > 0) reduce();
  return out[0];
}

const ESCAPED: Record<string, string> = {
  n: "\n",
  t: "\t",
  r: "\r",
  "0": "\0",
  '"': '"',
  "\\": "\\",
  "{": "{",
  "}": "}",
};
const ESCAPES_TEXT = '\\n \\t \\r \\0 \\" \\\\ \\{ \\} \\xHH';

/**
 * Resolves `\n`, `\t`, `\r`, `\0`, `\"`, `\\`, `\{`, `\}` and `\xHH`
 * escapes; any other is reported to `unknown` (with its offset) and kept as
 * written.
 *
 * @example
 * ```ts
 * import { unescape } from "./parser.ts";
 * console.log(unescape("a\\tb\\x41")); // a<tab>bA
 * ```
 */
export function unescape(
  s: string,
  unknown: (offset: number, escape: string) => void = () => {},
): string {
  return s.replace(/\\(x[0-9a-fA-F]{2}|.)/g, (all, e: string, offset: number) => {
    if (e.length === 3) return String.fromCharCode(parseInt(e.slice(1), 16));
    const known = ESCAPED[e];
    if (known !== undefined) return known;
    unknown(offset, all);
    return all;
  });
}

/** A parse problem at a place in a file. */
export interface ParseProblem {
  /** What was wrong, in words. */
  message: string;
  /** 1-based line. */
  line: number;
  /** 1-based column. */
  column: number;
  /** Characters to underline. */
  length: number;
}

/** The result of parsing: a program (possibly partial) and the problems found. */
export interface ParseResult {
  /** The syntax tree (with recovery, as much as could be read). */
  program: Program;
  /** Lexing and parsing problems, in source order. */
  problems: ParseProblem[];
}

const parser = new MmsParser();

/**
 * Builds the grammar once more with Chevrotain's validations on (ambiguity,
 * left recursion, ...); throws if the grammar has a problem. The shared
 * parser skips them to start faster; the test suite calls this.
 *
 * @example
 * ```ts
 * import { validateGrammar } from "./parser.ts";
 * validateGrammar();
 * ```
 */
export function validateGrammar(): void {
  new MmsParser(true);
}

function parseTokens(tokens: IToken[], rule: "program" | "expression") {
  parser.input = tokens;
  const value = rule === "program" ? parser.program() : parser.expression();
  return { value, errors: [...parser.errors] };
}

function problemOf(e: IRecognitionException): ParseProblem {
  const tok = e.token;
  const eof = tok.tokenType.name === "EOF";
  const prev = (e as { previousToken?: IToken }).previousToken;
  const at = eof && prev ? prev : tok;
  return {
    message: e.message,
    line: at.startLine ?? 1,
    column: eof && prev ? (prev.startColumn ?? 0) + prev.image.length : at.startColumn ?? 1,
    length: eof || tok.tokenType.name === "Newline" ? 1 : Math.max(1, tok.image.length),
  };
}

/**
 * Parses a script. Several problems can be reported in one go: the parser
 * recovers and goes on.
 *
 * @example
 * ```ts
 * import { parse } from "./parser.ts";
 * const { program, problems } = parse("let x = 1 + 2 * 3\nprint \"x = {x}\"\n", "demo.mms");
 * console.log(program.body.length, problems.length); // 2 0
 * ```
 */
export function parse(text: string, file: string): ParseResult {
  // An editor's UTF-8 byte-order mark is not part of the script.
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const problems: ParseProblem[] = [];
  parser.problems = [];
  const lexed = T.mmsLexer.tokenize(source);
  for (const e of lexed.errors) {
    problems.push({
      message: source[e.offset] === "\\"
        ? "a '\\' at the end of a line escapes nothing"
        : `unexpected character '${source[e.offset]}'`,
      line: e.line ?? 1,
      column: e.column ?? 1,
      length: e.length,
    });
  }
  const tokens = lexed.tokens;
  const scan = scanTokens(tokens);
  if (scan.problem !== undefined) {
    return { program: { file, source, body: [] }, problems: [scan.problem] };
  }
  // Chevrotain reports each syntax error as an exception: without their
  // stack traces, which nobody reads, a file of errors parses 2-3x faster.
  const stackLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return parseChecked(source, file, tokens, scan, problems);
  } finally {
    Error.stackTraceLimit = stackLimit;
  }
}

/** {@linkcode parse} past the lexer and the token scan. */
function parseChecked(
  source: string,
  file: string,
  tokens: IToken[],
  scan: ReturnType<typeof scanTokens>,
  problems: ParseProblem[],
): ParseResult {
  let parsed = parseStatements(tokens);
  // A block that is never closed: the parser finds out at the end of the
  // file. Say it at the brace, close it there, and parse again, so that the
  // rest of the file is parsed and checked as written.
  if (parsed.endOfFile) {
    const open = openBraces(tokens);
    if (open.length > 0) {
      const first = parser.problems;
      parser.problems = [];
      const again = parseStatements([...tokens, ...closers(source, open.length)]);
      if (again.endOfFile) parser.problems = first;
      else {
        parsed = again;
        for (const brace of open) {
          problems.push({
            message: "this '{' is never closed: its block needs a '}'",
            line: brace.startLine ?? 1,
            column: brace.startColumn ?? 1,
            length: 1,
          });
        }
      }
    }
  }
  const body = parsed.body;
  for (const p of parsed.problems) problems.push(p);
  // Deep trees are refused before anything recurses over them (walking
  // the tree to find out only when the tokens allow a deep one).
  const deepTree = scan.depthBound > MAX_SYNTAX_DEPTH ? syntaxDepthProblem(body) : undefined;
  if (deepTree !== undefined) {
    problems.push(deepTree);
    body.length = 0;
  }
  for (const p of parser.problems) problems.push(p);
  parser.problems = [];
  problems.sort((a, b) => a.line - b.line || a.column - b.column);
  return { program: { file, source, body }, problems };
}

/** How many times the parser starts again after junk at the top level. */
const MAX_RESTARTS = 500;
/** How many problems one file's parse reports at most. */
const MAX_PROBLEMS = 1000;

/**
 * Parses a script's tokens. Junk after a statement stops the parser at the
 * top level; it skips to the next line and goes on, so that every line's
 * problems are reported. `endOfFile`: whether a problem was found at the
 * end of the file (a block left open, say).
 */
function parseStatements(
  tokens: IToken[],
): { body: Stmt[]; problems: ParseProblem[]; endOfFile: boolean } {
  const body: Stmt[] = [];
  const problems: ParseProblem[] = [];
  let endOfFile = false;
  let start = 0;
  let restarts = 0;
  while (start < tokens.length) {
    if (restarts++ === MAX_RESTARTS || problems.length >= MAX_PROBLEMS) {
      // A file that is not a script at all: enough is said (and parsing
      // the rest again and again would cost time quadratic in its size).
      const t = tokens[start];
      problems.push({
        message: `too many problems (${problems.length}); the rest of the file is not parsed`,
        line: t.startLine ?? 1,
        column: t.startColumn ?? 1,
        length: 1,
      });
      break;
    }
    const { value, errors } = parseTokens(tokens.slice(start), "program");
    // Loops, not push(...spread): a spread of 100,000+ items overflows the stack.
    for (const stmt of (value ?? []) as Stmt[]) body.push(stmt);
    for (const e of errors) {
      problems.push(problemOf(e));
      if (e.token.tokenType.name === "EOF") endOfFile = true;
    }
    const stop = errors.find((e) => e.name === "NotAllInputParsedException");
    if (stop === undefined) break;
    let next = tokens.indexOf(stop.token, start);
    while (next < tokens.length && !tokenMatcher(tokens[next], T.Newline)) next++;
    start = next + 1;
  }
  return { body, problems, endOfFile };
}

/** The `{` tokens no `}` closes, outermost first. */
function openBraces(tokens: readonly IToken[]): IToken[] {
  const open: IToken[] = [];
  for (const t of tokens) {
    if (tokenMatcher(t, T.LBrace)) open.push(t);
    else if (tokenMatcher(t, T.RBrace)) open.pop();
  }
  return open;
}

/** `n` closing braces at the end of `source`. */
function closers(source: string, n: number): IToken[] {
  const lines = source.split(/\r\n|\r|\n/);
  const line = lines.length;
  const column = lines[lines.length - 1].length + 1;
  return Array.from(
    { length: n },
    () =>
      createTokenInstance(T.RBrace, "}", source.length, source.length, line, line, column, column),
  );
}

/**
 * The grammar as Chevrotain serialises it (its rules and their
 * alternatives), for syntax diagrams.
 *
 * @example
 * ```ts
 * import { serializedGrammar } from "./parser.ts";
 * console.log(serializedGrammar().some((r) => r.name === "statement")); // true
 * ```
 */
export function serializedGrammar(): SerializedRule[] {
  return parser.getSerializedGastProductions() as SerializedRule[];
}

/** A grammar rule (or a part of one) as Chevrotain serialises it. */
export interface SerializedRule {
  /** `Rule`, `Alternation`, `Terminal`, ... */
  type: string;
  /** A rule's name. */
  name?: string;
  /** What it is made of. */
  definition?: SerializedRule[];
}
