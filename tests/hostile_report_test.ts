// Hostile text in the report (issue 26): script text, messages and file
// names that look like markup are shown as text, never run; the report has
// a strict Content-Security-Policy; the playground shows it sandboxed.
import assert from "node:assert/strict";
import { browserMissing, lookAt } from "../tools/browser.ts";
import { deno } from "./run_helpers.ts";

const EVIL = "<img src=x onerror=window.pwned=1>";

Deno.test({
  name: "report: markup in messages, file names and comments is shown as text, never run",
  ignore: browserMissing() !== undefined,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      await Deno.writeTextFile(`${dir}/${EVIL}.mms`, `print "included ${EVIL}"\n`);
      await Deno.writeTextFile(
        `${dir}/main.mms`,
        `# <!--<script> and </script> in a comment\ninclude "${EVIL}.mms"\nfinal_init()\n` +
          `let p = alloc(64, 8)\nexpect p == 0 "${EVIL} '\\"quotes\\"' \\{\\{x\\}\\} \\x1b[2J"\n`,
      );
      const report = `${dir}/report.html`;
      const r = await deno([
        "run",
        "--allow-read",
        `--allow-write=${report}`,
        "cli/run.ts",
        `${dir}/main.mms`,
        "--report",
        report,
      ]);
      assert.equal(r.code, 1, r.err);
      const html = await Deno.readTextFile(report);
      assert.match(
        html,
        /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'nonce-/,
      );
      assert.doesNotMatch(
        html.split('id="report-data">')[1].split("</script>")[0],
        /</,
        "no '<' in the data",
      );
      const seen = await lookAt({
        url: `file://${report}`,
        steps: [{ wait: "body[data-ready]" }],
        text: ["#failures", "#sources"],
        count: ["img", "#sources h3"],
        evaluate: ["window.pwned === undefined", "document.title"],
      });
      assert.deepEqual(seen.errors, [], "nothing blocked, nothing broken");
      assert.equal(seen.counts["img"], 0, "no element was made from the text");
      assert.equal(seen.values[0], true, "no handler ran");
      assert.equal(seen.values[1], `mmsim report: ${dir}/main.mms`);
      assert.ok(seen.texts["#failures"].includes(EVIL), seen.texts["#failures"]);
      assert.ok(seen.texts["#sources"].includes(`${EVIL}.mms`));
      assert.ok(seen.texts["#sources"].includes("<!--<script>"));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
