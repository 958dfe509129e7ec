/**
 * Reading input files for the command line: plain or gzip, `-` for
 * standard input; regular files only, and never more than a stated size
 * of text, however well a gzip stream compresses.
 *
 * @module
 */

/** The most text a trace may hold (or expand to): 256 MiB, well inside V8's longest string. */
export const MAX_TRACE_BYTES = 256 << 20;

/** A trace that holds, or expands to, more text than allowed: where that happened. */
export class TraceTooLargeError extends Error {
  /** The error class's name. */
  override readonly name = "TraceTooLargeError";
  /** The line the limit was reached in (1-based). */
  readonly line: number;
  /** Creates the error. */
  constructor(path: string, line: number, limit: number, gzip: boolean) {
    super(
      `${path}:${line}:1: the trace ${gzip ? "expands to" : "holds"} more than ${
        limit >> 20
      } MiB of text by this line; split it, or replay a shorter one`,
    );
    this.line = line;
  }
}

/**
 * Reads `path` (or standard input for `-`) as UTF-8 text, inflating it when
 * it starts with the gzip magic bytes; at most `limit` bytes of text.
 *
 * @example
 * ```ts ignore
 * import { readTraceText } from "./read_input.ts";
 * const text = await readTraceText("tests/fidelity/bytes-churn-1.trace.gz");
 * ```
 */
export async function readTraceText(path: string, limit = MAX_TRACE_BYTES): Promise<string> {
  let input: ReadableStream<Uint8Array>;
  if (path === "-") input = Deno.stdin.readable;
  else {
    const info = await Deno.stat(path);
    if (!info.isFile) throw new Error(`${path} is not a regular file`);
    input = (await Deno.open(path, { read: true })).readable;
  }
  // The first two bytes say whether it is gzip; the stream goes on after them.
  const reader = input.getReader();
  const first: Uint8Array[] = [];
  let seen = 0;
  while (seen < 2) {
    const { value, done } = await reader.read();
    if (done) break;
    first.push(value);
    seen += value.length;
  }
  const head = new Uint8Array(seen);
  let at = 0;
  for (const c of first) {
    head.set(c, at);
    at += c.length;
  }
  const gzip = head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
  const rest = new ReadableStream<Uint8Array>({
    start(controller) {
      if (head.length > 0) controller.enqueue(head);
    },
    async pull(controller) {
      const { value, done } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel: (why) => reader.cancel(why),
  });
  const bytes = gzip
    ? rest.pipeThrough(new DecompressionStream("gzip") as TransformStream<Uint8Array, Uint8Array>)
    : rest;
  const decoder = new TextDecoder();
  const parts: string[] = [];
  let total = 0;
  for await (const chunk of bytes) {
    if (total + chunk.length > limit) {
      // The line the limit falls in: the newlines read so far, counted now.
      let lines = 1;
      for (const text of parts) {
        for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) lines++;
      }
      for (const b of chunk.subarray(0, limit - total)) if (b === 10) lines++;
      throw new TraceTooLargeError(path, lines, limit, gzip);
    }
    total += chunk.length;
    parts.push(decoder.decode(chunk, { stream: true }));
  }
  parts.push(decoder.decode());
  return parts.join("");
}
