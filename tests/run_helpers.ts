// Running the `run` command in-process, with files from disk or from a map.
import { main, type RunIo } from "../cli/run.ts";
import { DISK } from "../runtime/loader.ts";

/** What one run printed and returned. */
export interface RunOutput {
  code: number;
  out: string[];
  err: string[];
  written: Map<string, string>;
}

/** Runs `deno task run ARGS` in-process; `files` overrides the disk. */
export function runScript(args: string[], files: Record<string, string> = {}): RunOutput {
  const out: string[] = [];
  const err: string[] = [];
  const written = new Map<string, string>();
  const io: RunIo = {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    read: (p) => {
      if (p in files) return files[p];
      return DISK.read(p);
    },
    realPath: (p) => Deno.realPathSync(p),
    write: (p, t) => written.set(p, t),
    exists: (p) => {
      if (p in files) return true;
      try {
        return Deno.statSync(p).isFile;
      } catch {
        return false;
      }
    },
    color: false,
    canWrite: () => true,
  };
  const code = main(args, io);
  return { code, out, err, written };
}

/** What a command printed and returned. */
export interface CommandOutput {
  code: number;
  out: string;
  err: string;
}

/**
 * Runs `deno ARGS` from the repository root as a user would (no colour),
 * and waits for it.
 */
export async function deno(args: string[]): Promise<CommandOutput> {
  const r = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: new URL("..", import.meta.url).pathname,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const d = new TextDecoder();
  return { code: r.code, out: d.decode(r.stdout), err: d.decode(r.stderr) };
}
