/**
 * The playground as static files: `index.html` (with the scenarios of
 * `scripts/` embedded), `style.css`, and `app.js`, the simulator bundled for
 * the browser (`deno bundle`). `deno task site [DIR]` writes them to a
 * folder any static host can serve (default `site/`); `deno task serve`
 * serves them.
 *
 * @module
 */

const ROOT = new URL("../", import.meta.url).pathname;

/** The scenarios the playground's menu offers, by path. */
function scenarios(): Record<string, string> {
  const out: Record<string, string> = {};
  for (
    const e of [...Deno.readDirSync(`${ROOT}scripts`)].sort((a, b) => a.name.localeCompare(b.name))
  ) {
    if (e.isFile && e.name.endsWith(".mms")) {
      out[`scripts/${e.name}`] = Deno.readTextFileSync(`${ROOT}scripts/${e.name}`);
    }
  }
  return out;
}

/**
 * Builds the site: each file's name and bytes.
 *
 * @example
 * ```ts ignore
 * const files = await buildSite();
 * console.log([...files.keys()]); // ["index.html", "style.css", "app.js"]
 * ```
 */
export async function buildSite(): Promise<Map<string, Uint8Array>> {
  const tmp = await Deno.makeTempDir({ prefix: "mmsim_site_" });
  try {
    const out = `${tmp}/app.js`;
    const runner = `${tmp}/run_worker.js`;
    for (const [source, bundle] of [["app.ts", out], ["run_worker.ts", runner]]) {
      const r = await new Deno.Command(Deno.execPath(), {
        args: [
          "bundle",
          "--quiet",
          "--platform",
          "browser",
          "--minify",
          "-o",
          bundle,
          `${ROOT}playground/${source}`,
        ],
        cwd: ROOT,
        stdout: "piped",
        stderr: "piped",
      }).output();
      if (!r.success) {
        throw new Error(
          `bundling the playground (${source}) failed:\n${new TextDecoder().decode(r.stderr)}`,
        );
      }
    }
    // The Worker's code goes into the page as base64 text: a page opened
    // from a file cannot load a worker script from a file.
    const workerBytes = Deno.readFileSync(runner);
    let binary = "";
    for (let i = 0; i < workerBytes.length; i += 0x8000) {
      binary += String.fromCharCode(...workerBytes.subarray(i, i + 0x8000));
    }
    const workerText = btoa(binary);
    const enc = new TextEncoder();
    // No "<" in the script element: "</script>" or "<!--" in a scenario must not end it.
    const json = JSON.stringify(scenarios()).replaceAll("<", "\\u003c");
    // The scenarios go into the page's JSON script element (an empty object in the template).
    const index = Deno.readTextFileSync(`${ROOT}playground/index.html`).replace(
      /(<script type="application\/json" id="mms-scripts">)[\s\S]*?(<\/script>)/,
      (_, open: string, close: string) => open + json + close,
    );
    const withWorker = index.replace(
      /(<script type="text\/plain" id="run-worker">)[\s\S]*?(<\/script>)/,
      (_, open: string, close: string) => open + workerText + close,
    );
    if (!withWorker.includes(workerText) || workerText === "") {
      throw new Error("the page template lost its worker element");
    }
    if (!index.includes('"scripts/')) {
      throw new Error("the page template lost its scenarios element");
    }
    return new Map([
      ["index.html", enc.encode(withWorker)],
      ["style.css", Deno.readFileSync(`${ROOT}playground/style.css`)],
      ["app.js", Deno.readFileSync(out)],
    ]);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
}

if (import.meta.main) {
  const dir = Deno.args[0] ?? "site";
  try {
    const files = await buildSite();
    await Deno.mkdir(dir, { recursive: true });
    for (const [name, bytes] of files) await Deno.writeFile(`${dir}/${name}`, bytes);
    console.log(
      `wrote the playground to ${dir}/ (${
        [...files.keys()].join(", ")
      }): serve it with any static host`,
    );
  } catch (e) {
    console.error(`site: cannot write the playground to ${dir}/: ${(e as Error).message}`);
    Deno.exit(1);
  }
}
