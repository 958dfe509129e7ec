// Dependencies point downward (docs/ARCHITECTURE.md): each layer imports
// only itself and the layers below it.
import assert from "node:assert/strict";

const ALLOWED: Record<string, string[]> = {
  hal: ["hal"],
  mm: ["mm", "hal"],
  trace: ["trace", "mm", "hal"],
  dsl: ["dsl", "npm"],
  runtime: ["runtime", "dsl", "trace", "mm", "hal"],
  conformance: ["conformance", "runtime", "dsl", "mm", "hal", "npm"],
  lsp: ["lsp", "runtime", "dsl", "npm"],
  report: ["report", "runtime", "mm", "hal", "dsl"],
  playground: ["playground", "report", "runtime", "dsl"],
  editors: ["editors", "lsp", "runtime", "dsl", "npm"],
};

function* sources(dir: URL): Generator<URL> {
  for (const e of Deno.readDirSync(dir)) {
    const u = new URL(e.name + (e.isDirectory ? "/" : ""), dir);
    if (e.isDirectory) yield* sources(u);
    else if (e.name.endsWith(".ts")) yield u;
  }
}

Deno.test("architecture: every layer imports only itself and the layers below", () => {
  const root = new URL("../", import.meta.url);
  const wrong: string[] = [];
  for (const [layer, allowed] of Object.entries(ALLOWED)) {
    for (const file of sources(new URL(`${layer}/`, root))) {
      const text = Deno.readTextFileSync(file);
      // Static imports and re-exports (doc examples in comments are skipped).
      const found =
        /^(?:import|export)\b[^;]*?\bfrom\s*["']([^"']+)["']|^import\s*["']([^"']+)["']/gm;
      for (const m of text.matchAll(found)) {
        const spec = m[1] ?? m[2];
        const target = spec.startsWith(".")
          ? new URL(spec, file).href.slice(root.href.length).split("/")[0]
          : spec.startsWith("node:")
          ? "node"
          : "npm";
        if (!allowed.includes(target) && target !== "node") {
          wrong.push(`${file.href.slice(root.href.length)} imports ${spec} (${target})`);
        }
      }
    }
  }
  assert.deepEqual(wrong, []);
});
