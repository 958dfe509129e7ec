/**
 * The guard in front of the language server: it reads the editor's
 * `Content-Length`-framed JSON-RPC messages, passes on the well-formed ones,
 * and answers a malformed one itself (a parse error, `-32700`, or an invalid
 * request, `-32600`), so that nothing an editor sends can crash the server
 * or leave a request unanswered.
 *
 * @module
 */

/** A JSON-RPC error reply, framed. */
export function errorFrame(id: number | string | null, code: number, message: string): string {
  const body = JSON.stringify({ jsonrpc: "2.0", id, error: { code, message } });
  return `Content-Length: ${new TextEncoder().encode(body).length}\r\n\r\n${body}`;
}

/** What the guard does with each message it reads. */
export interface FrameSink {
  /** A well-formed message, framed again as it came (for the JSON-RPC library). */
  pass(frame: Uint8Array): void;
  /** A framed error reply for the editor. */
  reply(frame: string): void;
  /**
   * Looks at a well-formed message before it is passed on and may change
   * it in place; when it answers true the message is framed anew.
   */
  edit?(message: Record<string, unknown>): boolean;
}

const HEADER_END = [13, 10, 13, 10];
/** The longest header kept while waiting for its end. */
const MAX_HEADER = 65536;
/** The largest message body read: 64 MiB (a script is at most that). */
const MAX_BODY = 64 << 20;

function indexOfHeaderEnd(buf: Uint8Array, from: number): number {
  outer: for (let i = from; i + 4 <= buf.length; i++) {
    for (let k = 0; k < 4; k++) if (buf[i + k] !== HEADER_END[k]) continue outer;
    return i;
  }
  return -1;
}

/** Why a JSON value is not a JSON-RPC message, or undefined when it is one. */
function invalid(msg: unknown): { id: number | string | null; why: string } | undefined {
  if (typeof msg !== "object" || msg === null || Array.isArray(msg)) {
    return { id: null, why: "a message is a JSON object" };
  }
  const m = msg as Record<string, unknown>;
  const id = typeof m.id === "number" || typeof m.id === "string" ? m.id : null;
  if (m.jsonrpc !== "2.0") return { id, why: 'a message says "jsonrpc": "2.0"' };
  if ("method" in m) {
    if (typeof m.method !== "string") return { id, why: "a method is a string" };
    // `params: null` is what several clients send for a request without
    // parameters (`shutdown`, `exit`): taken as none.
    if ("params" in m && typeof m.params !== "object") {
      return { id, why: "params are an object or an array" };
    }
    return undefined;
  }
  if ("result" in m || "error" in m) return undefined; // a response to one of ours
  return { id, why: "a message is a request, a notification or a response" };
}

/**
 * Splits a byte stream into frames; each complete one is checked and passed
 * on, or answered with an error.
 *
 * @example
 * ```ts
 * import { FrameGuard } from "./framing.ts";
 * const replies: string[] = [];
 * const guard = new FrameGuard({ pass: () => {}, reply: (f) => replies.push(f) });
 * guard.push(new TextEncoder().encode("Content-Length: 5\r\n\r\n{bad}"));
 * console.log(replies[0].includes("-32700")); // true
 * ```
 */
export class FrameGuard {
  readonly #sink: FrameSink;
  /** Bytes read and not yet used, as the chunks came (joined only when a frame is whole). */
  #chunks: Uint8Array[] = [];
  #held = 0;
  /** Once `shutdown` was asked: every later request but `exit` is refused. */
  #shutdown = false;
  /** How many bytes must be held before the next frame is whole (0: unknown). */
  #need = 0;

  /** A guard sending what it reads to `sink`. */
  constructor(sink: FrameSink) {
    this.#sink = sink;
  }

  /** Takes the next bytes read. */
  push(chunk: Uint8Array): void {
    this.#chunks.push(chunk);
    this.#held += chunk.length;
    // A body still coming: nothing is joined until all of it is here.
    if (this.#held < this.#need) return;
    for (;;) {
      const buf = this.#joined();
      const end = indexOfHeaderEnd(buf, 0);
      if (end < 0) {
        // A header that never ends: no more than 64 KiB of it is kept.
        if (buf.length > MAX_HEADER) {
          this.#sink.reply(errorFrame(null, -32700, "a message header that never ends"));
          this.#resync(buf, buf.length);
        }
        return;
      }
      const header = new TextDecoder().decode(buf.subarray(0, end));
      const m = /(?:^|\r\n)content-length:\s*(\d+)\s*(?:\r\n|$)/i.exec(header);
      if (m === null) {
        this.#sink.reply(errorFrame(null, -32700, "a message header without Content-Length"));
        this.#resync(buf, end + 4);
        continue;
      }
      const length = Number(m[1]);
      if (!(length <= MAX_BODY)) {
        this.#sink.reply(
          errorFrame(
            null,
            -32700,
            `a message of ${m[1]} bytes is larger than the ${MAX_BODY >> 20} MiB allowed`,
          ),
        );
        this.#resync(buf, end + 4);
        continue;
      }
      if (buf.length < end + 4 + length) {
        this.#need = end + 4 + length;
        return;
      }
      this.#need = 0;
      const body = buf.slice(end + 4, end + 4 + length);
      this.#keep(buf.subarray(end + 4 + length));
      this.#check(body);
    }
  }

  /** The bytes held, as one array (the chunks are joined once, then kept joined). */
  #joined(): Uint8Array {
    if (this.#chunks.length === 1) return this.#chunks[0];
    const out = new Uint8Array(this.#held);
    let at = 0;
    for (const c of this.#chunks) {
      out.set(c, at);
      at += c.length;
    }
    this.#chunks = [out];
    return out;
  }

  #keep(rest: Uint8Array): void {
    this.#chunks = rest.length > 0 ? [rest] : [];
    this.#held = rest.length;
  }

  /**
   * Drops what cannot be a message, from `from` on up to the next
   * `Content-Length` header (a message after a broken one is still read).
   */
  #resync(buf: Uint8Array, from: number): void {
    const text = new TextDecoder("latin1").decode(buf.subarray(from));
    const next = text.search(/content-length:/i);
    this.#keep(next < 0 ? new Uint8Array(0) : buf.subarray(from + next));
  }

  #check(received: Uint8Array): void {
    let body = received;
    let msg: unknown;
    try {
      msg = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(body));
    } catch (e) {
      this.#sink.reply(errorFrame(null, -32700, `not JSON: ${(e as Error).message}`));
      return;
    }
    const bad = invalid(msg);
    if (bad !== undefined) {
      this.#sink.reply(errorFrame(bad.id, -32600, `invalid request: ${bad.why}`));
      return;
    }
    const m = msg as Record<string, unknown>;
    if (this.#shutdown && typeof m.method === "string" && m.method !== "exit") {
      // After shutdown only exit is served: a request is refused, a notification dropped.
      if ("id" in m) {
        this.#sink.reply(
          errorFrame(m.id as number | string, -32600, "the server is shutting down: only exit"),
        );
      }
      return;
    }
    if (m.method === "shutdown") this.#shutdown = true;
    if (this.#sink.edit?.(m) === true) {
      body = new TextEncoder().encode(JSON.stringify(msg));
    }
    const head = new TextEncoder().encode(`Content-Length: ${body.length}\r\n\r\n`);
    const frame = new Uint8Array(head.length + body.length);
    frame.set(head);
    frame.set(body, head.length);
    this.#sink.pass(frame);
  }
}
