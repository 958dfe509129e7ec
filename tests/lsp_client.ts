// A minimal editor for the language server's tests and benchmark: it starts
// `lsp/server.ts` over stdio, sends framed JSON-RPC, and waits for replies
// and notifications.

/** A message from the server. */
export interface LspMessage {
  id?: number | string | null;
  method?: string;
  params?: Record<string, unknown>;
  result?: unknown;
  error?: { code: number; message: string };
}

/** The server, driven as an editor drives it. */
export class LspClient {
  readonly #child: Deno.ChildProcess;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #inbox: LspMessage[] = [];
  #waiters: (() => void)[] = [];
  #nextId = 1;
  readonly done: Promise<void>;

  /** The server as the `lsp` task starts it (its permissions exactly). */
  constructor() {
    this.#child = new Deno.Command(Deno.execPath(), {
      args: ["run", "--cached-only", "--allow-read", "--allow-env", "lsp/server.ts"],
      cwd: new URL("..", import.meta.url).pathname,
      stdin: "piped",
      stdout: "piped",
      stderr: "null",
    }).spawn();
    this.#writer = this.#child.stdin.getWriter();
    this.done = this.#read();
  }

  async #read(): Promise<void> {
    let buf = new Uint8Array(0);
    const dec = new TextDecoder();
    for await (const chunk of this.#child.stdout) {
      const joined = new Uint8Array(buf.length + chunk.length);
      joined.set(buf);
      joined.set(chunk, buf.length);
      buf = joined;
      for (;;) {
        const text = dec.decode(buf.subarray(0, Math.min(buf.length, 200)));
        const end = text.indexOf("\r\n\r\n");
        if (end < 0) break;
        const n = Number(/Content-Length: (\d+)/i.exec(text.slice(0, end))![1]);
        if (buf.length < end + 4 + n) break;
        this.#inbox.push(JSON.parse(dec.decode(buf.subarray(end + 4, end + 4 + n))));
        buf = buf.slice(end + 4 + n);
        const w = this.#waiters;
        this.#waiters = [];
        for (const f of w) f();
      }
    }
  }

  /** Sends raw bytes (for malformed input). */
  async raw(bytes: string | Uint8Array): Promise<void> {
    await this.#writer.write(typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes);
  }

  /** Sends a message, framed. */
  async send(message: Record<string, unknown>): Promise<void> {
    const body = new TextEncoder().encode(JSON.stringify({ jsonrpc: "2.0", ...message }));
    await this.raw(`Content-Length: ${body.length}\r\n\r\n`);
    await this.raw(body);
  }

  /** The first message that `match` accepts (waiting for it), taken from the inbox. */
  async take(match: (m: LspMessage) => boolean, ms = 20_000): Promise<LspMessage> {
    const deadline = Date.now() + ms;
    for (;;) {
      const i = this.#inbox.findIndex(match);
      if (i >= 0) return this.#inbox.splice(i, 1)[0];
      if (Date.now() > deadline) throw new Error("no such message from the server in time");
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  }

  /** A request and its reply. */
  async request(method: string, params: unknown): Promise<LspMessage> {
    const id = this.#nextId++;
    await this.send({ id, method, params });
    return await this.take((m) => m.id === id);
  }

  /** A notification. */
  notify(method: string, params: unknown): Promise<void> {
    return this.send({ method, params });
  }

  /** The next diagnostics published for `uri`. */
  diagnostics(uri: string): Promise<LspMessage> {
    return this.take((m) =>
      m.method === "textDocument/publishDiagnostics" &&
      (m.params as { uri: string }).uri === uri
    );
  }

  /** Whether the server is still running after `ms` more milliseconds. */
  async aliveAfter(ms: number): Promise<boolean> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const waited = new Promise<true>((resolve) => timer = setTimeout(() => resolve(true), ms));
    const ended = this.#child.status.then(() => false as const);
    const alive = await Promise.race([waited, ended]);
    clearTimeout(timer);
    return alive;
  }

  /** The server's exit status, once it ended. */
  get status(): Promise<Deno.CommandStatus> {
    return this.#child.status;
  }

  /** Closes the server's input without a goodbye, as an editor that crashed does. */
  async hangUp(): Promise<void> {
    await this.#writer.close();
  }

  /** Ends the server at once (after a failed test). */
  async kill(): Promise<void> {
    try {
      this.#child.kill();
    } catch {
      // already gone
    }
    await this.#child.status;
  }

  /** Says goodbye and waits for the server to end; its exit code. */
  async close(): Promise<number> {
    await this.request("shutdown", null);
    await this.notify("exit", null);
    await this.#writer.close();
    const status = await this.#child.status;
    await this.done;
    return status.code;
  }
}
