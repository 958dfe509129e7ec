/**
 * Reading the host's files the way every mmsim tool does: regular files
 * only (a FIFO, a device such as `/dev/zero` or a directory is refused at
 * once, never read, so nothing hangs or grows without end), and at most a
 * stated number of bytes.
 *
 * @module
 */

/** A file mmsim will not read: not a regular file, or larger than allowed. */
export class HostFileError extends Error {
  /** The error class's name. */
  override readonly name = "HostFileError";
  /** The path as given. */
  readonly path: string;
  /** Creates the error. */
  constructor(path: string, message: string) {
    super(message);
    this.path = path;
  }
}

/** The most a script (or an include) may hold: 64 MiB. */
export const MAX_SCRIPT_BYTES = 64 << 20;

/** The most a `.wasm` allocator module may hold: 64 MiB. */
export const MAX_WASM_BYTES = 64 << 20;

/**
 * The bytes of the regular file `path`, at most `limit` of them; anything
 * else is a {@linkcode HostFileError} that says what the path is.
 *
 * @example
 * ```ts ignore
 * import { readRegularFile } from "./host_files.ts";
 * readRegularFile("/dev/zero", 1024); // HostFileError: /dev/zero is not a regular file (a character device)
 * ```
 */
export function readRegularFile(path: string, limit: number): Uint8Array {
  const info = Deno.statSync(path);
  if (!info.isFile) {
    throw new HostFileError(path, `${path} is not a regular file (${kindOf(info)})`);
  }
  if (info.size > limit) {
    throw new HostFileError(
      path,
      `${path} holds ${info.size} bytes, more than the ${limit} allowed`,
    );
  }
  // Read through one handle, and never past the limit: the file may grow meanwhile.
  const file = Deno.openSync(path, { read: true });
  try {
    if (!file.statSync().isFile) throw new HostFileError(path, `${path} is not a regular file`);
    const chunks: Uint8Array[] = [];
    let n = 0;
    for (;;) {
      const chunk = new Uint8Array(1 << 16);
      const got = file.readSync(chunk);
      if (got === null) break;
      n += got;
      if (n > limit) {
        throw new HostFileError(path, `${path} holds more than the ${limit} bytes allowed`);
      }
      chunks.push(chunk.subarray(0, got));
    }
    const out = new Uint8Array(n);
    let at = 0;
    for (const c of chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  } finally {
    file.close();
  }
}

/** {@linkcode readRegularFile} as UTF-8 text. */
export function readRegularText(path: string, limit: number): string {
  return new TextDecoder().decode(readRegularFile(path, limit));
}

function kindOf(info: Deno.FileInfo): string {
  if (info.isDirectory) return "a directory";
  if (info.isFifo) return "a FIFO";
  if (info.isCharDevice) return "a character device";
  if (info.isBlockDevice) return "a block device";
  if (info.isSocket) return "a socket";
  return "not a file";
}

/**
 * Writes `text` to `path`, never through a symbolic link or into anything
 * but a regular file (a link, FIFO or device there is refused, named). It
 * needs write permission for `path` alone.
 *
 * @example
 * ```ts ignore
 * import { writeRegularText } from "./host_files.ts";
 * writeRegularText("repro.mms", "# a reproducer\n");
 * ```
 */
export function writeRegularText(path: string, text: string): void {
  let info: Deno.FileInfo | undefined;
  try {
    info = Deno.lstatSync(path);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  if (info?.isSymlink) {
    throw new HostFileError(path, `${path} is a symbolic link: mmsim does not write through links`);
  }
  if (info !== undefined && !info.isFile) {
    throw new HostFileError(path, `${path} is not a regular file (${kindOf(info)})`);
  }
  Deno.writeTextFileSync(path, text);
}
