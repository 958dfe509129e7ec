// The package's entry points (deno.json "exports"): each loads only what it
// holds; the machine, allocators and trace entries load no npm package.
import assert from "node:assert/strict";

const config = JSON.parse(Deno.readTextFileSync(new URL("../deno.json", import.meta.url)));

/** The module graph of `entry` as `deno info --json` sees it, from a fresh process. */
function graph(entry: string): { specifier: string; kind: string }[] {
  const out = new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", new URL(entry, new URL("../", import.meta.url)).pathname],
    stdout: "piped",
    stderr: "piped",
  }).outputSync();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  return JSON.parse(new TextDecoder().decode(out.stdout)).modules;
}

Deno.test("entry points: the root and five narrower ones, each a module of its own", () => {
  assert.deepEqual(Object.keys(config.exports), [
    ".",
    "./machine",
    "./allocators",
    "./trace",
    "./language",
    "./conformance",
  ]);
});

for (const name of ["./machine", "./allocators", "./trace"]) {
  Deno.test(`entry points: ${name} loads no npm package (no Chevrotain, no interpreter)`, () => {
    const modules = graph(config.exports[name]);
    const npm = modules.filter((m) => m.kind === "npm" || m.specifier.startsWith("npm:"));
    assert.deepEqual(npm.map((m) => m.specifier), []);
    const language = modules.filter((m) => /\/(dsl|runtime|conformance)\//.test(m.specifier));
    assert.deepEqual(language.map((m) => m.specifier), []);
  });
}

Deno.test("entry points: the machine entry loads nothing of mm/", () => {
  const modules = graph(config.exports["./machine"]);
  assert.deepEqual(modules.filter((m) => m.specifier.includes("/mm/")).map((m) => m.specifier), []);
});

Deno.test("entry points: the language entry is the one that loads Chevrotain", () => {
  const modules = graph(config.exports["./language"]);
  assert.ok(modules.some((m) => m.specifier.includes("chevrotain")));
});

Deno.test("a second run of a command prints only its own output (no registry lines)", () => {
  // A cache of its own, as on a new machine: the first run fetches the
  // packages, the second must fetch (and print) nothing but the task line.
  const root = new URL("../", import.meta.url).pathname;
  const cache = Deno.makeTempDirSync();
  const runOnce = () =>
    new Deno.Command(Deno.execPath(), {
      args: ["task", "run", "boot.mms", "--quiet"],
      cwd: root,
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1", DENO_DIR: cache },
    }).outputSync();
  try {
    const first = runOnce();
    assert.equal(first.code, 0, new TextDecoder().decode(first.stderr));
    const second = runOnce();
    assert.equal(second.code, 0);
    const err = new TextDecoder().decode(second.stderr).split("\n").filter((l) => l !== "");
    assert.deepEqual(err.filter((l) => !l.startsWith("Task run ")), []);
    assert.match(new TextDecoder().decode(second.stdout), /^Hello, ArceOS!\[from String\]\n/);
  } finally {
    Deno.removeSync(cache, { recursive: true });
  }
});
