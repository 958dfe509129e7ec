// Chromium for the tests that look at pages: Debian's /usr/bin/chromium (or
// MMSIM_CHROMIUM), driven by playwright-core; browser downloads do not work
// on these machines. Outside CI a machine without it skips those tests.
import type { Browser } from "playwright-core";

/** Where Chromium is, or undefined. */
export function chromiumPath(): string | undefined {
  const candidates = [
    Deno.env.get("MMSIM_CHROMIUM"),
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
  ];
  for (const c of candidates) {
    if (c === undefined) continue;
    try {
      if (Deno.statSync(c).isFile) return c;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Why browser tests cannot run here (undefined when they can); in CI they must. */
export function browserMissing(): string | undefined {
  if (chromiumPath() !== undefined) return undefined;
  const why = "no Chromium: install it (apt-get install chromium) or set MMSIM_CHROMIUM; " +
    ".ci/run installs it";
  if (Deno.env.get("CI") !== undefined) throw new Error(why);
  return why;
}

/** A headless Chromium that fetches nothing from the network. */
export async function launch(): Promise<Browser> {
  // Loaded here: only the tests that open a browser need it (and its permissions).
  const { chromium } = await import("playwright-core");
  return await chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** What {@linkcode lookAt} saw. */
export interface PageView {
  errors: string[];
  failed: string[];
  counts: Record<string, number>;
  texts: Record<string, string>;
  loadMs: number;
  /** From navigation until the steps were done (a page's own rendering included). */
  readyMs: number;
  /** The values of the spec's `evaluate` expressions. */
  values: unknown[];
}

/**
 * Opens a page in Chromium in a process of its own (tools/browser_page.ts,
 * which needs permissions the tests do not have) and reports what it saw.
 */
export async function lookAt(spec: import("./browser_page.ts").PageSpec): Promise<PageView> {
  const r = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("./browser_page.ts", import.meta.url).pathname,
      JSON.stringify(spec),
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const out = new TextDecoder().decode(r.stdout).trim().split("\n").at(-1) ?? "";
  if (!r.success) {
    throw new Error(`the browser failed: ${new TextDecoder().decode(r.stderr).slice(-2000)}`);
  }
  return JSON.parse(out) as PageView;
}
