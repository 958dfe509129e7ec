// The playground: the static site (deno task site) and the local server
// (deno task serve, 127.0.0.1 only, its own files only), and in Chromium:
// boot.mms runs in the page and prints its greeting; a typo is marked at
// its line as it is typed.
import assert from "node:assert/strict";
import { browserMissing, lookAt } from "../tools/browser.ts";
import type { PageSpec } from "../tools/browser_page.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const SHOTS = `${ROOT}.screenshots`;

async function site(dir: string): Promise<void> {
  const r = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-write",
      "--allow-run",
      "--allow-env",
      "playground/site.ts",
      dir,
    ],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(r.success, new TextDecoder().decode(r.stderr));
}

/** The steps of a person who opens the page and types `code` into the editor. */
function typing(code: string): NonNullable<PageSpec["steps"]> {
  return [{ wait: "body[data-ready]" }, { fill: "#code", value: code }];
}

/** Runs `fn` on the site built into a fresh directory, removed afterwards. */
async function withSite(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await site(dir);
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("playground: deno task site writes static files with the scenarios in the menu", async () => {
  await withSite(async (dir) => {
    const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assert.deepEqual(names, ["app.js", "index.html", "style.css"]);
    // The run Worker travels inside the page (a file:// page loads no worker file).
    assert.match(
      await Deno.readTextFile(`${dir}/index.html`),
      /id="run-worker">[A-Za-z0-9+\/=]{1000,}</,
    );
    const index = await Deno.readTextFile(`${dir}/index.html`);
    assert.match(index, /"scripts\/boot\.mms":/);
    assert.doesNotMatch(index, /src=["']https?:/, "nothing fetched from the network");
  });
});

Deno.test({
  name: "playground: boot.mms runs in the page; a typo is marked at its line",
  ignore: browserMissing() !== undefined,
  fn: async () => {
    await withSite(async (dir) => {
      await Deno.mkdir(SHOTS, { recursive: true });
      const ran = await lookAt({
        url: `file://${dir}/index.html`,
        steps: [{ wait: "body[data-ready]" }, { click: "#run" }, { wait: "#output .ok" }],
        text: ["#output"],
        evaluate: [
          "document.getElementById('report').srcdoc.includes('Physical memory')",
          // The report runs sandboxed: scripts yes, the playground's origin no.
          "document.getElementById('report').getAttribute('sandbox')",
        ],
        screenshot: `${SHOTS}/playground_boot.png`,
      });
      assert.deepEqual(ran.errors, []);
      assert.match(ran.texts["#output"], /Hello, ArceOS!\[from String\]/);
      assert.deepEqual(ran.values, [true, "allow-scripts"], "the report of the run is shown");
      const typo = await lookAt({
        url: `file://${dir}/index.html`,
        steps: typing("final_init()\nlet p = alloc(64, 8)\nkmaloc(10)\n"),
        text: ["#problems"],
        count: ["#highlight .err", "#run:disabled", '.problem[data-line="3"]'],
      });
      assert.deepEqual(typo.errors, []);
      assert.match(
        typo.texts["#problems"],
        /^3:1: unknown function 'kmaloc'; did you mean 'kmalloc'\?/,
      );
      assert.equal(typo.counts['.problem[data-line="3"]'], 1);
      assert.equal(typo.counts["#highlight .err"], 1, "the word is marked in the editor");
      assert.equal(typo.counts["#run:disabled"], 1);
    });
  },
});

/** `deno task serve --port PORT`, as the task runs it. */
const serveArgs = (port: number) => [
  "run",
  "--allow-read",
  "--allow-write",
  "--allow-run",
  "--allow-net=127.0.0.1",
  "--allow-env",
  "playground/serve.ts",
  "--port",
  String(port),
];

Deno.test("playground: deno task serve serves its own files on 127.0.0.1 only", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: serveArgs(0),
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  try {
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    while (!/127\.0\.0\.1:(\d+)/.test(text)) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
    const port = /127\.0\.0\.1:(\d+)/.exec(text)![1];
    const get = async (path: string, init?: RequestInit) => {
      const r = await fetch(`http://127.0.0.1:${port}${path}`, init);
      await r.body?.cancel();
      return r;
    };
    const index = await get("/");
    assert.equal(index.status, 200);
    assert.match(index.headers.get("content-type")!, /text\/html/);
    assert.equal((await get("/app.js")).status, 200);
    assert.equal((await get("/../deno.json")).status, 404);
    assert.equal((await get("/scripts/boot.mms")).status, 404, "nothing but its own files");
    assert.equal((await get("/", { method: "POST" })).status, 405);
    const head = await fetch(`http://127.0.0.1:${port}/`, { method: "HEAD" });
    assert.equal(head.status, 200, "HEAD is answered as GET, without the body");
    assert.equal(await head.text(), "");
    // DNS rebinding: a request naming another host is refused (raw HTTP, to set Host).
    const raw = async (host: string) => {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: Number(port) });
      await conn.write(
        new TextEncoder().encode(`GET / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`),
      );
      let answer = "";
      const buf = new Uint8Array(4096);
      for (;;) {
        const n = await conn.read(buf);
        if (n === null) break;
        answer += new TextDecoder().decode(buf.subarray(0, n));
      }
      conn.close();
      return answer.split("\r\n")[0];
    };
    assert.match(await raw("evil.example.com"), / 421 /);
    assert.match(await raw(`localhost:${port}`), / 200 /);
    reader.releaseLock();
  } finally {
    child.kill();
    await child.status;
    await child.stdout.cancel().catch(() => {});
    await child.stderr.cancel();
  }
});

