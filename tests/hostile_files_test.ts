// Hostile files (issue 26): FIFOs, devices and links where a tool expects a
// file. Every tool reads regular files only (a FIFO would hang it, a device
// grow without end), confines the .wasm paths a script names as include
// is confined, and never writes through a symbolic link.
import assert from "node:assert/strict";
import { LspClient } from "./lsp_client.ts";
import { deno, runScript } from "./run_helpers.ts";

const ROOT = new URL("..", import.meta.url).pathname;

async function scratch(): Promise<string> {
  const dir = await Deno.makeTempDir();
  for (const d of ["lab", "outside"]) await Deno.mkdir(`${dir}/${d}`);
  await new Deno.Command("mkfifo", { args: [`${dir}/lab/fifo.mms`, `${dir}/lab/fifo.wasm`] })
    .output();
  return dir;
}

Deno.test("include and .wasm paths: regular files inside the script's tree only", async () => {
  const dir = await scratch();
  try {
    const lab = `${dir}/lab`;
    await Deno.copyFile(`${ROOT}examples/wasm/first_fit.wasm`, `${dir}/outside/secret.wasm`);
    await Deno.copyFile(`${ROOT}examples/wasm/first_fit.wasm`, `${lab}/mine.wasm`);
    await Deno.symlink(`${dir}/outside/secret.wasm`, `${lab}/link.wasm`);
    await Deno.symlink("/dev/zero", `${lab}/zero.wasm`);
    const run = (text: string) => {
      Deno.writeTextFileSync(`${lab}/t.mms`, text);
      const r = runScript([`${lab}/t.mms`, "--quiet"]);
      return { code: r.code, text: r.err.join("\n") + r.out.join("\n") };
    };
    const wasm = (path: string) =>
      run(`kernel byte_allocator = "${path}"\nfinal_init()\nprint allocator_name()\n`);
    const cases: [string, RegExp][] = [
      ["../outside/secret.wasm", /"\.\.\/outside\/secret\.wasm" leaves the script's directory/],
      [`${dir}/outside/secret.wasm`, /leaves the script's directory/],
      ["link.wasm", /link\.wasm is a link to .*outside\/secret\.wasm/],
      ["zero.wasm", /zero\.wasm is a link to \/dev\/zero/],
      ["fifo.wasm", /fifo\.wasm is not a regular file \(a FIFO\)/],
    ];
    for (const [path, why] of cases) {
      const r = wasm(path);
      assert.equal(r.code, 1, path);
      assert.match(r.text, /t\.mms:1:1: error: /, path);
      assert.match(r.text, why, path);
    }
    assert.equal(wasm("mine.wasm").code, 0, "a module beside the script loads");
    const fifo = run('include "fifo.mms"\n');
    assert.equal(fifo.code, 2);
    assert.match(
      fifo.text,
      /t\.mms:1:1: .*cannot read include "fifo\.mms": .*not a regular file \(a FIFO\)/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the language server answers on after a document includes a FIFO", async () => {
  const dir = await scratch();
  const lsp = new LspClient();
  try {
    await lsp.request("initialize", { processId: null, rootUri: null, capabilities: {} });
    const doc = `file://${dir}/lab/main.mms`;
    await lsp.notify("textDocument/didOpen", {
      textDocument: { uri: doc, languageId: "mms", version: 1, text: 'include "fifo.mms"\n' },
    });
    const d = (await lsp.diagnostics(doc)).params as { diagnostics: { message: string }[] };
    assert.match(d.diagnostics[0].message, /not a regular file \(a FIFO\)/);
    const h = await lsp.request("textDocument/hover", {
      textDocument: { uri: doc },
      position: { line: 0, character: 2 },
    });
    assert.equal(h.error, undefined, "a later request is answered");
    assert.equal(await lsp.close(), 0);
  } catch (e) {
    await lsp.kill();
    throw e;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("fmt-mms passes over FIFOs and links in a directory, and never writes through a link", async () => {
  const dir = await scratch();
  try {
    const lab = `${dir}/lab`;
    await Deno.writeTextFile(`${dir}/outside/victim.mms`, "let  x=1\n");
    await Deno.symlink(`${dir}/outside/victim.mms`, `${lab}/linked.mms`);
    await Deno.writeTextFile(`${lab}/mine.mms`, "let  y=2\n");
    const fmt = (args: string[]) =>
      deno(["run", "--cached-only", "--allow-read", "--allow-write", "cli/fmt_mms.ts", ...args]);
    const all = await fmt([lab]);
    assert.equal(all.code, 0, all.err);
    assert.equal(await Deno.readTextFile(`${lab}/mine.mms`), "let y = 2\n");
    assert.equal(await Deno.readTextFile(`${dir}/outside/victim.mms`), "let  x=1\n", "untouched");
    const named = await fmt([`${lab}/linked.mms`]);
    assert.equal(named.code, 1);
    assert.match(named.err, /cannot write .*linked\.mms: .*is a symbolic link/);
    assert.equal(await Deno.readTextFile(`${dir}/outside/victim.mms`), "let  x=1\n");
    const fifo = await fmt([`${lab}/fifo.mms`]);
    assert.equal(fifo.code, 1);
    assert.match(fifo.err, /fifo\.mms is not a regular file \(a FIFO\)/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("run --report and fuzz --out never write through a link", async () => {
  const dir = await scratch();
  try {
    const victim = `${dir}/outside/victim.txt`;
    await Deno.writeTextFile(victim, "keep me\n");
    await Deno.symlink(victim, `${dir}/lab/report.html`);
    await Deno.symlink(victim, `${dir}/lab/fuzz-repro.mms`);
    const r = await deno([
      "run",
      "--cached-only",
      "--allow-read",
      `--allow-write=${dir}/lab/report.html`,
      "cli/run.ts",
      "scripts/boot.mms",
      "--quiet",
      "--report",
      `${dir}/lab/report.html`,
    ]);
    assert.equal(r.code, 1);
    assert.match(r.err, /cannot write the report to .*report\.html: .*is a symbolic link/);
    const f = await deno([
      "run",
      "--cached-only",
      "--allow-read",
      "--allow-write",
      "--allow-run",
      "--allow-env=CI",
      "--unstable-worker-options",
      "cli/fuzz.ts",
      "--allocator",
      "tlsf",
      "--seconds",
      "1",
      "--out",
      `${dir}/lab/fuzz-repro.mms`,
    ]);
    assert.equal(f.code, 2);
    assert.match(f.err, /fuzz-repro\.mms is a symbolic link/);
    assert.equal(await Deno.readTextFile(victim), "keep me\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
