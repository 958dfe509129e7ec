/**
 * How deep a script may nest, checked without recursion so that a
 * pathological script (thousands of nested brackets, a 50,000-term sum)
 * gets a located problem instead of overflowing the stack of the parser,
 * the checker or the interpreter, which all recurse over the tree.
 *
 * @module
 */

import type { IToken, TokenType } from "chevrotain";
import * as T from "./lexer.ts";
import type { Expr, Stmt } from "./ast.ts";
import { forEachChild, forEachChildExpr } from "./walk.ts";

/** The deepest nesting of brackets and braces, and the longest run of prefix operators. */
export const MAX_NESTING = 100;
/** The deepest syntax tree: statements and expressions, a binary operator a level. */
export const MAX_SYNTAX_DEPTH = 1000;

/** Where a limit is exceeded, and why. */
export interface LimitProblem {
  /** What is too deep, in words. */
  message: string;
  /** 1-based line. */
  line: number;
  /** 1-based column. */
  column: number;
  /** Characters to underline. */
  length: number;
}

/** What one pass over a script's tokens finds: {@linkcode scanTokens}. */
export interface TokenScan {
  /**
   * The first place where brackets nest deeper than {@linkcode MAX_NESTING}
   * or more than that many prefix operators follow each other: what the
   * recursive-descent parser could not survive.
   */
  problem: LimitProblem | undefined;
  /**
   * An upper bound on the depth of the syntax tree the tokens can make:
   * statements nest no deeper than the braces, and an expression is no
   * deeper than the tokens between two separators (a string counts its
   * characters, for its `{...}` parts). When it is within
   * {@linkcode MAX_SYNTAX_DEPTH}, {@linkcode syntaxDepthProblem} need not
   * walk the tree.
   */
  depthBound: number;
}

/**
 * Checks the nesting limits on a script's tokens, in one pass.
 *
 * @example
 * ```ts
 * import { mmsLexer } from "./lexer.ts";
 * import { scanTokens } from "./limits.ts";
 * const deep = "x = " + "(".repeat(200) + "1" + ")".repeat(200);
 * console.log(scanTokens(mmsLexer.tokenize(deep).tokens).problem?.column); // 105
 * console.log(scanTokens(mmsLexer.tokenize("let a = 1 + 2\n").tokens).depthBound); // 7
 * ```
 */
export function scanTokens(tokens: readonly IToken[]): TokenScan {
  let depth = 0;
  let prefix = 0;
  let braces = 0;
  let maxBraces = 0;
  let run = 0;
  let maxRun = 0;
  let previous: TokenType | undefined;
  for (const t of tokens) {
    const type = t.tokenType;
    if (type === T.LParen || type === T.InterpStart) depth++;
    else if (type === T.RParen || type === T.InterpEnd) depth--;
    else if (type === T.LBrace) {
      depth++;
      if (++braces > maxBraces) maxBraces = braces;
    } else if (type === T.RBrace) {
      depth--;
      braces--;
    }
    // A prefix operator is a unary one after an operator, an opening
    // bracket or nothing (`a - -b`: the second `-`).
    const unary = (type === T.Minus || type === T.Bang || type === T.Tilde) &&
      (previous === undefined || !ENDS_OPERAND.has(previous));
    prefix = unary ? prefix + 1 : 0;
    if (depth > MAX_NESTING || prefix > MAX_NESTING) {
      return {
        problem: {
          message: depth > MAX_NESTING
            ? `brackets nest more than ${MAX_NESTING} deep`
            : `more than ${MAX_NESTING} prefix operators in a row`,
          line: t.startLine ?? 1,
          column: t.startColumn ?? 1,
          length: 1,
        },
        depthBound: Infinity,
      };
    }
    if (
      type === T.Newline || type === T.BrokenLine || type === T.Semicolon ||
      type === T.LBrace || type === T.RBrace
    ) {
      run = 0;
    } else {
      run++;
      if (run > maxRun) maxRun = run;
    }
    previous = type;
  }
  return { problem: undefined, depthBound: maxBraces + maxRun + 1 };
}

/** Tokens after which `-` is a binary operator. */
const ENDS_OPERAND = new Set<TokenType>([
  T.Identifier,
  T.Integer,
  T.StringEnd,
  T.RParen,
  T.RBrace,
  T.True,
  T.False,
  T.Null,
]);

/**
 * The first node deeper than {@linkcode MAX_SYNTAX_DEPTH} in `body`, as a
 * problem, if any (long operator chains make deep trees: `1 + 1 + ... + 1`
 * is a left-deep tree of one level a `+`).
 *
 * @example
 * ```ts
 * import { parse } from "./parser.ts";
 * import { syntaxDepthProblem } from "./limits.ts";
 * const { program } = parse("let a = 1 + 2\n", "t.mms");
 * console.log(syntaxDepthProblem(program.body)); // undefined
 * ```
 */
export function syntaxDepthProblem(body: readonly Stmt[]): LimitProblem | undefined {
  // Explicit stacks of nodes, their depths and their statements: no
  // recursion, whatever the depth.
  const nodes: (Stmt | Expr)[] = [...body];
  const depths: number[] = nodes.map(() => 1);
  const owners: Stmt[] = [...body];
  let depth = 1;
  let owner: Stmt = body[0];
  const onExpr = (e: Expr) => {
    nodes.push(e);
    depths.push(depth + 1);
    owners.push(owner);
  };
  const onBlock = (b: Stmt[]) => {
    for (const s of b) {
      nodes.push(s);
      depths.push(depth + 1);
      owners.push(s);
    }
  };
  while (nodes.length > 0) {
    const node = nodes.pop()!;
    depth = depths.pop()!;
    owner = owners.pop()!;
    if (depth > MAX_SYNTAX_DEPTH) {
      return {
        message: `this statement nests more than ${MAX_SYNTAX_DEPTH} levels deep ` +
          `(a long operator chain? split it with 'let')`,
        line: owner.loc.line,
        column: owner.loc.column,
        length: 1,
      };
    }
    // A statement is its own owner; an expression's is the statement around it.
    if (node === owner) forEachChild(owner, onExpr, onBlock);
    else forEachChildExpr(node as Expr, onExpr);
  }
  return undefined;
}
