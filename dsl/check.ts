/**
 * Static checks after parsing: calls to unknown functions, unknown names,
 * wrong argument counts of builtins and unknown error names, each with the
 * closest known name as a suggestion.
 *
 * @module
 */

import type { Expr, Loc, Program, Stmt } from "./ast.ts";
import type { ParseProblem } from "./parser.ts";
import { closest } from "./suggest.ts";

/** What the checker needs to know about the runtime's names. */
export interface KnownNames {
  /** Builtin functions and their parameter lists (`?` marks optional ones). */
  builtins: Readonly<Record<string, { params: readonly string[] }>>;
  /** Constant names. */
  constants: readonly string[];
  /** Error names `expect error` accepts. */
  errors: readonly string[];
}

/** A problem found in a file. */
export interface FileProblem extends ParseProblem {
  /** The file. */
  file: string;
}

function problem(file: string, loc: Loc, message: string): FileProblem {
  return {
    file,
    line: loc.line,
    column: loc.column,
    length: Math.max(1, loc.end - loc.start),
    message,
  };
}

/**
 * Checks a set of programs (a script and everything it includes) together.
 *
 * @example
 * ```ts
 * import { parse } from "./parser.ts";
 * import { check } from "./check.ts";
 * const { program } = parse("kmaloc(10)\n", "t.mms");
 * const known = { builtins: { kmalloc: { params: ["size", "gfp?"] } }, constants: [], errors: [] };
 * console.log(check([program], known)[0].message); // unknown function 'kmaloc'; did you mean 'kmalloc'?
 * ```
 */
export function check(programs: readonly Program[], known: KnownNames): FileProblem[] {
  const procs = new Map<string, number>();
  const defined = new Set<string>();
  const collect = (stmts: readonly Stmt[]): void => {
    for (const s of stmts) {
      switch (s.kind) {
        case "proc":
          procs.set(s.name, s.params.length);
          s.params.forEach((p) => defined.add(p));
          collect(s.body);
          break;
        case "let":
        case "assign":
          defined.add(s.name);
          break;
        case "for":
          defined.add(s.name);
          collect(s.body);
          break;
        case "using":
          defined.add(s.name);
          collect(s.body);
          break;
        case "if":
          collect(s.then);
          collect(s.else ?? []);
          break;
        case "repeat":
        case "while":
        case "expectError":
        case "contract":
          collect(s.body);
          break;
      }
    }
  };
  for (const p of programs) collect(p.body);
  const names = new Set<string>([
    ...Object.keys(known.builtins),
    ...known.constants,
    ...procs.keys(),
    ...defined,
  ]);
  const problems: FileProblem[] = [];
  for (const program of programs) {
    const file = program.file;
    const expr = (e: Expr | undefined): void => {
      if (e === undefined) return;
      switch (e.kind) {
        case "name":
          if (!names.has(e.name)) {
            const s = closest(e.name, names);
            problems.push(
              problem(file, e.loc, `unknown name '${e.name}'${s ? `; did you mean '${s}'?` : ""}`),
            );
          }
          break;
        case "call":
          if (e.callee.kind === "name") {
            const name = e.callee.name;
            const b = known.builtins[name];
            if (b !== undefined && !procs.has(name)) {
              const max = b.params.length;
              const min = b.params.filter((p) => !p.endsWith("?")).length;
              if (e.args.length < min || e.args.length > max) {
                const want = min === max ? `${min}` : `${min} to ${max}`;
                problems.push(problem(
                  file,
                  e.loc,
                  `${name}(${b.params.join(", ")}) takes ${want} argument${
                    max === 1 ? "" : "s"
                  }, got ${e.args.length}`,
                ));
              }
            } else if (procs.has(name) && procs.get(name) !== e.args.length) {
              problems.push(
                problem(
                  file,
                  e.loc,
                  `${name} takes ${procs.get(name)} arguments, got ${e.args.length}`,
                ),
              );
            } else if (!names.has(name)) {
              const s = closest(name, [...Object.keys(known.builtins), ...procs.keys()]);
              problems.push(
                problem(
                  file,
                  e.callee.loc,
                  `unknown function '${name}'${s ? `; did you mean '${s}'?` : ""}`,
                ),
              );
            }
          } else expr(e.callee);
          e.args.forEach(expr);
          break;
        case "str":
          e.parts.forEach((p) => typeof p !== "string" && expr(p));
          break;
        case "unary":
          expr(e.arg);
          break;
        case "binary":
          expr(e.left);
          expr(e.right);
          break;
        case "field":
          expr(e.object);
          break;
      }
    };
    const stmts = (list: readonly Stmt[] | undefined): void => {
      for (const s of list ?? []) {
        switch (s.kind) {
          case "let":
          case "assign":
          case "print":
            expr(s.value);
            break;
          case "kernel":
            if (s.value.kind !== "name") expr(s.value);
            break;
          case "expr":
            expr(s.expr);
            break;
          case "return":
            expr(s.value);
            break;
          case "expect":
            expr(s.cond);
            expr(s.message);
            break;
          case "expectError":
            if (!known.errors.includes(s.error)) {
              const sug = closest(s.error, known.errors);
              problems.push(problem(
                file,
                s.loc,
                `unknown error name '${s.error}'${sug ? `; did you mean '${sug}'?` : ""} (known: ${
                  known.errors.join(", ")
                })`,
              ));
            }
            stmts(s.body);
            break;
          case "if":
            expr(s.cond);
            stmts(s.then);
            stmts(s.else);
            break;
          case "repeat":
            expr(s.count);
            stmts(s.body);
            break;
          case "while":
            expr(s.cond);
            stmts(s.body);
            break;
          case "for":
            expr(s.from);
            expr(s.to);
            stmts(s.body);
            break;
          case "proc":
          case "contract":
            stmts(s.body);
            break;
          case "using":
            expr(s.value);
            stmts(s.body);
            break;
        }
      }
    };
    stmts(program.body);
  }
  return problems;
}
