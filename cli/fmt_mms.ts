/**
 * `deno task fmt-mms [--check] FILES...`: prints `.mms` scripts in the one
 * canonical layout of `dsl/format.ts` (comments and literals kept as
 * written). Directories are searched for `.mms` files. Without `--check` the
 * files are rewritten in place; with it nothing is written, and the command
 * fails if a file is not formatted.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { MAX_SCRIPT_BYTES, readRegularText, writeRegularText } from "../runtime/host_files.ts";
import { escapeControls } from "../dsl/diagnostics.ts";
import { formatSource } from "../dsl/format.ts";

const USAGE = `Usage: deno task fmt-mms [--check] FILE|DIR...

Formats .mms scripts in one canonical layout: two-space indentation per
block, one space around operators, comments and literals kept as written,
trailing comments of consecutive lines aligned. Directories are searched
for .mms files.

  --check    write nothing; exit 1 if a file is not formatted
  -h, --help this text

Exit code 0 when every file is (now) formatted, 1 when --check finds one
that is not or a file has a syntax problem (file:line:col), 2 for bad usage.
`;

/** Where the command writes. */
export interface FmtIo {
  /** Standard output. */
  out(text: string): void;
  /** Standard error. */
  err(text: string): void;
}

/**
 * The files to format: a named file as it is (checked when read), and in a
 * directory its `.mms` regular files and subdirectories; links, FIFOs and
 * devices there are passed over (nothing is read or written through them).
 */
function collect(path: string, into: string[]): void {
  const info = Deno.statSync(path);
  if (!info.isDirectory) {
    into.push(path);
    return;
  }
  const entries = [...Deno.readDirSync(path)].sort((a, b) => a.name.localeCompare(b.name));
  for (const e of entries) {
    const p = `${path.replace(/\/$/, "")}/${e.name}`;
    if (e.isDirectory) collect(p, into);
    else if (e.isFile && e.name.endsWith(".mms")) into.push(p);
  }
}

/**
 * Runs the command; returns the exit code.
 *
 * @example
 * ```ts ignore
 * import { main } from "./fmt_mms.ts";
 * Deno.exitCode = main(["--check", "scripts"]);
 * ```
 */
export function main(args: string[], io: FmtIo = {
  out: (t) => console.log(t),
  err: (t) => console.error(t),
}): number {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: { check: { type: "boolean" }, help: { type: "boolean", short: "h" } },
    });
  } catch (e) {
    io.err(`fmt-mms: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (parsed.values.help) {
    io.out(USAGE);
    return 0;
  }
  if (parsed.positionals.length === 0) {
    io.err(`fmt-mms: name the files (or directories) to format\n\n${USAGE}`);
    return 2;
  }
  const files: string[] = [];
  for (const p of parsed.positionals) {
    try {
      collect(p, files);
    } catch (e) {
      io.err(`fmt-mms: cannot read ${escapeControls(p)}: ${(e as Error).message}`);
      return 2;
    }
  }
  const check = parsed.values.check === true;
  let unformatted = 0;
  let broken = 0;
  for (const file of files) {
    let text: string;
    try {
      text = readRegularText(file, MAX_SCRIPT_BYTES);
    } catch (e) {
      io.err(`fmt-mms: cannot read ${escapeControls(file)}: ${(e as Error).message}`);
      broken++;
      continue;
    }
    const r = formatSource(text);
    if (!r.ok) {
      for (const p of r.problems) {
        io.err(`${escapeControls(file)}:${p.line}:${p.column}: ${escapeControls(p.message)}`);
      }
      broken++;
      continue;
    }
    if (r.text === text) continue;
    unformatted++;
    if (check) io.err(`fmt-mms: ${escapeControls(file)} is not formatted`);
    else {
      try {
        writeRegularText(file, r.text);
      } catch (e) {
        io.err(`fmt-mms: cannot write ${escapeControls(file)}: ${(e as Error).message}`);
        broken++;
        continue;
      }
      io.out(`formatted ${escapeControls(file)}`);
    }
  }
  if (check && unformatted === 0 && broken === 0) {
    io.out(`fmt-mms: ${files.length} file${files.length === 1 ? " is" : "s are"} formatted`);
  }
  return broken > 0 || (check && unformatted > 0) ? 1 : 0;
}

if (import.meta.main) Deno.exitCode = main(Deno.args);
