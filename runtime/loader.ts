/**
 * Loading a script: parse it and everything it includes (paths relative to
 * the including file, never leaving the script's directory tree), then
 * check them together.
 *
 * @module
 */

import type { Program, Stmt } from "../dsl/ast.ts";
import { check, type FileProblem } from "../dsl/check.ts";
import { parse } from "../dsl/parser.ts";
import { walk } from "../dsl/walk.ts";
import { BUILTINS, CONSTANT_NAMES } from "./builtins.ts";
import { ERROR_NAMES } from "./errors.ts";
import { MAX_SCRIPT_BYTES, readRegularText } from "./host_files.ts";

/** A script and its includes, parsed and checked. */
export interface LoadedScript {
  /** The main program. */
  main: Program;
  /** Every program by its resolved path (the main one included). */
  programs: Map<string, Program>;
  /** The include statement's resolved target, by the statement. */
  includes: Map<Stmt, string>;
  /** Every problem found, in file order. */
  problems: FileProblem[];
}

/** How the loader reaches files. */
export interface FileAccess {
  /** Reads a file's text; throws if it cannot. */
  read(path: string): string;
  /**
   * Where a path really is, every symbolic link resolved (absolute); throws
   * if it does not exist. Without it, paths are compared as written (for
   * scripts that are not on a disk).
   */
  realPath?(path: string): string;
}

/**
 * The disk, for scripts that are files.
 *
 * @example
 * ```ts ignore
 * import { DISK, load } from "./loader.ts";
 * const script = load("scripts/boot.mms", DISK);
 * ```
 */
export const DISK: FileAccess = {
  read: (path) => readRegularText(path, MAX_SCRIPT_BYTES),
  realPath: (path) => Deno.realPathSync(path),
};

/** How deep `include`s may nest (a chain of files, the main one first). */
export const MAX_INCLUDE_DEPTH = 32;

/**
 * The first link on the way from the directory `root` to `target` (both as
 * written, `target` below `root`) that leads out of `root`'s real place:
 * the path as written and where it really is; undefined if none does. A part
 * that does not exist ends the walk (reading it fails with its own message).
 */
function linkLeavingRoot(
  root: string,
  target: string,
  realPath: (path: string) => string,
): { path: string; real: string } | undefined {
  let realRoot: string;
  try {
    realRoot = realPath(root);
  } catch {
    return undefined;
  }
  const inside = (p: string) => p === realRoot || p.startsWith(realRoot.replace(/\/$/, "") + "/");
  const rest = root === "." ? target : target.slice(root.length + 1);
  let path = root === "." ? "" : root;
  for (const part of rest.split("/")) {
    path = path === "" ? part : `${path}/${part}`;
    let real: string;
    try {
      real = realPath(path);
    } catch {
      return undefined;
    }
    if (!inside(real)) return { path, real };
  }
  return undefined;
}

/** Whether `target` (a joined path) lies inside `root` as written (`.`: any relative path not going up). */
function insideRoot(root: string, target: string): boolean {
  return root === "."
    ? !target.startsWith("..") && !target.startsWith("/")
    : target.startsWith(root + "/");
}

/**
 * The file `rel` names from the script file `from`, under the rules of
 * `include`: inside the main script's directory `root` (the directory of
 * the script that was run), and not through a link that leaves it; or why
 * it is not allowed.
 *
 * @example
 * ```ts
 * import { confinedPath } from "./loader.ts";
 * console.log(confinedPath("lab", "lab/main.mms", "heap.wasm")); // { path: "lab/heap.wasm" }
 * console.log(confinedPath("lab", "lab/main.mms", "../x.wasm").problem); // "../x.wasm" leaves the script's directory lab
 * ```
 */
export function confinedPath(
  root: string,
  from: string,
  rel: string,
  realPath?: (path: string) => string,
): { path: string; problem?: undefined } | { problem: string } {
  const target = joinPath(dirname(from), rel);
  if (!insideRoot(root, target)) {
    return { problem: `"${rel}" leaves the script's directory ${root}` };
  }
  const link = realPath && linkLeavingRoot(root, target, realPath);
  if (link) {
    return {
      problem:
        `"${rel}" leaves the script's directory ${root}: ${link.path} is a link to ${link.real}`,
    };
  }
  return { path: target };
}

