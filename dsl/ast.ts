/**
 * The syntax tree of `.mms` scripts.
 *
 * @module
 */

/** Where a node starts in its file, and how long its source text is. */
export interface Loc {
  /** 1-based line. */
  line: number;
  /** 1-based column. */
  column: number;
  /** Offset of the first character. */
  start: number;
  /** Offset just past the last character. */
  end: number;
}

/** An expression. */
export type Expr =
  | { kind: "int"; value: bigint; loc: Loc }
  | { kind: "str"; parts: (string | Expr)[]; loc: Loc }
  | { kind: "bool"; value: boolean; loc: Loc }
  | { kind: "null"; loc: Loc }
  | { kind: "name"; name: string; loc: Loc }
  | { kind: "unary"; op: string; arg: Expr; loc: Loc }
  | { kind: "binary"; op: string; left: Expr; right: Expr; loc: Loc }
  | { kind: "call"; callee: Expr; args: Expr[]; loc: Loc }
  | { kind: "field"; object: Expr; name: string; loc: Loc };

/** A statement. */
export type Stmt =
  | { kind: "let"; name: string; nameLoc: Loc; value: Expr; loc: Loc }
  | { kind: "assign"; name: string; value: Expr; loc: Loc }
  | { kind: "expr"; expr: Expr; loc: Loc }
  | { kind: "print"; value: Expr; loc: Loc }
  | { kind: "expect"; cond: Expr; message: Expr | undefined; loc: Loc }
  | { kind: "expectError"; error: string; body: Stmt[]; message?: Expr; loc: Loc }
  | { kind: "if"; cond: Expr; then: Stmt[]; else: Stmt[] | undefined; loc: Loc }
  | { kind: "repeat"; count: Expr; body: Stmt[]; loc: Loc }
  | { kind: "while"; cond: Expr; body: Stmt[]; loc: Loc }
  | { kind: "for"; name: string; nameLoc: Loc; from: Expr; to: Expr; body: Stmt[]; loc: Loc }
  | {
    kind: "proc";
    name: string;
    nameLoc: Loc;
    params: string[];
    paramLocs: Loc[];
    body: Stmt[];
    loc: Loc;
  }
  | { kind: "return"; value: Expr | undefined; loc: Loc }
  | { kind: "include"; path: string; loc: Loc }
  | { kind: "platform"; name: string; loc: Loc }
  | { kind: "kernel"; key: string; value: Expr; loc: Loc }
  | { kind: "using"; name: string; nameLoc: Loc; value: Expr; body: Stmt[]; loc: Loc }
  | { kind: "unchecked"; body: Stmt[]; loc: Loc }
  | { kind: "contract"; name: string; nameLoc: Loc; body: Stmt[]; loc: Loc }
  | { kind: "cpus"; count: Expr; loc: Loc }
  | { kind: "ram"; size: Expr; loc: Loc }
  | { kind: "onCpu"; word: string; wordLoc: Loc; cpu: Expr; body: Stmt[]; loc: Loc }
  | { kind: "parallel"; lanes: Lane[]; loc: Loc };

/** One CPU's statements in a `parallel` block: `cpu K { ... }`. */
export interface Lane {
  /** The word before the CPU (the checker wants `cpu`). */
  word: string;
  /** Where that word is. */
  wordLoc: Loc;
  /** The CPU. */
  cpu: Expr;
  /** Its statements, run in order, interleaved with the other lanes'. */
  body: Stmt[];
  /** The lane's place. */
  loc: Loc;
}

/** A parsed file. */
export interface Program {
  /** The file's name as given. */
  file: string;
  /** Its text. */
  source: string;
  /** Its statements. */
  body: Stmt[];
}