Deno.test("playground: serve refuses a bad port, and says when the port is in use", async () => {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--allow-net=127.0.0.1", "playground/serve.ts", "--port", "http"],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(r.code, 2);
  assert.match(new TextDecoder().decode(r.stderr), /--port takes 0\.\.65535, not 'http'/);
  // A port in use is one line and exit 1.
  const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const busy = await new Deno.Command(Deno.execPath(), {
      args: serveArgs(taken.addr.port),
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(busy.code, 1);
    assert.equal(
      new TextDecoder().decode(busy.stderr).trim(),
      `serve: port ${taken.addr.port} is in use (try --port N)`,
    );
  } finally {
    taken.close();
  }
});

if (browserMissing() !== undefined) {
  console.error(`playground_test.ts: skipping the Chromium tests: ${browserMissing()}`);
}

Deno.test({
  name:
    "playground: a script that never ends runs in a Worker and Stop ends it; problems move the caret",
  ignore: browserMissing() !== undefined,
  fn: async () => {
    await withSite(async (dir) => {
      const url = `file://${dir}/index.html`;
      const stopped = await lookAt({
        url,
        steps: [
          { wait: "body[data-ready]" },
          { fill: "#code", value: "let n = 0\nwhile true { n = n + 1 }\n" },
          { click: "#run" },
          { wait: "body[data-running]" },
          // The page answers while the script runs: typing marks nothing, Stop works.
          { click: "#stop" },
          { wait: "#output .stopped" },
        ],
        text: ["#output"],
        evaluate: [
          "document.getElementById('run').disabled",
          "document.getElementById('stop').disabled",
        ],
      });
      assert.deepEqual(stopped.errors, []);
      assert.match(stopped.texts["#output"], /stopped after \d+\.\d s/);
      assert.deepEqual(stopped.values, [false, true], "Run again, Stop off");
      // A parse error at the end of a line: marked there, and a click puts the caret on it.
      const parse = await lookAt({
        url,
        steps: [
          ...typing(
            "final_init()\nlet p = alloc(64, 8)\nlet q = (1 + \nlet r = 2\n",
          ),
          { click: ".problem" },
        ],
        text: ["#problems"],
        count: [".err-at"],
        evaluate: ["document.getElementById('code').selectionStart"],
      });
      assert.match(parse.texts["#problems"], /^3:14: /);
      assert.equal(parse.counts[".err-at"], 1, "the end of the line is marked");
      assert.equal(parse.values[0], 13 + 21 + 13, "the caret at 3:14");
      // A runtime error: marked at its line and listed; a click moves the caret there.
      const runtime = await lookAt({
        url,
        steps: [
          ...typing(
            "final_init()\nlet p = alloc(64, 8)\ndealloc(p, 64, 8)\ndealloc(p, 64, 8)\n",
          ),
          { click: "#run" },
          { wait: "#output .error" },
          { click: ".problem.runtime" },
        ],
        text: ["#problems"],
        count: ["#highlight .err"],
        evaluate: ["document.getElementById('code').selectionStart"],
      });
      assert.match(runtime.texts["#problems"], /^4:1: the run stopped here: NotAllocated/);
      assert.equal(runtime.counts["#highlight .err"], 1);
      assert.equal(runtime.values[0], 13 + 21 + 18);
    });
  },
});

Deno.test({
  name:
    "playground: output keeps a table's rows whole on a narrow screen (slabinfo's columns in line)",
  ignore: browserMissing() !== undefined,
  fn: async () => {
    await withSite(async (dir) => {
      // The line boxes of the text from `# cpu` to the end of its line.
      const headerBoxes = `(() => {
        const w = document.createTreeWalker(document.getElementById("output"), NodeFilter.SHOW_TEXT);
        for (let n = w.nextNode(); n !== null; n = w.nextNode()) {
          const i = n.data.indexOf("# cpu");
          if (i < 0) continue;
          const end = n.data.indexOf("\\n", i);
          const r = document.createRange();
          r.setStart(n, i);
          r.setEnd(n, end < 0 ? n.data.length : end);
          return r.getClientRects().length;
        }
        return -1;
      })()`;
      const seen = await lookAt({
        url: `file://${dir}/index.html`,
        width: 700,
        steps: [
          ...typing(
            'kernel arceos = "2026-buddy-slab"\ncpus 2\nfinal_init()\n' +
              "let a = alloc(64, 8)\nprint percpu_slabinfo()\n",
          ),
          { click: "#run" },
          { wait: "#output .ok" },
        ],
        evaluate: [headerBoxes],
      });
      assert.deepEqual(seen.errors, []);
      assert.deepEqual(seen.values, [1], "the header is one line");
    });
  },
});

Deno.test({
  name: "playground: a setting a run would refuse is a problem as it is typed, and Run waits",
  ignore: browserMissing() !== undefined,
  fn: async () => {
    await withSite(async (dir) => {
      const seen = await lookAt({
        url: `file://${dir}/index.html`,
        steps: typing('kernel arceos = "2027"\nfinal_init()\n'),
        text: ["#problems"],
        evaluate: ["document.getElementById('run').disabled"],
      });
      assert.deepEqual(seen.errors, []);
      assert.match(seen.texts["#problems"], /^1:1: kernel arceos must be the ArceOS version/);
      assert.deepEqual(seen.values, [true]);
      // The script's own text in the message is text, not markup.
      const hostile = await lookAt({
        url: `file://${dir}/index.html`,
        steps: typing('kernel arceos = "<img src=x onerror=alert(1)>"\n'),
        text: ["#problems"],
        count: ["#problems img"],
      });
      assert.deepEqual(hostile.errors, []);
      assert.match(hostile.texts["#problems"], /not '<img src=x onerror=alert\(1\)>'/);
      assert.equal(hostile.counts["#problems img"], 0);
    });
  },
});

Deno.test({
  name:
    "playground: colours from dsl/highlight.ts: a platform name whole, an expected error's name",
  ignore: browserMissing() !== undefined,
  fn: async () => {
    await withSite(async (dir) => {
      const seen = await lookAt({
        url: `file://${dir}/index.html`,
        steps: typing(
          "platform riscv64-qemu-virt\nfinal_init()\nexpect error NoMemory { alloc_pages(1_000_000, 4K) }\n",
        ),
        text: ["#highlight .hl-platform", "#highlight .hl-errorName", "#highlight .hl-builtin"],
      });
      assert.deepEqual(seen.errors, []);
      assert.equal(seen.texts["#highlight .hl-platform"], "riscv64-qemu-virt");
      assert.equal(seen.texts["#highlight .hl-errorName"], "NoMemory");
      assert.equal(seen.texts["#highlight .hl-builtin"], "final_init");
    });
  },
});
