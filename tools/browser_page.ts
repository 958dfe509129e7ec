// Opens a page in Chromium (playwright-core, Debian's /usr/bin/chromium) and
// reports what a person would see: console errors, failed requests, how many
// elements match each selector, the text of others, after optional steps
// (hover, click, type). Run as a separate process with the permissions
// playwright needs (-A), so that the tests keep theirs narrow:
//   deno run -A tools/browser_page.ts '{"url": "file:///...", "count": ["svg"]}'
import { launch } from "./browser.ts";

/** What to look at. */
export interface PageSpec {
  url: string;
  /** Selectors whose matches are counted. */
  count?: string[];
  /** Selectors whose first match's text is read (after the steps). */
  text?: string[];
  /** Done in order before counting and reading. */
  steps?: ({ hover: string } | { click: string } | { fill: string; value: string } | {
    wait: string;
  })[];
  /** JavaScript expressions evaluated in the page at the end, their values returned. */
  evaluate?: string[];
  /** Where a screenshot goes. */
  screenshot?: string;
  /** The window's width in CSS pixels (default 1280). */
  width?: number;
  /** With `screenshot`: only the first element this selector matches. */
  screenshotOf?: string;
}

if (import.meta.main) {
  const spec = JSON.parse(Deno.args[0]) as PageSpec;
  const browser = await launch();
  const out: Record<string, unknown> = {};
  try {
    const page = await browser.newPage({ viewport: { width: spec.width ?? 1280, height: 900 } });
    const errors: string[] = [];
    const failed: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    page.on("pageerror", (e) => errors.push(String(e)));
    page.on("requestfailed", (r) => failed.push(r.url()));
    const t0 = performance.now();
    await page.goto(spec.url, { waitUntil: "load" });
    out.loadMs = performance.now() - t0;
    for (const step of spec.steps ?? []) {
      if ("hover" in step) await page.hover(step.hover);
      else if ("click" in step) await page.click(step.click);
      else if ("fill" in step) await page.fill(step.fill, step.value);
      else await page.waitForSelector(step.wait, { timeout: 20_000 });
    }
    out.readyMs = performance.now() - t0;
    const counts: Record<string, number> = {};
    for (const s of spec.count ?? []) counts[s] = await page.locator(s).count();
    const texts: Record<string, string> = {};
    for (const s of spec.text ?? []) texts[s] = (await page.locator(s).first().textContent()) ?? "";
    const values: unknown[] = [];
    for (const expr of spec.evaluate ?? []) values.push(await page.evaluate(expr));
    out.values = values;
    if (spec.screenshot !== undefined) {
      if (spec.screenshotOf !== undefined) {
        await page.locator(spec.screenshotOf).first().screenshot({ path: spec.screenshot });
      } else await page.screenshot({ path: spec.screenshot, fullPage: false });
    }
    Object.assign(out, { errors, failed, counts, texts });
  } finally {
    await browser.close();
  }
  console.log(JSON.stringify(out));
}
