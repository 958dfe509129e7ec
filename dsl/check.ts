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
import { forEachChild, forEachChildExpr } from "./walk.ts";

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
  /** Names a `let`, `for`, `using` or a parameter declares, anywhere. */
  const declared = new Set<string>();
  /** Of those, the ones declared outside every procedure (in the order met). */
  const globals = new Set<string>();
  /** Each procedure's own names: its parameters, then what it declares. */
  const locals = new Map<Stmt, string[]>();
  const problems: FileProblem[] = [];
  const declare = (file: string, stmts: readonly Stmt[], own: string[] | undefined): void => {
    for (const s of stmts) {
      if (s.kind === "proc") {
        if (Object.hasOwn(known.builtins, s.name) || known.constants.includes(s.name)) {
          problems.push(problem(
            file,
            s.loc,
            `proc ${s.name} would hide the builtin ${s.name}: choose another name`,
          ));
        }
        procs.set(s.name, s.params.length);
        const mine = [...s.params];
        s.params.forEach((n) => declared.add(n));
        locals.set(s, mine);
        declare(file, s.body, mine);
        continue;
      }
      if (s.kind === "let" || s.kind === "for" || s.kind === "using") {
        declared.add(s.name);
        if (own === undefined) globals.add(s.name);
        else if (!own.includes(s.name)) own.push(s.name);
      }
      forEachChild(s, () => {}, (b) => declare(file, b, own));
    }
  };
  for (const p of programs) declare(p.file, p.body, undefined);
  const names = new Set<string>([
    ...Object.keys(known.builtins),
    ...known.constants,
    ...procs.keys(),
    ...declared,
  ]);
  const functions = [...procs.keys(), ...Object.keys(known.builtins)];
  for (const program of programs) {
    const file = program.file;
    /** The names a suggestion is drawn from, nearest first: the procedure's own, then the script's. */
    let nearby: readonly string[] = [];
    const suggestion = (name: string, pool: Iterable<string>) => {
      const s = closest(name, [...nearby, ...pool]);
      return s ? `; did you mean '${s}'?` : "";
    };
    const checkCall = (e: Expr & { kind: "call" }, name: string, at: Loc) => {
      const b = known.builtins[name];
      if (b !== undefined && !procs.has(name)) {
        const wrong = arityProblem(name, b.params, e.args.length);
        if (wrong !== undefined) problems.push(problem(file, e.loc, wrong));
      } else if (procs.has(name) && procs.get(name) !== e.args.length) {
        problems.push(
          problem(file, e.loc, `${name} takes ${procs.get(name)} arguments, got ${e.args.length}`),
        );
      } else if (!names.has(name)) {
        problems.push(
          problem(file, at, `unknown function '${shown(name)}'${suggestion(name, functions)}`),
        );
      }
    };
    // Expressions: a called name is judged as a function, any other as a variable.
    const expr = (e: Expr): void => {
      if (e.kind === "name") {
        if (!names.has(e.name)) {
          problems.push(
            problem(file, e.loc, `unknown name '${shown(e.name)}'${suggestion(e.name, names)}`),
          );
        }
      } else if (e.kind === "call" && e.callee.kind === "name") {
        checkCall(e, e.callee.name, e.callee.loc);
        for (const a of e.args) expr(a);
      } else forEachChildExpr(e, expr);
    };
    const noBlocks = () => {};
    const visit = (stmts: readonly Stmt[]): void => {
      for (const s of stmts) {
        if (s.kind === "proc") {
          const saved = nearby;
          nearby = locals.get(s) ?? [];
          visit(s.body);
          nearby = saved;
          continue;
        }
        if (s.kind === "expectError" && !known.errors.includes(s.error)) {
          const sug = closest(s.error, known.errors);
          problems.push(problem(
            file,
            s.loc,
            `unknown error name '${shown(s.error)}'${
              sug ? `; did you mean '${sug}'?` : ""
            } (known: ${known.errors.join(", ")})`,
          ));
        }
        if (s.kind === "assign" && !declared.has(s.name)) {
          // `cout = count + 1`: a typo would otherwise make a new variable.
          const sug = suggestion(s.name, [...globals, ...declared]);
          problems.push(problem(
            file,
            s.loc,
            `assignment to '${shown(s.name)}', which no let declares${
              sug || `; declare it first: let ${shown(s.name)} = ...`
            }`,
          ));
        }
        // `on cpu K { }`, `parallel { cpu K { } }`: the word is `cpu`.
        const words = s.kind === "onCpu" ? [s] : s.kind === "parallel" ? s.lanes : [];
        for (const w of words) {
          if (w.word !== "cpu") {
            problems.push(problem(
              file,
              w.wordLoc,
              `expected 'cpu' here, not '${shown(w.word)}' (${
                s.kind === "onCpu" ? "on cpu 1 { ... }" : "parallel { cpu 0 { ... } cpu 1 { ... } }"
              })`,
            ));
          }
        }
        // `kernel byte_allocator = tlsf`: a bare word, not a variable.
        if (!(s.kind === "kernel" && s.value.kind === "name")) forEachChild(s, expr, noBlocks);
        forEachChild(s, () => {}, visit);
      }
    };
    visit(program.body);
    const { outside, inLanes } = misplacedReturns(program.body);
    for (const loc of outside) problems.push(problem(file, loc, "'return' outside a procedure"));
    for (const loc of inLanes) {
      problems.push(problem(
        file,
        loc,
        "'return' inside a parallel lane: a lane cannot end its procedure while the other " +
          "lanes still run (assign a variable in the lane, and return after the parallel block)",
      ));
    }
  }
  return problems;
}

/**
 * What is wrong with calling `name(params)` with `count` arguments, or
 * undefined if nothing is (a trailing `?` marks an optional parameter).
 *
 * @example
 * ```ts
 * import { arityProblem } from "./check.ts";
 * console.log(arityProblem("h.dealloc", ["ptr", "size", "align"], 2));
 * // h.dealloc(ptr, size, align) takes 3 arguments, got 2
 * ```
 */
export function arityProblem(
  name: string,
  params: readonly string[],
  count: number,
): string | undefined {
  const max = params.length;
  let min = 0;
  while (min < max && !params[min].endsWith("?")) min++;
  if (count >= min && count <= max) return undefined;
  const want = min === max ? `${min}` : `${min} to ${max}`;
  return `${name}(${params.join(", ")}) takes ${want} argument${
    max === 1 ? "" : "s"
  }, got ${count}`;
}

/** A name for a message: a very long one is cut (it is underlined in the source anyway). */
function shown(name: string): string {
  return name.length > 60 ? `${name.slice(0, 40)}...(${name.length} characters)` : name;
}

/**
 * Where `return` appears outside every `proc` body of `body`, and where it
 * appears in a lane of `parallel` (inside a procedure or not): there it
 * would end the procedure and drop the other lanes' steps.
 */
function misplacedReturns(body: readonly Stmt[]): { outside: Loc[]; inLanes: Loc[] } {
  const outside: Loc[] = [];
  const inLanes: Loc[] = [];
  const walk = (stmts: readonly Stmt[], inProc: boolean, inLane: boolean): void => {
    for (const s of stmts) {
      if (s.kind === "return") {
        if (inLane) inLanes.push(s.loc);
        else if (!inProc) outside.push(s.loc);
      } else if (s.kind === "proc") walk(s.body, true, false);
      else if (s.kind === "parallel") { for (const l of s.lanes) walk(l.body, inProc, true); }
      else forEachChild(s, () => {}, (b) => walk(b, inProc, inLane));
    }
  };
  walk(body, false, false);
  return { outside, inLanes };
}
