/**
 * `deno task pictures`: the pictures the README shows, made from the code
 * as it is (so they stay true): the report of `scripts/boot.mms`, hovering
 * its early allocation, as `docs/images/report.png`; the report of
 * `scripts/out_of_memory.mms` explaining why its allocation failed, as
 * `docs/images/report_failure.png`; the CPU lanes of
 * `scripts/remote_frees.mms` (remote frees between CPUs, objects parked) as
 * `docs/images/report_cpus.png`; and the report of every scenario in
 * `scripts/`, as `docs/images/scenarios/NAME.png`.
 *
 * @module
 */

import { browserMissing, lookAt } from "./browser.ts";
import type { PageSpec } from "./browser_page.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const missing = browserMissing();
if (missing !== undefined) {
  console.error(`pictures: ${missing}`);
  Deno.exit(1);
}
await Deno.mkdir(`${ROOT}docs/images/scenarios`, { recursive: true });
const html = `${ROOT}docs/images/.report.html`;

/** Runs `script` with a report, opens it, and takes the picture `spec` says. */
async function picture(script: string, spec: Omit<PageSpec, "url">): Promise<void> {
  const run = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      `--allow-write=${html}`,
      "cli/run.ts",
      script,
      "--report",
      html,
      "--quiet",
    ],
    cwd: ROOT,
    stdout: "null",
    stderr: "null",
  }).output();
  try {
    await Deno.stat(html);
  } catch {
    console.error(`pictures: ${script} wrote no report (exit ${run.code})`);
    Deno.exit(1);
  }
  const seen = await lookAt({ url: `file://${html}`, ...spec });
  await Deno.remove(html);
  if (seen.errors.length > 0) {
    console.error(`pictures: the report of ${script} logged errors: ${seen.errors.join("; ")}`);
    Deno.exit(1);
  }
  console.log(`wrote ${spec.screenshot!.slice(ROOT.length)}`);
}

await picture("scripts/boot.mms", {
  steps: [{ wait: "body[data-ready]" }, { hover: 'rect.block[data-owner="early bytes"]' }],
  screenshot: `${ROOT}docs/images/report.png`,
});
// Why did this allocation fail: the failure explained, the time cursor at its moment.
await picture("scripts/out_of_memory.mms", {
  steps: [
    { wait: "body[data-ready]" },
    { click: ".expected-list summary" },
    { click: ".fail.expected:last-of-type button.goto" },
  ],
  screenshotOf: "#failures",
  screenshot: `${ROOT}docs/images/report_failure.png`,
});
// Several CPUs: a lane each, remote frees between them, objects parked until drained.
await picture("scripts/remote_frees.mms", {
  steps: [{ wait: "body[data-ready]" }],
  width: 800,
  screenshotOf: "#cpus-section",
  screenshot: `${ROOT}docs/images/report_cpus.png`,
});
for (
  const e of [...Deno.readDirSync(`${ROOT}scripts`)].sort((a, b) => a.name.localeCompare(b.name))
) {
  if (!e.isFile || !e.name.endsWith(".mms")) continue;
  await picture(`scripts/${e.name}`, {
    steps: [{ wait: "body[data-ready]" }],
    screenshot: `${ROOT}docs/images/scenarios/${e.name.replace(/\.mms$/, "")}.png`,
  });
}
