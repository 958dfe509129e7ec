// The language server against a hostile or careless client (issue 26): a
// huge Content-Length, requests after shutdown, documents that are not
// local files, requests without a position, a file of thousands of errors.
import assert from "node:assert/strict";
import { LspClient } from "./lsp_client.ts";
import { FrameGuard } from "../lsp/framing.ts";

async function started(): Promise<LspClient> {
  const lsp = new LspClient();
  await lsp.request("initialize", { processId: null, rootUri: null, capabilities: {} });
  await lsp.notify("initialized", {});
  return lsp;
}

Deno.test("lsp: a Content-Length past the limit is refused, and the next message is still read", async () => {
  const lsp = await started();
  try {
    await lsp.raw("Content-Length: 99999999999999\r\n\r\n{}");
    const refused = await lsp.take((m) => m.error?.code === -32700);
    assert.match(refused.error!.message, /larger than the 64 MiB allowed/);
    const h = await lsp.request("textDocument/hover", {
      textDocument: { uri: "file:///nowhere.mms" },
      position: { line: 0, character: 0 },
    });
    assert.match(h.error!.message, /is not open/, "answered");
    assert.equal(await lsp.close(), 0);
  } catch (e) {
    await lsp.kill();
    throw e;
  }
});

Deno.test("lsp: after shutdown only exit is served", async () => {
  const lsp = await started();
  try {
    await lsp.request("shutdown", null);
    const late = await lsp.request("textDocument/hover", {
      textDocument: { uri: "file:///x.mms" },
      position: { line: 0, character: 0 },
    });
    assert.equal(late.error?.code, -32600);
    assert.match(late.error!.message, /shutting down/);
    await lsp.notify("exit", null);
    assert.equal((await lsp.status).code, 0);
  } finally {
    await lsp.kill();
  }
});

Deno.test("lsp: untitled and remote documents are checked, include nothing, and publish their own URI", async () => {
  const lsp = await started();
  try {
    for (const uri of ["untitled:Untitled-1", "file://otherhost/share/x.mms"]) {
      await lsp.notify("textDocument/didOpen", {
        textDocument: {
          uri,
          languageId: "mms",
          version: 1,
          text: 'include "boot.mms"\nkmaloc(1)\n',
        },
      });
      const d = (await lsp.diagnostics(uri)).params as {
        uri: string;
        diagnostics: { message: string }[];
      };
      assert.equal(d.uri, uri);
      const messages = d.diagnostics.map((x) => x.message).join("\n");
      assert.match(messages, /cannot read include "boot\.mms": .*save it first/);
      assert.match(messages, /unknown function 'kmaloc'/);
    }
    const noPosition = await lsp.request("textDocument/hover", {
      textDocument: { uri: "untitled:Untitled-1" },
    });
    assert.equal(noPosition.error?.code, -32602, "InvalidParams, not an internal error");
    assert.equal(await lsp.close(), 0);
  } catch (e) {
    await lsp.kill();
    throw e;
  }
});

Deno.test("lsp: a body arriving in many small pieces is joined once", () => {
  const passed: Uint8Array[] = [];
  const guard = new FrameGuard({ pass: (f) => passed.push(f), reply: () => {} });
  const body = JSON.stringify({ jsonrpc: "2.0", method: "x", params: { s: "a".repeat(4 << 20) } });
  const bytes = new TextEncoder().encode(`Content-Length: ${body.length}\r\n\r\n${body}`);
  for (let i = 0; i < bytes.length; i += 4096) guard.push(bytes.subarray(i, i + 4096));
  assert.equal(passed.length, 1);
  assert.equal(passed[0].length, bytes.length);
});
