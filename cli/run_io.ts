/**
 * Where `deno task run` reads and writes: the terminal and the disk, or a
 * test's stand-ins.
 *
 * @module
 */

import { DISK } from "../runtime/loader.ts";
import { writeRegularText } from "../runtime/host_files.ts";

/** Where the command writes. */
export interface RunIo {
  /** A line of standard output. */
  out(line: string): void;
  /** A line of standard error. */
  err(line: string): void;
  /** Reads a file. */
  read(path: string): string;
  /** Where a path really is, links resolved (see `FileAccess.realPath`). */
  realPath?(path: string): string;
  /** Writes a file. */
  write(path: string, text: string): void;
  /** Whether a path exists as a file. */
  exists(path: string): boolean;
  /** Whether colour is wanted. */
  color: boolean;
  /**
   * Whether standard output is a terminal: the script's own output then has
   * its control characters escaped (a script cannot retitle or clear it).
   */
  terminal?: boolean;
  /** Whether `path` may be written. */
  canWrite(path: string): boolean;
}

/** The terminal and the disk. */
export function defaultIo(): RunIo {
  return {
    out: (l) => console.log(l),
    err: (l) => console.error(l),
    read: DISK.read,
    realPath: DISK.realPath,
    write: writeRegularText,
    exists: (p) => {
      try {
        return Deno.statSync(p).isFile;
      } catch {
        return false;
      }
    },
    color: Deno.stdout.isTerminal() && !Deno.noColor,
    terminal: Deno.stdout.isTerminal(),
    canWrite: (p) => Deno.permissions.querySync({ name: "write", path: p }).state === "granted",
  };
}
