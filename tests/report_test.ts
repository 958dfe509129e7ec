// The HTML report of a run: written with --report, self-contained, opened
// in Chromium with no console error, showing the memory map with the early
// allocation, the global heap and the DMA buffer, hovering a block shows
// the script line behind it; failures are linked to their line.
import assert from "node:assert/strict";
import { browserMissing, lookAt } from "../tools/browser.ts";
import { type CommandOutput, deno } from "./run_helpers.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const SHOTS = `${ROOT}.screenshots`;

function run(args: string[], write: string): Promise<CommandOutput> {
  return deno([
    "run",
    "--cached-only",
    "--allow-read",
    `--allow-write=${write}`,
    "cli/run.ts",
    ...args,
  ]);
}

Deno.test("report: --report writes one self-contained page; it needs the write permission", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const out = `${dir}/boot.html`;
    const r = await run(["scripts/boot.mms", "--report", out], out);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /report: .*boot\.html/);
    const html = await Deno.readTextFile(out);
    assert.doesNotMatch(html, /<(script|link|img)[^>]+(src|href)=["']?https?:/i, "nothing fetched");
    assert.match(html, /scripts\/boot\.mms/);
    const denied = await run(["scripts/boot.mms", "--report", `${dir}/other.html`], out);
    assert.equal(denied.code, 2);
    assert.match(denied.err, /--report .*other\.html needs write permission .*--allow-write=/s);
    const off = await run(["scripts/boot.mms", "--report", out, "--sanitize", "off"], out);
    assert.equal(off.code, 2);
    assert.match(off.err, /needs --sanitize on/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "report: boot.mms in Chromium: the memory map, hovering a block names its script line",
  ignore: browserMissing() !== undefined,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      const out = `${dir}/boot.html`;
      assert.equal((await run(["scripts/boot.mms", "--report", out, "--quiet"], out)).code, 0);
      await Deno.mkdir(SHOTS, { recursive: true });
      const seen = await lookAt({
        url: `file://${out}`,
        steps: [{ wait: "body[data-ready]" }, { hover: 'rect.block[data-owner="early bytes"]' }],
        count: [
          'rect.block[data-owner="early bytes"]',
          'rect.block[data-owner="DMA buffer"]',
          "rect.heap",
          "#timelines canvas",
          "svg.frag",
          "#sources .l",
          "#mmio",
        ],
        text: ["#tip", "#mmio"],
        screenshot: `${SHOTS}/report_boot.png`,
      });
      assert.deepEqual(seen.errors, []);
      assert.deepEqual(seen.failed, []);
      assert.ok(seen.counts['rect.block[data-owner="early bytes"]'] >= 1, "the early allocation");
      assert.ok(seen.counts['rect.block[data-owner="DMA buffer"]'] >= 1, "the DMA buffer");
      assert.ok(seen.counts["rect.heap"] >= 1, "the global heap");
      assert.ok(seen.counts["#timelines canvas"] >= 3);
      assert.ok(seen.counts["#sources .l"] > 20, "the script's source");
      assert.match(seen.texts["#mmio"], /MMIO .*UART/, "the MMIO regions");
      assert.match(
        seen.texts["#tip"],
        /early bytes .*11 bytes\), aligned to 1\n.*scripts\/boot\.mms:10:9\s+alloc\(11, 1\)/,
      );
      assert.match(seen.texts["#tip"], /freed at op \d+:\s+scripts\/boot\.mms:18:1/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "report: a failed run shows the failure at its moment, linked to its line",
  ignore: browserMissing() !== undefined,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      await Deno.writeTextFile(
        `${dir}/oom.mms`,
        "final_init()\nlet big = 0\nexpect error NoMemory { alloc_pages(1_000_000, 4K) }\n" +
          'let k = kmalloc(64)\nexpect k == 0 "never"\n',
      );
      await Deno.writeTextFile(
        `${dir}/uaf.mms`,
        "final_init()\nlet p = kmalloc(64)\nkfree(p)\nwrite8(p, 1)\n",
      );
      const uaf = `${dir}/uaf.html`;
      assert.equal((await run([`${dir}/uaf.mms`, "--report", uaf], dir)).code, 1);
      const sanitizer = await lookAt({
        url: `file://${uaf}`,
        steps: [{ wait: "body[data-ready]" }],
        text: ["#failures"],
      });
      assert.match(
        sanitizer.texts["#failures"],
        /sanitizer at op \d+ .*uaf\.mms:4:1: .*use-after-free/i,
      );
      const out = `${dir}/oom.html`;
      const r = await run([`${dir}/oom.mms`, "--report", out], dir);
      assert.equal(r.code, 1);
      const seen = await lookAt({
        url: `file://${out}`,
        steps: [{ wait: "body[data-ready]" }],
        count: [".fail", ".fail a", ".src .l.hit"],
        text: ["#failures", "header"],
      });
      assert.deepEqual(seen.errors, []);
      assert.match(seen.texts["header"], /failed/);
      assert.match(seen.texts["#failures"], /alloc at op \d+ .*oom\.mms:3:\d+: NoMemory/);
      assert.match(seen.texts["#failures"], /expect at op \d+ .*oom\.mms:5:1/);
      assert.ok(seen.counts[".fail a"] >= 2, "linked to their lines");
      assert.ok(seen.counts[".src .l.hit"] >= 2, "the lines are marked in the source");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "report: page tables as trees, with their levels, flags and huge pages",
  ignore: browserMissing() !== undefined,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      await Deno.writeTextFile(
        `${dir}/pt.mms`,
        "let pt = new_page_table()\nlet f = zone_alloc_pages(ZONE_NORMAL, 1, PAGE_KERNEL).addr_phys\n" +
          "pt.map(0x4000_0000, f, 4K, MAP_READ | MAP_WRITE, true)\n" +
          "pt.map(0x4020_0000, f & ~0x1f_ffff, 2M, MAP_READ)\n",
      );
      const out = `${dir}/pt.html`;
      assert.equal((await run([`${dir}/pt.mms`, "--report", out, "--quiet"], dir)).code, 0);
      const seen = await lookAt({
        url: `file://${out}`,
        steps: [{ wait: "body[data-ready]" }],
        text: ["#tables"],
        count: ["#tables details"],
      });
      assert.deepEqual(seen.errors, []);
      assert.match(seen.texts["#tables"], /Sv39, root 0x[0-9a-f]+, 2 mappings/);
      assert.match(seen.texts["#tables"], /0x40000000 \u2192 0x[0-9a-f]+ {2}R W/);
      assert.match(seen.texts["#tables"], /huge 2\.0 MiB 0x40200000/);
      assert.equal(
        seen.counts["#tables details"],
        3,
        "the table, a level-1 table, a level-2 table",
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

if (browserMissing() !== undefined) {
  console.error(`report_test.ts: skipping the Chromium tests: ${browserMissing()}`);
}

/** Runs `source` as `name` in a temporary directory, its report opened in Chromium at `width`. */
async function reportOf(
  name: string,
  source: string,
  spec: Omit<Parameters<typeof lookAt>[0], "url">,
): Promise<Awaited<ReturnType<typeof lookAt>>> {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/${name}.mms`, source);
    return (await reportOfScript(`${dir}/${name}.mms`, spec)).seen;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Runs the script at `path` with a report (in a temporary directory) and opens it in Chromium. */
async function reportOfScript(
  path: string,
  spec: Omit<Parameters<typeof lookAt>[0], "url">,
): Promise<{ code: number; err: string; seen: Awaited<ReturnType<typeof lookAt>> }> {
  const dir = await Deno.makeTempDir();
  try {
    const out = `${dir}/report.html`;
    const r = await run([path, "--report", out], dir);
    return { code: r.code, err: r.err, seen: await lookAt({ url: `file://${out}`, ...spec }) };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** All pages taken one at a time, then some given back (the first page's address is `first`). */
const FILL = "final_init()\nlet first = alloc_pages(1, 4K)\n" +
  "while available_pages() > 0 { alloc_pages(1, 4K) }\n";

Deno.test({
  name:
    "report: a failure is explained where it is drawn: fragmentation, alignment, a moment to go to",
  ignore: browserMissing() !== undefined,
  fn: async () => {
    const steps = [{ wait: "body[data-ready]" }, { click: "button.goto" }];
    const evaluate = [
      "document.querySelector('.explain').dataset.cause",
      "Number(document.getElementById('map-slider').value)",
      "document.querySelector('svg.frag .cursor').getAttribute('visibility')",
      "Number(document.querySelector('svg.frag .cursor').getAttribute('x1'))",
      "document.querySelector('svg.frag').viewBox.baseVal.width",
    ];
    // Every other page free: 128 KiB free, no two pages in a row.
    const frag = await reportOf(
      "frag",
      FILL + "for i in 0..32 { dealloc_pages(first + i * 8K, 1) }\nlet x = alloc_pages(2, 4K)\n",
      { steps, evaluate, text: ["#failures"] },
    );
    assert.deepEqual(frag.errors, []);
    const [cause, time, visible, x, width] = frag.values as [
      string,
      number,
      string,
      number,
      number,
    ];
    assert.equal(cause, "fragmentation");
    assert.match(
      frag.texts["#failures"],
      /asked 8\.0 KiB .* 128\.0 KiB free; largest free block 4\.0 KiB/,
    );
    assert.match(frag.texts["#failures"], /enough memory is free in all, but in no single block/);
    assert.ok(time > 0, "the button moved the time cursor to the failure");
    assert.equal(visible, "visible");
    assert.ok(
      x > 0 && x < width,
      `the failure at the last operation is inside the plot (${x} of ${width})`,
    );
    // Eight free pages 4 KiB past a 64 KiB boundary: 32 KiB in a row, none 64 KiB aligned.
    const align = await reportOf(
      "align",
      FILL +
        "let base = align_up(first, 64K) + 4K\nfor i in 0..8 { dealloc_pages(base + i * 4K, 1) }\n" +
        "let y = alloc_pages(4, 64K)\n",
      { steps, evaluate, text: ["#failures"] },
    );
    assert.equal(align.values[0], "alignment");
    assert.match(
      align.texts["#failures"],
      /aligned to 65536 .*32\.0 KiB free; largest free block 32\.0 KiB/,
    );
  },
});

Deno.test({
  name: "report: expected failures apart, a panic inside the plot, axes with labels, 800 px wide",
  ignore: browserMissing() !== undefined,
  fn: async () => {
    const { seen } = await reportOfScript(`${ROOT}scripts/out_of_memory.mms`, {
      width: 800,
      steps: [{ wait: "body[data-ready]" }],
      count: [
        "line.fail-mark",
        "line.expected-fail",
        "text.xlabel",
        "text.ylabel",
        ".expected-list",
      ],
      text: ["#failures", "svg.frag"],
      evaluate: [
        "document.documentElement.scrollWidth",
        "Math.max(...[...document.querySelectorAll('line.expected-fail')].map((l) => Number(l.getAttribute('x1'))))",
        "document.querySelector('svg.frag').viewBox.baseVal.width",
      ],
    });
    assert.deepEqual(seen.errors, []);
    const [scrollWidth, lastMark, width] = seen.values as number[];
    assert.ok(scrollWidth <= 800, `no horizontal scrolling at 800 px (${scrollWidth})`);
    // The script expects both of its failures: drawn grey, listed apart.
    assert.equal(seen.counts["line.fail-mark"], 0);
    assert.ok(seen.counts["line.expected-fail"] >= 2);
    assert.equal(seen.counts[".expected-list"], 1);
    assert.match(seen.texts["#failures"], /Nothing failed that the script did not expect/);
    // The panic at the last operation is drawn inside the plot.
    assert.ok(lastMark < width - 1, `the panic at x ${lastMark} of ${width}`);
    assert.ok(
      seen.counts["text.xlabel"] >= 3 && seen.counts["text.ylabel"] >= 3,
      "labelled axes",
    );
    assert.match(seen.texts["svg.frag"], /MiB/, "bytes on the vertical axis");
    // The panic is explained: the heap had to grow, and the pages were not there.
    assert.match(seen.texts["#failures"], /had to grow by 64\.0 MiB .* not enough free memory/);
  },
});

Deno.test({
  name: "report: a kmalloc that returned NULL is listed as a failed allocation",
  ignore: browserMissing() !== undefined,
  fn: async () => {
    const seen = await reportOf(
      "null",
      "final_init()\nlet k = kmalloc(64M)\nexpect k == null\n",
      { steps: [{ wait: "body[data-ready]" }], text: ["#failures"] },
    );
    assert.match(
      seen.texts["#failures"],
      /alloc at op \d+ .*null\.mms:2:\d+: NoMemory: kmalloc returned NULL/,
    );
  },
});

Deno.test({
  name: "report: heaps made with new_allocator side by side (compare_allocators.mms)",
  ignore: browserMissing() !== undefined,
  fn: async () => {
    const { seen, code, err } = await reportOfScript(`${ROOT}scripts/compare_allocators.mms`, {
      steps: [{ wait: "body[data-ready]" }],
      count: ["svg.arena", "rect.arena-block", "svg.frag"],
      text: ["#arenas", "header", "#frag"],
    });
    assert.deepEqual(seen.errors, []);
    assert.doesNotMatch(seen.texts["header"], / 0 allocator operations/);
    // slab, buddy and TLSF on one workload, then buddy and TLSF fragmented.
    for (
      const heap of ["slab heap 1", "buddy heap 2", "tlsf heap 3", "buddy heap 4", "tlsf heap 5"]
    ) {
      assert.match(seen.texts["#arenas"], new RegExp(heap));
    }
    assert.equal(seen.counts["svg.arena"], 5);
    assert.ok(seen.counts["rect.arena-block"] >= 20, "their live blocks drawn");
    // Waste: TLSF counts what was asked, buddy rounds up, slab counts slab sets twice.
    assert.match(seen.texts["#arenas"], /tlsf heap 3.*6\.0 KiB of 256\.0 KiB\s*0 B/s);
    assert.ok(seen.counts["svg.frag"] >= 5, "fragmentation over time for each heap");
    assert.match(seen.texts["#frag"], /tlsf heap 5/);
    assert.equal(code, 0, err);
  },
});

Deno.test("report: boot.mms keeps the DragonOS memory manager's pages live, named as slabinfo names its caches", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const out = `${dir}/boot.html`;
    assert.equal((await run(["scripts/boot.mms", "--report", out], out)).code, 0);
    const html = await Deno.readTextFile(out);
    const json =
      /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html)![1];
    const data = JSON.parse(json);
    const bin = Uint8Array.from(atob(data.blocks.columns), (c) => c.charCodeAt(0));
    const stream = new Blob([bin]).stream().pipeThrough(new DecompressionStream("gzip"));
    const buf = data.blocks.gzip ? await new Response(stream).arrayBuffer() : bin.buffer;
    const n = data.blocks.count;
    const col = (k: number) => new Int32Array(buf, n * 8 + k * n * 4, n);
    const [size, owner, freeOp] = [col(0), col(1), col(3)];
    const dragon = [...Array(n).keys()].filter((i) => data.owners[owner[i]] === "DragonOS memory");
    assert.equal(dragon.length, 1, "one block: the pages carved from the global allocator");
    assert.equal(size[dragon[0]], 60 << 20);
    assert.equal(freeOp[dragon[0]], -1, "live to the end, as the run says");
    assert.ok(!data.owners.some((o: string) => /^kmalloc-\d{4}$/.test(o)), data.owners.join(", "));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name:
    "report: top allocation sites by bytes live and by count, and what grew between two moments",
  ignore: browserMissing() !== undefined,
  fn: async () => {
    const source =
      "final_init()\nlet a = alloc(100, 8)\nlet b = alloc(200, 8)\nlet c = alloc(300, 8)\n" +
      "dealloc(a, 100, 8)\nrepeat 5 { let t = alloc(16, 8)\ndealloc(t, 16, 8) }\n";
    const seen = await reportOf("sites", source, {
      steps: [{ wait: "body[data-ready]" }],
      text: ["#sites"],
      evaluate: [
        // Time at b's allocation, "from here", then the end: only c grew since.
        `(() => {
          const s = document.getElementById("map-slider");
          const at = (t) => { s.value = t; s.dispatchEvent(new Event("input")); };
          at(1); document.getElementById("diff-from").click(); at(Number(s.max));
          return document.getElementById("sites").textContent;
        })()`,
      ],
    });
    assert.deepEqual(seen.errors, []);
    const text = seen.texts["#sites"];
    // By bytes live: c (300) before b (200); a was freed.
    assert.match(
      text,
      /By bytes live at op \d+bytes liveblocks liveallocated at300 B1.*sites\.mms:4:9.*200 B1.*sites\.mms:3:9/s,
    );
    assert.doesNotMatch(text.split("By allocations")[0], /sites\.mms:2:9/);
    // By count: the loop's 5 allocations first.
    assert.match(
      text,
      /By allocations made until op \d+allocationsbytes in allallocated at580 B.*sites\.mms:6:/s,
    );
    const diff = (seen.values[0] as string).split("Allocated after op")[1];
    assert.match(diff, /^ 1 and still live/);
    assert.match(diff, /300 B1.*sites\.mms:4:9/s);
    assert.doesNotMatch(diff, /sites\.mms:3:9/, "b was allocated before the first moment");
  },
});

Deno.test({
  name:
    "report: the page tables follow the time cursor (page_tables_tlb.mms ends with none mapped)",
  ignore: browserMissing() !== undefined,
  fn: async () => {
    const { seen } = await reportOfScript(`${ROOT}scripts/page_tables_tlb.mms`, {
      steps: [{ wait: "body[data-ready]" }],
      text: ["#tables"],
      evaluate: [
        // Each moment the mappings changed, and the tables shown when the cursor is there.
        `(() => {
          const data = JSON.parse(document.getElementById("report-data").textContent);
          const s = document.getElementById("map-slider");
          return data.tableHistory.map((h) => {
            s.value = h.op; s.dispatchEvent(new Event("input"));
            return document.getElementById("tables").textContent;
          });
        })()`,
      ],
    });
    assert.deepEqual(seen.errors, []);
    assert.match(seen.texts["#tables"], /at the end of the run.*0 mappings/s);
    const moments = seen.values[0] as string[];
    assert.ok(moments.length >= 5, `${moments.length} moments`);
    assert.ok(
      moments.some((m) => /as at op \d+.*1 mappings/s.test(m)),
      "the remapped page is drawn",
    );
    assert.ok(moments.some((m) => /2 mappings.*huge 2\.0 MiB/s.test(m)), "the 2 MiB block too");
  },
});

Deno.test({
  name:
    "report: a legend entry zooms the map to its owner's blocks, with round addresses on the axis",
  ignore: browserMissing() !== undefined,
  fn: async () => {
    const { seen } = await reportOfScript(`${ROOT}scripts/boot.mms`, {
      steps: [{ wait: "body[data-ready]" }, { click: '.legend .owner:text-is("DMA buffer")' }],
      count: ["text.addr-label"],
      evaluate: [
        "[...document.querySelectorAll('text.addr-label')].map((t) => t.textContent)",
        "[...document.querySelectorAll('rect.block[data-owner=\"DMA buffer\"]')].map((r) => Number(r.getAttribute('width')))",
      ],
    });
    assert.deepEqual(seen.errors, []);
    const [labels, widths] = seen.values as [string[], number[]];
    assert.ok(labels.length >= 2, labels.join(" "));
    for (const l of labels) assert.match(l, /^0x[0-9a-f]*?(0{2,}|800)$/, `a round address: ${l}`);
    assert.ok(Math.max(...widths) > 600, `the 8 KiB buffer fills the zoomed map (${widths})`);
  },
});

Deno.test({
  name: "report: dragging across a chart zooms every chart and timeline to that window of time",
  ignore: browserMissing() !== undefined,
  fn: async () => {
    const { seen } = await reportOfScript(`${ROOT}scripts/boot.mms`, {
      steps: [{ wait: "body[data-ready]" }],
      evaluate: [
        `(() => {
          const svg = document.querySelector("svg.frag"), r = svg.getBoundingClientRect();
          const ev = (type, f) => svg.dispatchEvent(new MouseEvent(type, { clientX: r.left + r.width * f, clientY: r.top + 40, bubbles: true }));
          ev("mousedown", 0.2); ev("mousemove", 0.5); ev("mouseup", 0.5);
          const labels = [...svg.querySelectorAll("text.xlabel")].map((t) => Number(t.textContent));
          const zoomed = /zoomed: (\\d+) to (\\d+)/.exec(svg.textContent);
          svg.dispatchEvent(new MouseEvent("dblclick", { bubbles: true }));
          const all = [...svg.querySelectorAll("text.xlabel")].map((t) => Number(t.textContent));
          return { labels, zoomed: zoomed && [Number(zoomed[1]), Number(zoomed[2])], all, reset: !/zoomed/.test(svg.textContent) };
        })()`,
      ],
    });
    assert.deepEqual(seen.errors, []);
    const v = seen.values[0] as {
      labels: number[];
      zoomed: number[];
      all: number[];
      reset: boolean;
    };
    assert.ok(v.zoomed !== null, "the chart says it is zoomed");
    const [t0, t1] = v.zoomed;
    assert.ok(t0 > 0 && t1 > t0 && t1 < 2010, `a window inside the run: ${t0}..${t1}`);
    assert.ok(v.labels.length >= 2 && v.labels.every((l) => l >= t0 && l <= t1), `${v.labels}`);
    assert.equal(v.all[0], 0, "a double-click shows all of it again");
    assert.ok(v.reset);
  },
});

Deno.test({
  name: "report: a lane per CPU, remote frees between lanes, the traffic table and parked objects",
  ignore: browserMissing() !== undefined,
  fn: async () => {
    const source = 'kernel arceos = "2026-buddy-slab"\ncpus 3\nfinal_init()\n' +
      "let ring = alloc(80, 8)\nfor i in 0..10 { write64(ring + i * 8, alloc(64, 8)) }\n" +
      "on cpu 2 { for i in 0..6 { dealloc(read64(ring + i * 8), 64, 8) } }\n" +
      "on cpu 1 { let own = alloc(32, 8)\ndealloc(own, 32, 8) }\n" +
      "for i in 6..10 { dealloc(read64(ring + i * 8), 64, 8) }\n";
    const seen = await reportOf("lanes", source, {
      steps: [{ wait: "body[data-ready]" }],
      width: 800,
      count: ["#cpu-lanes line.remote", ".remote-traffic tr", "#parked polyline"],
      text: ["#cpus", "#percpu"],
      evaluate: [
        "getComputedStyle(document.getElementById('cpus-section')).display",
        "document.documentElement.scrollWidth <= 800",
      ],
    });
    assert.deepEqual(seen.errors, []);
    assert.equal(seen.counts["#cpu-lanes line.remote"], 6, "six frees on CPU 2 of CPU 0's objects");
    assert.equal(seen.counts[".remote-traffic tr"], 4, "a header row and one per CPU");
    assert.equal(seen.counts["#parked polyline"], 3);
    assert.match(seen.texts["#cpus"], /6 of \d+ frees were remote/);
    assert.match(seen.texts["#percpu"], /per-CPU slabs:\n# cpu +size +active/);
    assert.deepEqual(seen.values, ["block", true]);
    // Many CPUs, a few of them freeing each other's objects: the table keeps
    // those few, the legend names the owners whose objects were parked, and
    // the page stays as wide as the window.
    const many = await reportOf(
      "many",
      'kernel arceos = "2026-buddy-slab"\ncpus 40\nfinal_init()\n' +
        "let a = alloc(64, 8)\nlet b = alloc(64, 8)\non cpu 7 { dealloc(a, 64, 8) }\n" +
        "on cpu 33 { let c = alloc(64, 8)\n on cpu 2 { dealloc(c, 64, 8) } }\n" +
        "on cpu 20 { let d = alloc(64, 8)\n dealloc(d, 64, 8) }\n",
      {
        steps: [{ wait: "body[data-ready]" }],
        width: 800,
        count: [".remote-traffic tr", "#parked polyline", "#parked text:not(.ylabel)"],
        text: ["#cpus"],
        evaluate: ["document.documentElement.scrollWidth <= 800"],
      },
    );
    assert.deepEqual(many.errors, []);
    assert.equal(many.counts[".remote-traffic tr"], 5, "a header row and CPUs 0, 2, 7 and 33");
    assert.match(
      many.texts["#cpus"],
      /2 of 3 frees were remote\. 30 CPUs with no remote free are left out\./,
    );
    assert.equal(many.counts["#parked polyline"], 34, "CPUs 0 to 33, the highest that ran");
    assert.equal(
      many.counts["#parked text:not(.ylabel)"],
      2,
      "CPU 0 and CPU 33 had objects parked",
    );
    assert.deepEqual(many.values, [true]);
    // One CPU: no CPU section.
    const single = await reportOf(
      "single",
      "final_init()\nlet a = alloc(64, 8)\ndealloc(a, 64, 8)\n",
      {
        steps: [{ wait: "body[data-ready]" }],
        evaluate: ["getComputedStyle(document.getElementById('cpus-section')).display"],
      },
    );
    assert.deepEqual(single.values, ["none"]);
  },
});

Deno.test({
  name: "report: DMA32 pages are an owner of their own; a 2026 kernel's failure is explained",
  ignore: browserMissing() !== undefined,
  fn: async () => {
    const source = 'kernel arceos = "2026-buddy-slab"\nfinal_init()\n' +
      "let d = alloc_dma32_pages(2, 0)\nlet p = alloc_pages(2, 0)\n" +
      "expect error NoMemory { alloc_pages(1_000_000, 0) }\n";
    const seen = await reportOf("dma32", source, {
      steps: [{ wait: "body[data-ready]" }],
      text: ["#legend", "#failures .explain"],
    });
    assert.deepEqual(seen.errors, []);
    assert.match(seen.texts["#legend"], /DMA32 pages/);
    assert.match(seen.texts["#legend"], /global pages/);
    // The one allocator's memory: a 2026 kernel has no separate byte heap or page allocator.
    assert.match(seen.texts["#failures .explain"], /of global memory/);
    assert.match(seen.texts["#failures .explain"], /why: not enough free memory/);
  },
});

Deno.test({
  name: "report: ArceOS 2026 usages by kind at the time chosen, and no empty boxes",
  ignore: browserMissing() !== undefined,
  fn: async () => {
    const source = 'kernel arceos = "2026-tlsf"\nfinal_init()\n' +
      "let a = alloc(100, 8)\nlet p = alloc_pages(2, 4K)\ndealloc(a, 100, 8)\n";
    const seen = await reportOf("usages", source, {
      steps: [{ wait: "body[data-ready]" }],
      text: ["#usages", "#buddyinfo"],
      evaluate: [
        "[...document.querySelectorAll('pre')].filter((p) => p.textContent === '' && p.getClientRects().length > 0).length",
      ],
    });
    assert.deepEqual(seen.errors, []);
    // At the end: the byte block freed, the two pages still in use.
    assert.match(seen.texts["#usages"], /usages\(\) by kind, in bytes:\n\s+RustHeap: 0\n/);
    assert.match(seen.texts["#usages"], /\n\s+Global: 8192$/);
    assert.equal(seen.texts["#buddyinfo"], "", "no word of DragonOS on an ArceOS 2026 run");
    assert.deepEqual(seen.values, [0], "an empty view takes no room");
  },
});