/** The directory of a script's path (`.` for a bare name). */
export function scriptRoot(path: string): string {
  return dirname(joinPath(".", path));
}

function dirname(path: string): string {
  const i = path.lastIndexOf("/");
  return i < 0 ? "." : i === 0 ? "/" : path.slice(0, i);
}

/** Joins and normalises a relative path onto a directory. */
export function joinPath(dir: string, rel: string): string {
  const parts = (rel.startsWith("/") ? rel : `${dir}/${rel}`).split("/");
  const out: string[] = [];
  for (const p of parts) {
    if (p === "" || p === ".") {
      if (out.length === 0 && rel.startsWith("/")) out.push("");
      continue;
    }
    if (p === ".." && out.length > 0 && out.at(-1) !== ".." && out.at(-1) !== "") out.pop();
    else out.push(p);
  }
  const joined = out.join("/");
  return (dir.startsWith("/") || rel.startsWith("/")) && !joined.startsWith("/")
    ? "/" + joined
    : joined || ".";
}

/**
 * Loads `path` and its includes.
 *
 * @example
 * ```ts ignore
 * import { load } from "./loader.ts";
 * const script = load("scripts/boot.mms", { read: (p) => Deno.readTextFileSync(p) });
 * ```
 */
export function load(path: string, files: FileAccess, source?: string): LoadedScript {
  const root = dirname(joinPath(".", path));
  const programs = new Map<string, Program>();
  const includes = new Map<Stmt, string>();
  const problems: FileProblem[] = [];
  const visit = (file: string, text: string, chain: string[]): Program => {
    const { program, problems: p } = parse(text, file);
    for (const x of p) problems.push({ ...x, file }); // no spread: scripts can be huge
    programs.set(file, program);
    const include = (s: Extract<Stmt, { kind: "include" }>): void => {
      const report = (message: string): void => {
        problems.push({
          file,
          line: s.loc.line,
          column: s.loc.column,
          length: s.loc.end - s.loc.start,
          message,
        });
      };
      // A path the parser already found wrong ('{...}' parts) is not looked for.
      if (p.some((x) => x.line === s.loc.line)) return;
      const target = joinPath(dirname(file), s.path);
      if (!insideRoot(root, target)) {
        return report(`include "${s.path}" leaves the script's directory ${root}`);
      }
      if (chain.includes(target)) {
        return report(`include "${s.path}" is circular (${[...chain, target].join(" -> ")})`);
      }
      if (chain.length >= MAX_INCLUDE_DEPTH) {
        return report(
          `include "${s.path}" nests includes more than ${MAX_INCLUDE_DEPTH} files deep`,
        );
      }
      const link = files.realPath && linkLeavingRoot(root, target, files.realPath);
      if (link) {
        return report(
          `include "${s.path}" leaves the script's directory ${root}: ${link.path} is a link to ${link.real}`,
        );
      }
      includes.set(s, target);
      if (programs.has(target)) return;
      let text: string;
      try {
        text = files.read(target);
      } catch (e) {
        return report(`cannot read include "${s.path}": ${(e as Error).message}`);
      }
      visit(target, text, [...chain, target]);
    };
    walk(program.body, {
      stmt: (s) => {
        if (s.kind === "include") include(s);
      },
    });
    return program;
  };
  const main = visit(path, source ?? files.read(path), [path]);
  const checked = check([...programs.values()], {
    builtins: BUILTINS,
    constants: CONSTANT_NAMES,
    errors: ERROR_NAMES,
  });
  for (const p of checked) problems.push(p);
  // The parser's and the checker's problems together, in the order of the
  // text, file by file (the main script first, then its includes as met).
  const fileOrder = new Map([...programs.keys()].map((f, i) => [f, i]));
  problems.sort((a, b) =>
    (fileOrder.get(a.file) ?? 0) - (fileOrder.get(b.file) ?? 0) || a.line - b.line ||
    a.column - b.column
  );
  return { main, programs, includes, problems };
}
