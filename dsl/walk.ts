/**
 * Walking the `.mms` syntax tree: one traversal for every pass that needs
 * to see each statement and expression.
 *
 * @module
 */

import type { Expr, Stmt } from "./ast.ts";

/** Callbacks of {@linkcode walk}. */
export interface Visitor {
  /** Called for every statement, before its children. */
  stmt?(s: Stmt): void;
  /** Called for every expression, before its children; `false` skips them. */
  expr?(e: Expr): boolean | void;
}

/** The expressions directly inside `e`. */
export function childExprs(e: Expr): Expr[] {
  switch (e.kind) {
    case "str":
      return e.parts.filter((p): p is Expr => typeof p !== "string");
    case "unary":
      return [e.arg];
    case "binary":
      return [e.left, e.right];
    case "call":
      return [e.callee, ...e.args];
    case "field":
      return [e.object];
    default:
      return [];
  }
}

/** The expressions and the nested statement lists directly inside `s`. */
export function children(s: Stmt): { exprs: Expr[]; blocks: Stmt[][] } {
  switch (s.kind) {
    case "let":
    case "assign":
    case "print":
    case "kernel":
      return { exprs: [s.value], blocks: [] };
    case "expr":
      return { exprs: [s.expr], blocks: [] };
    case "return":
      return { exprs: s.value ? [s.value] : [], blocks: [] };
    case "expect":
      return { exprs: s.message ? [s.cond, s.message] : [s.cond], blocks: [] };
    case "if":
      return { exprs: [s.cond], blocks: s.else ? [s.then, s.else] : [s.then] };
    case "repeat":
      return { exprs: [s.count], blocks: [s.body] };
    case "while":
      return { exprs: [s.cond], blocks: [s.body] };
    case "for":
      return { exprs: [s.from, s.to], blocks: [s.body] };
    case "using":
      return { exprs: [s.value], blocks: [s.body] };
    case "expectError":
    case "proc":
    case "contract":
      return { exprs: [], blocks: [s.body] };
    default:
      return { exprs: [], blocks: [] };
  }
}

/**
 * Visits every statement and expression of `stmts`, depth first.
 *
 * @example
 * ```ts
 * import { parse } from "./parser.ts";
 * import { walk } from "./walk.ts";
 * const { program } = parse("let a = f(1 + 2)\n", "t.mms");
 * let calls = 0;
 * walk(program.body, { expr: (e) => { if (e.kind === "call") calls++; } });
 * console.log(calls); // 1
 * ```
 */
export function walk(stmts: readonly Stmt[], v: Visitor): void {
  const expr = (e: Expr): void => {
    if (v.expr?.(e) === false) return;
    for (const c of childExprs(e)) expr(c);
  };
  for (const s of stmts) {
    v.stmt?.(s);
    const { exprs, blocks } = children(s);
    for (const e of exprs) expr(e);
    for (const b of blocks) walk(b, v);
  }
}
