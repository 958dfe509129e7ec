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

/**
 * Calls `fn` for each expression directly inside `e`, in source order
 * (no arrays are built: the checker walks every node of large scripts).
 *
 * @example
 * ```ts
 * import { parse } from "./parser.ts";
 * import { forEachChildExpr } from "./walk.ts";
 * const { program } = parse("f(1, 2)\n", "t.mms");
 * const s = program.body[0];
 * if (s.kind === "expr") forEachChildExpr(s.expr, (c) => console.log(c.kind)); // name int int
 * ```
 */
export function forEachChildExpr(e: Expr, fn: (child: Expr) => void): void {
  switch (e.kind) {
    case "str":
      for (const p of e.parts) if (typeof p !== "string") fn(p);
      return;
    case "unary":
      return fn(e.arg);
    case "binary":
      fn(e.left);
      return fn(e.right);
    case "call":
      fn(e.callee);
      for (const a of e.args) fn(a);
      return;
    case "field":
      return fn(e.object);
  }
}

/**
 * Calls `onExpr` for each expression and `onBlock` for each nested
 * statement list directly inside `s`, in source order.
 *
 * @example
 * ```ts
 * import { parse } from "./parser.ts";
 * import { forEachChild } from "./walk.ts";
 * const { program } = parse("if x { y = 1 }\n", "t.mms");
 * forEachChild(program.body[0], (e) => console.log(e.kind), (b) => console.log(b.length)); // name 1
 * ```
 */
export function forEachChild(
  s: Stmt,
  onExpr: (e: Expr) => void,
  onBlock: (b: Stmt[]) => void,
): void {
  switch (s.kind) {
    case "let":
    case "assign":
    case "print":
    case "kernel":
      return onExpr(s.value);
    case "expr":
      return onExpr(s.expr);
    case "return":
      if (s.value) onExpr(s.value);
      return;
    case "expect":
      onExpr(s.cond);
      if (s.message) onExpr(s.message);
      return;
    case "if":
      onExpr(s.cond);
      onBlock(s.then);
      if (s.else) onBlock(s.else);
      return;
    case "repeat":
      onExpr(s.count);
      return onBlock(s.body);
    case "while":
      onExpr(s.cond);
      return onBlock(s.body);
    case "for":
      onExpr(s.from);
      onExpr(s.to);
      return onBlock(s.body);
    case "using":
      onExpr(s.value);
      return onBlock(s.body);
    case "expectError":
      if (s.message) onExpr(s.message);
      return onBlock(s.body);
    case "unchecked":
    case "proc":
    case "contract":
      return onBlock(s.body);
    case "cpus":
      return onExpr(s.count);
    case "ram":
      return onExpr(s.size);
    case "onCpu":
      onExpr(s.cpu);
      return onBlock(s.body);
    case "parallel":
      for (const lane of s.lanes) {
        onExpr(lane.cpu);
        onBlock(lane.body);
      }
      return;
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
  // Without an `expr` callback, expressions are not visited at all.
  const visit = v.expr;
  const expr = visit === undefined ? () => {} : (e: Expr): void => {
    if (visit(e) !== false) forEachChildExpr(e, expr);
  };
  const block = (list: readonly Stmt[]): void => {
    for (const s of list) {
      v.stmt?.(s);
      forEachChild(s, expr, block);
    }
  };
  block(stmts);
}
