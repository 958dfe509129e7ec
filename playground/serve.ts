/**
 * `deno task serve [--port N]`: serves the playground on 127.0.0.1 (only),
 * from the files `buildSite` makes in memory: it serves its own files and
 * reads nothing else.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { buildSite } from "./site.ts";

const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  css: "text/css; charset=utf-8",
  js: "text/javascript; charset=utf-8",
};

let port = 8000;
try {
  const { values } = parseArgs({ args: Deno.args, options: { port: { type: "string" } } });
  if (values.port !== undefined) {
    port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new Error(`--port takes 0..65535, not '${values.port}'`);
    }
  }
} catch (e) {
  console.error(`serve: ${(e as Error).message}\nUsage: deno task serve [--port N]`);
  Deno.exit(2);
}
let files: Map<string, Uint8Array>;
try {
  files = await buildSite();
} catch (e) {
  console.error(`serve: ${(e as Error).message}`);
  Deno.exit(1);
}
// The site is built: the server needs nothing more than its socket.
for (const name of ["write", "run", "env"] as const) Deno.permissions.revokeSync({ name });

/** The `Host` values the server answers to: its own address and port (no DNS rebinding). */
function ownHost(host: string | null, listening: number): boolean {
  return host !== null && [`127.0.0.1:${listening}`, `localhost:${listening}`].includes(host);
}

let listening = port;
const handler = (req: Request): Response => {
  if (!ownHost(req.headers.get("host"), listening)) {
    return new Response("this server answers to 127.0.0.1 and localhost only", { status: 421 });
  }
  if (req.method !== "GET" && req.method !== "HEAD") {
    return new Response("method not allowed", { status: 405, headers: { allow: "GET, HEAD" } });
  }
  const path = new URL(req.url).pathname.replace(/^\//, "") || "index.html";
  const body = files.get(path);
  if (body === undefined) return new Response("not found", { status: 404 });
  const headers = {
    "content-type": TYPES[path.split(".").pop()!] ?? "application/octet-stream",
    "content-length": String(body.length),
    "x-content-type-options": "nosniff",
  };
  return new Response(req.method === "HEAD" ? null : body as Uint8Array<ArrayBuffer>, { headers });
};
try {
  Deno.serve({
    hostname: "127.0.0.1",
    port,
    onListen: ({ port }) => {
      listening = port;
      console.log(`the playground is at http://127.0.0.1:${port}/`);
    },
  }, handler);
} catch (e) {
  const why = e instanceof Deno.errors.AddrInUse
    ? `port ${port} is in use (try --port N)`
    : (e as Error).message;
  console.error(`serve: ${why}`);
  Deno.exit(1);
}
