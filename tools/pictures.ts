/**
 * `deno task pictures`: the pictures the README shows, made from the code
 * as it is (so they stay true): the report of `scripts/boot.mms`, hovering
 * its early allocation, as `docs/images/report.png`.
 *
 * @module
 */

import { browserMissing, lookAt } from "./browser.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const missing = browserMissing();
if (missing !== undefined) {
  console.error(`pictures: ${missing}`);
  Deno.exit(1);
}
await Deno.mkdir(`${ROOT}docs/images`, { recursive: true });
const html = `${ROOT}docs/images/.report.html`;
const run = await new Deno.Command(Deno.execPath(), {
  args: [
    "run",
    "--allow-read",
    `--allow-write=${html}`,
    "cli/run.ts",
    "scripts/boot.mms",
    "--report",
    html,
    "--quiet",
  ],
  cwd: ROOT,
  stdout: "null",
}).output();
if (!run.success) {
  console.error("pictures: boot.mms did not run");
  Deno.exit(1);
}
const seen = await lookAt({
  url: `file://${html}`,
  steps: [{ wait: "body[data-ready]" }, { hover: 'rect.block[data-owner="early bytes"]' }],
  screenshot: `${ROOT}docs/images/report.png`,
});
await Deno.remove(html);
if (seen.errors.length > 0) {
  console.error(`pictures: the report logged errors: ${seen.errors.join("; ")}`);
  Deno.exit(1);
}
console.log("wrote docs/images/report.png");
