/**
 * The script's machine and kernel settings (`platform`, `kernel`, `cpus`,
 * `ram` at its top level) checked as a run checks them, so that an editor
 * or the playground shows `kernel arceos = "2027"` or `cpus 99` as a
 * problem while it is typed instead of when the script runs. Only settings written as
 * literals are checked (a value computed from variables is the run's to
 * judge), and a WebAssembly allocator's file is not read (the setting is
 * checked as a built-in allocator in its place would be).
 *
 * @module
 */

import type { Expr, Program } from "../dsl/ast.ts";
import type { FileProblem } from "../dsl/check.ts";
import type { LoadedScript } from "./loader.ts";
import { SimError } from "./errors.ts";
import { World } from "./world.ts";

/** For a setting that names a `.wasm` file: a built-in value the same checks apply to. */
const STAND_IN: Readonly<Record<string, string>> = {
  byte_allocator: "tlsf",
  page_allocator: "bitmap",
};

/** A setting's literal value: a name or string as a string, an integer as a bigint. */
function literal(e: Expr, bareName: boolean): string | bigint | undefined {
  if (e.kind === "int") return e.value;
  if (e.kind === "name" && bareName) return e.name;
  if (e.kind === "str" && e.parts.every((p) => typeof p === "string")) return e.parts.join("");
  return undefined;
}

/**
 * The problems of `program`'s top-level settings, in order, each at its
 * statement, with the message a run gives.
 *
 * @example
 * ```ts
 * import { parse } from "../dsl/parser.ts";
 * import { settingsProblems } from "./settings_check.ts";
 * const { program } = parse('kernel arceos = "2027"\ncpus 2\n', "t.mms");
 * console.log(settingsProblems(program).map((p) => `${p.line}: ${p.message}`));
 * ```
 */
export function settingsProblems(program: Program): FileProblem[] {
  const world = new World();
  // A bare word is a name unless the script has a variable of that name.
  const variables = new Set(program.body.flatMap((s) => s.kind === "let" ? [s.name] : []));
  const out: FileProblem[] = [];
  for (const s of program.body) {
    try {
      if (s.kind === "platform") world.setPlatform(s.name);
      else if (s.kind === "kernel") {
        const bare = s.value.kind === "name" && !variables.has(s.value.name);
        const v = literal(s.value, bare);
        if (v === undefined) continue;
        // A WebAssembly allocator is checked as a built-in one in its place
        // would be (next to which ArceOS, after what): its file is the run's to read.
        const wasm = typeof v === "string" && v.toLowerCase().endsWith(".wasm");
        world.configure(s.key, wasm ? STAND_IN[s.key] ?? v : v, program.file);
      } else if (s.kind === "cpus") {
        const v = literal(s.count, false);
        if (typeof v === "bigint") world.setCpus(v);
      } else if (s.kind === "ram") {
        const v = literal(s.size, false);
        if (typeof v === "bigint") world.setRamSize(v);
      }
    } catch (e) {
      if (!(e instanceof SimError)) throw e;
      out.push({
        file: program.file,
        line: s.loc.line,
        column: s.loc.column,
        length: Math.max(1, s.loc.end - s.loc.start),
        message: e.message,
      });
    }
  }
  return out;
}

/**
 * Every problem an editor shows for `loaded`: the parser's and the
 * checker's, then its main file's {@linkcode settingsProblems}.
 *
 * @example
 * ```ts
 * import { load } from "./loader.ts";
 * import { scriptProblems } from "./settings_check.ts";
 * const loaded = load("t.mms", { read: () => "" }, "cpus 99\nprint (1\n");
 * console.log(scriptProblems(loaded).map((p) => p.line)); // [2, 1]
 * ```
 */
export function scriptProblems(loaded: LoadedScript): FileProblem[] {
  const settings = settingsProblems(loaded.main);
  return settings.length === 0 ? loaded.problems : [...loaded.problems, ...settings];
}
