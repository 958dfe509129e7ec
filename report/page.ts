/**
 * The report as one self-contained HTML page: inline CSS, JavaScript and
 * SVG/canvas drawing, nothing fetched, readable offline. It shows the
 * memory map (zoomable down to single blocks, coloured by owner, a time
 * slider), a villoc-style timeline per owner, fragmentation over time with
 * failed allocations marked, buddyinfo and slabinfo over time, the page
 * tables as trees, and the failures linked to the script's source.
 *
 * @module
 */

import type { ReportData } from "./report_data.ts";

const STYLE = `
:root { --bg: #fbfaf7; --fg: #1d1d1f; --dim: #6b6b70; --line: #ddd8cf; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, sans-serif; color: var(--fg); background: var(--bg); }
header { padding: 14px 22px; border-bottom: 1px solid var(--line); background: #fff; }
header h1 { margin: 0 0 4px; font-size: 19px; }
header .ok { color: #137333; font-weight: 600; } header .bad { color: #b3261e; font-weight: 600; }
main { padding: 8px 22px 40px; max-width: 1320px; overflow-wrap: anywhere; }
section { margin: 18px 0 26px; }
h2 { font-size: 16px; margin: 0 0 8px; }
.note { color: var(--dim); font-size: 12.5px; }
.legend span { display: inline-block; margin: 0 12px 4px 0; font-size: 12.5px; }
.legend span.owner { cursor: zoom-in; }
.legend i { display: inline-block; width: 11px; height: 11px; margin-right: 5px; vertical-align: -1px; border-radius: 2px; }
svg text { font: 11px system-ui, sans-serif; fill: var(--fg); }
#tip { position: fixed; pointer-events: none; background: #1d1d1f; color: #fff; padding: 7px 9px; border-radius: 6px;
  font: 12px/1.4 ui-monospace, monospace; max-width: 620px; white-space: pre-wrap; display: none; z-index: 10; }
.controls { margin: 6px 0; display: flex; gap: 12px; align-items: center; font-size: 12.5px; }
.controls { flex-wrap: wrap; }
.controls input[type=range] { width: min(420px, 100%); }
canvas { border: 1px solid var(--line); background: #fff; display: block; max-width: 100%; }
#map { display: block; height: auto; }
.timeline { max-width: 100%; }
.fail.expected b { color: #8a8a8f; }
.explain { margin: 2px 0 8px 18px; font-size: 12.5px; color: var(--fg); }
.explain .buddy { margin: 4px 0; }
button.goto { font-size: 11.5px; }
table.arenas { border-collapse: collapse; font-size: 12.5px; width: 100%; }
table.arenas td, table.arenas th { border-bottom: 1px solid var(--line); padding: 3px 6px; text-align: left; vertical-align: middle; }
table.arenas i { display: inline-block; width: 11px; height: 11px; border-radius: 2px; }
table.arenas th { overflow-wrap: normal; }
table.sites { border-collapse: collapse; font-size: 12.5px; margin-bottom: 8px; }
table.sites td, table.sites th { border-bottom: 1px solid var(--line); padding: 2px 8px; text-align: left; }
.wide { overflow-x: auto; max-width: 100%; }
table.remote-traffic { border-collapse: collapse; font-size: 12.5px; }
table.remote-traffic td, table.remote-traffic th { border-bottom: 1px solid var(--line); padding: 2px 6px; text-align: right; white-space: nowrap; overflow-wrap: normal; }
table.remote-traffic td.zero { color: var(--dim); opacity: 0.5; }
#sites h3 { font-size: 13.5px; margin: 10px 0 4px; }
.timeline { display: inline-block; margin: 0 14px 14px 0; vertical-align: top; }
.timeline > b { display: block; margin-bottom: 3px; }
pre { background: #fff; border: 1px solid var(--line); padding: 8px 10px; overflow: auto; font-size: 12px; }
pre:empty { display: none; }
.src { max-height: 420px; }
.src .l { display: block; } .src .l.hit { background: #fde4e1; }
.src .n { color: var(--dim); display: inline-block; width: 4em; user-select: none; }
.fail { margin: 4px 0; } .fail b { color: #b3261e; }
details { margin-left: 14px; font: 12px ui-monospace, monospace; } summary { cursor: pointer; }
`;

const SCRIPT = `
"use strict";
const $ = (id) => document.getElementById(id);
const DATA = JSON.parse($("report-data").textContent);
// No red among the owners' colours: red is for failures.
const COLORS = ["#4e79a7","#f28e2b","#59a14f","#76b7b2","#edc948","#b07aa1","#9c755f","#bab0ac",
  "#1f77b4","#2ca02c","#9467bd","#8c564b","#e377c2","#17becf","#bcbd22","#6b6ecf"];
const FAIL = "#b3261e", EXPECTED = "#8a8a8f", REMOTE = "#7b3fa0";
// One time cursor for the whole page: the slider, the map, the charts, the timelines, /proc.
const cursor = { time: DATA.ops, moved: false, listeners: [] };
function setTime(t) { cursor.time = Math.max(0, Math.min(DATA.ops, t)); cursor.moved = true; for (const f of cursor.listeners) f(cursor.time); }
function onTime(f) { cursor.listeners.push(f); }
// The window of time the charts and timelines show (all of the run, or a zoomed part).
const view = { t0: 0, t1: Math.max(1, DATA.ops), listeners: [] };
function setView(t0, t1) {
  view.t0 = Math.max(0, Math.min(t0, DATA.ops - 1)); view.t1 = Math.max(view.t0 + 1, Math.min(Math.max(1, DATA.ops), t1));
  for (const f of view.listeners) f();
}
function onView(f) { view.listeners.push(f); }
// Axis ticks: about n round values from 0 to max.
function ticks(max, n) {
  if (!(max > 0)) return [0];
  const raw = max / n, mag = 10 ** Math.floor(Math.log10(raw)), step = [1, 2, 5, 10].map((k) => k * mag).find((k) => k >= raw);
  const out = []; for (let v = 0; v <= max + 1e-9; v += step) out.push(v); return out;
}
function bytesTick(n) { return n === 0 ? "0" : size(n); }
const failColor = (f) => f.expected ? EXPECTED : FAIL;
const color = (i) => COLORS[i % COLORS.length];
// Every string from the run (names, messages, file names, script text) goes
// into the page through esc(): it can hold anything a script can write.
const esc = (v) => String(v).replace(/[&<>"']/g, (c) => "&#" + c.charCodeAt(0) + ";");
const hex = (n) => "0x" + Math.round(n).toString(16);
const size = (n) => n >= 1 << 30 ? (n / (1 << 30)).toFixed(1) + " GiB" : n >= 1 << 20 ? (n / (1 << 20)).toFixed(1) + " MiB"
  : n >= 1024 ? (n / 1024).toFixed(1) + " KiB" : n + " B";
const tip = $("tip");
function showTip(e, text) { tip.textContent = text; tip.style.display = "block";
  tip.style.left = Math.min(e.clientX + 14, innerWidth - 640) + "px"; tip.style.top = (e.clientY + 14) + "px"; }
function hideTip() { tip.style.display = "none"; }
function site(i) { if (i < 0) return "?"; const [where, call] = DATA.sites[i].split("\\t"); return where + "  " + call; }
function siteLink(i) { if (i < 0) return null; return DATA.sites[i].split("\\t")[0]; }

async function decodeBlocks() {
  const n = DATA.blocks.count;
  const bin = atob(DATA.blocks.columns);
  const raw = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) raw[i] = bin.charCodeAt(i);
  const buf = DATA.blocks.gzip
    ? await new Response(new Blob([raw]).stream().pipeThrough(new DecompressionStream("gzip"))).arrayBuffer()
    : raw.buffer;
  const col = (k) => new Int32Array(buf, n * 8 + k * n * 4, n);
  const B = { n, start: new Float64Array(buf, 0, n), size: col(0), owner: col(1), allocOp: col(2), freeOp: col(3),
    allocSite: col(4), freeSite: col(5), align: col(6), allocCpu: col(7), freeCpu: col(8), cpusUsed: 1 };
  for (let i = 0; i < n; i++) B.cpusUsed = Math.max(B.cpusUsed, B.allocCpu[i] + 1, B.freeCpu[i] + 1);
  return B;
}

function describe(B, i) {
  const live = B.freeOp[i] < 0;
  return DATA.owners[B.owner[i]] + "  " + hex(B.start[i]) + "  " + size(B.size[i]) + " (" + B.size[i] + " bytes)" +
    (B.align[i] > 0 ? ", aligned to " + B.align[i] : "") + "\\n" +
    "allocated at op " + B.allocOp[i] + ":  " + site(B.allocSite[i]) + "\\n" +
    (live ? "live at the end" : "freed at op " + B.freeOp[i] + ":  " + site(B.freeSite[i])) +
    (B.cpusUsed > 1 ? "\\non CPU " + B.allocCpu[i] + (live ? "" : B.freeCpu[i] === B.allocCpu[i] ? ", freed there" : ", freed on CPU " + B.freeCpu[i] + " (a remote free)") : "");
}

function legend(el) {
  el.innerHTML = DATA.owners.map((o, i) => '<span class="owner" data-owner="' + i + '" title="zoom the map to its blocks"><i style="background:' + color(i) + '"></i>' + esc(o) + "</span>").join("") +
    '<span><i style="background:#cfd8dc"></i>global heap (byte allocator memory)</span>';
}

// ---- the memory map ----
function memoryMap(B) {
  const svg = $("map"); const W = 1260, laneH = 16, top = 44;
  const ram = DATA.map.filter((e) => e.kind !== "mmio");
  const lo0 = Math.min(...ram.map((e) => e.base)), hi0 = Math.max(...ram.map((e) => e.base + e.size));
  let lo = lo0, hi = hi0, time = DATA.ops;
  const owners = DATA.owners.length;
  svg.setAttribute("viewBox", "0 0 " + W + " " + (top + 22 + (owners + 1) * laneH));
  svg.setAttribute("width", "100%"); svg.style.maxWidth = W + "px";
  const x = (a) => ((a - lo) / (hi - lo)) * W;
  function draw() {
    const parts = [];
    for (const e of ram) {
      const x0 = Math.max(0, x(e.base)), x1 = Math.min(W, x(e.base + e.size));
      if (x1 <= 0 || x0 >= W) continue;
      const fill = e.kind === "free" ? "#e8f0e3" : e.kind === "kernel" ? "#f6d7a7" : "#e6d6ef";
      parts.push('<rect data-region="' + esc(e.name) + '" x="' + x0 + '" y="4" width="' + Math.max(1, x1 - x0) + '" height="22" fill="' + fill + '" stroke="#bbb"><title>' +
        esc(e.name + " (" + e.kind + ") " + hex(e.base) + " + " + size(e.size)) + "</title></rect>");
      if (x1 - x0 > 60) parts.push('<text x="' + (x0 + 4) + '" y="19">' + esc(e.name) + "</text>");
    }
    // The address axis: round addresses (a power of two apart) between the ends.
    const span = hi - lo, step = 2 ** Math.ceil(Math.log2(Math.max(1, span / 6)));
    for (let a = Math.ceil(lo / step) * step; a < hi; a += step) {
      const ax = x(a);
      if (ax < 70 || ax > W - 70) continue;
      parts.push('<line class="addr-tick" x1="' + ax + '" x2="' + ax + '" y1="28" y2="32" stroke="#999"/><text class="addr-label" x="' + ax + '" y="40" text-anchor="middle">' + hex(a) + "</text>");
    }
    parts.push('<text x="0" y="40">' + hex(lo) + '</text><text x="' + (W - 4) + '" y="40" text-anchor="end">' + hex(hi) + "</text>");
    // The global heap's regions, one lane; then a lane per owner, blocks binned per pixel column.
    const heapY = top;
    for (const r of DATA.heap) {
      const x0 = x(r.start), x1 = x(r.start + r.size);
      if (x1 < 0 || x0 > W) continue;
      parts.push('<rect class="heap" x="' + x0 + '" y="' + heapY + '" width="' + Math.max(1, x1 - x0) + '" height="' + (laneH - 3) +
        '" fill="#cfd8dc"><title>global heap: ' + hex(r.start) + " + " + size(r.size) + "</title></rect>");
    }
    const bins = new Map();
    for (let i = 0; i < B.n; i++) {
      if (B.allocOp[i] > time) continue;
      const a = B.start[i], e = a + B.size[i];
      if (e < lo || a > hi) continue;
      const live = B.freeOp[i] < 0 || B.freeOp[i] > time;
      const c0 = Math.max(0, Math.floor(x(a))), c1 = Math.min(W - 1, Math.floor(x(e)));
      for (let c = c0; c <= c1; c++) {
        const key = B.owner[i] * 4096 + c;
        const bin = bins.get(key);
        if (bin === undefined) bins.set(key, { o: B.owner[i], c, live, first: i, count: 1, w: 1 });
        else { bin.count++; if (live && !bin.live) { bin.live = true; bin.first = i; } }
        if (c1 - c0 > 2000) break;
      }
    }
    // Adjacent columns of the same owner and block merge into one rectangle.
    const sorted = [...bins.values()].sort((p, q) => p.o - q.o || p.c - q.c);
    const runs = [];
    for (const b of sorted) {
      const last = runs[runs.length - 1];
      if (last && last.o === b.o && last.first === b.first && last.live === b.live && last.c + last.w === b.c && b.count === 1 && last.count === 1) last.w++;
      else runs.push({ ...b });
    }
    for (const b of runs) {
      const y = top + (b.o + 1) * laneH;
      parts.push('<rect class="block" data-owner="' + esc(DATA.owners[b.o]) + '" data-block="' + b.first + '" x="' + b.c + '" y="' + y +
        '" width="' + Math.max(1, b.w) + '" height="' + (laneH - 3) + '" fill="' + color(b.o) + '" opacity="' + (b.live ? 1 : 0.28) + '"></rect>');
    }
    parts.push('<text x="' + (W - 4) + '" y="' + (heapY + 11) + '" text-anchor="end" opacity="0.55">global heap</text>');
    for (let o = 0; o < owners; o++) {
      parts.push('<text x="' + (W - 4) + '" y="' + (top + (o + 1) * laneH + 11) + '" text-anchor="end" opacity="0.55">' + esc(DATA.owners[o]) + "</text>");
    }
    svg.innerHTML = parts.join("");
    $("map-time").textContent = "op " + time + " of " + DATA.ops;
  }
  svg.addEventListener("mousemove", (e) => {
    const t = e.target;
    if (t.classList && t.classList.contains("block")) {
      const i = Number(t.dataset.block);
      showTip(e, describe(B, i));
    } else if (t.tagName === "rect" && t.querySelector && t.querySelector("title")) showTip(e, t.querySelector("title").textContent);
    else hideTip();
  });
  svg.addEventListener("mouseleave", hideTip);
  svg.addEventListener("wheel", (e) => {
    e.preventDefault();
    const r = svg.getBoundingClientRect(); const f = (e.clientX - r.left) / r.width; const at = lo + f * (hi - lo);
    const k = e.deltaY < 0 ? 0.7 : 1 / 0.7; const span = Math.max(16, Math.min(hi0 - lo0, (hi - lo) * k));
    lo = Math.max(lo0, at - f * span); hi = Math.min(hi0, lo + span); lo = hi - span; draw();
  }, { passive: false });
  let drag = null;
  svg.addEventListener("mousedown", (e) => { drag = { x: e.clientX, lo, hi }; });
  addEventListener("mouseup", () => { drag = null; });
  addEventListener("mousemove", (e) => {
    if (!drag) return; const r = svg.getBoundingClientRect(); const d = ((e.clientX - drag.x) / r.width) * (drag.hi - drag.lo);
    const span = drag.hi - drag.lo; lo = Math.min(hi0 - span, Math.max(lo0, drag.lo - d)); hi = lo + span; draw();
  });
  svg.addEventListener("dblclick", () => { lo = lo0; hi = hi0; draw(); });
  $("mmio").textContent = "MMIO (not to scale): " + DATA.map.filter((e) => e.kind === "mmio").map((e) =>
    e.name + " " + hex(e.base) + " + " + size(e.size)).join(", ");
  $("map-zoom").innerHTML = ram.filter((e) => e.kind !== "free" || e.size < hi0 - lo0).map((e, i) =>
    '<button data-i="' + i + '">' + esc(e.name) + "</button>").join(" ") + ' <button data-all="1">all RAM</button>';
  // A legend entry zooms to its owner's blocks (they may be slivers at full scale).
  $("legend").addEventListener("click", (e) => {
    const el = e.target.closest(".owner"); if (!el) return;
    const o = Number(el.dataset.owner); let a = Infinity, b = -Infinity;
    for (let i = 0; i < B.n; i++) if (B.owner[i] === o) { a = Math.min(a, B.start[i]); b = Math.max(b, B.start[i] + B.size[i]); }
    if (!(b > a)) return;
    const pad = Math.max(16, (b - a) * 0.05);
    lo = Math.max(lo0, a - pad); hi = Math.min(hi0, b + pad); if (hi - lo < 16) hi = lo + 16; draw();
  });
  $("map-zoom").addEventListener("click", (e) => {
    const b = e.target; if (b.tagName !== "BUTTON") return;
    if (b.dataset.all) { lo = lo0; hi = hi0; } else { const r = ram.filter((x) => x.kind !== "free" || x.size < hi0 - lo0)[Number(b.dataset.i)]; lo = r.base; hi = r.base + r.size; }
    draw();
  });
  const slider = $("map-slider"); slider.max = DATA.ops; slider.value = DATA.ops;
  slider.addEventListener("input", () => setTime(Number(slider.value)));
  onTime((t) => { time = t; slider.value = t; draw(); });
  draw();
}

// ---- the heaps a script made (new_allocator), side by side ----
function arenas(B) {
  const host = $("arenas");
  if (DATA.arenas.length === 0) { host.closest("section").style.display = "none"; return; }
  const W = 600, H = 26;
  const rows = DATA.arenas.map((a, k) => {
    const o = DATA.owners.indexOf(a.name);
    const ids = []; for (let i = 0; i < B.n; i++) if (B.owner[i] === o) ids.push(i);
    const lo = Math.min(...a.regions.map((r) => r.start)), hi = Math.max(...a.regions.map((r) => r.start + r.size));
    const fails = DATA.failures.filter((f) => f.message.startsWith(a.name + ": "));
    let requested = 0, live = 0;
    for (const i of ids) if (B.freeOp[i] < 0) { requested += B.size[i]; live++; }
    const waste = a.used !== undefined ? a.used - requested : NaN;
    return { a, k, o, ids, lo, hi, fails, requested, live, waste };
  });
  host.innerHTML = '<table class="arenas"><tr><th>heap</th><th>memory given</th><th>blocks live</th><th>bytes asked (live)</th>' +
    "<th>used by its count</th><th>waste</th><th>failed</th><th>blocks over its memory, at the time chosen above</th></tr>" +
    rows.map((r) => '<tr><td><i style="background:' + color(r.o) + '"></i> ' + esc(r.a.name) + "</td><td>" +
      r.a.regions.map((g) => hex(g.start) + " + " + size(g.size)).join(", ") + "</td><td>" + r.live + "</td><td>" + size(r.requested) +
      "</td><td>" + (r.a.used !== undefined ? size(r.a.used) + " of " + size(r.a.total) : "?") + "</td><td>" +
      (Number.isNaN(r.waste) ? "?" : size(Math.max(0, r.waste))) + "</td><td>" + r.fails.length + "</td><td>" +
      '<svg class="arena" data-arena="' + r.k + '" viewBox="0 0 ' + W + " " + H + '" width="100%" style="max-width:' + W + 'px"></svg></td></tr>').join("") + "</table>";
  const draw = (t) => {
    for (const r of rows) {
      const svg = host.querySelector('svg[data-arena="' + r.k + '"]');
      const X = (v) => ((v - r.lo) / Math.max(1, r.hi - r.lo)) * W;
      const parts = r.a.regions.map((g) => '<rect x="' + X(g.start) + '" y="2" width="' + Math.max(1, X(g.start + g.size) - X(g.start)) +
        '" height="' + (H - 4) + '" fill="#eef1f3" stroke="#cfd8dc"></rect>');
      for (const i of r.ids) {
        if (B.allocOp[i] > t || (B.freeOp[i] >= 0 && B.freeOp[i] <= t)) continue;
        parts.push('<rect class="arena-block" data-block="' + i + '" x="' + X(B.start[i]) + '" y="4" width="' +
          Math.max(1, X(B.start[i] + B.size[i]) - X(B.start[i])) + '" height="' + (H - 8) + '" fill="' + color(r.o) + '"></rect>');
      }
      svg.innerHTML = parts.join("");
    }
  };
  draw(cursor.time); onTime(draw);
  host.addEventListener("mousemove", (e) => {
    const b = e.target; if (b.classList && b.classList.contains("arena-block")) showTip(e, describe(B, Number(b.dataset.block))); else hideTip();
  });
  host.addEventListener("mouseleave", hideTip);
}

// ---- top allocation sites, and what changed between two moments ----
function sites(B) {
  const host = $("sites");
  let from = 0;
  const siteName = (i) => (i < 0 ? "(the kernel)" : site(i));
  const draw = (t) => {
    // By the line that allocated: bytes live at the time chosen, blocks allocated until then.
    const by = new Map();
    for (let i = 0; i < B.n; i++) {
      if (B.allocOp[i] > t) continue;
      const k = B.allocSite[i];
      let e = by.get(k); if (!e) by.set(k, e = { k, live: 0, liveCount: 0, count: 0, bytes: 0, grown: 0, grownCount: 0 });
      const live = B.freeOp[i] < 0 || B.freeOp[i] > t;
      e.count++; e.bytes += B.size[i];
      if (live) { e.live += B.size[i]; e.liveCount++; if (B.allocOp[i] > from) { e.grown += B.size[i]; e.grownCount++; } }
    }
    const all = [...by.values()];
    const table = (rows, cols) => "<table class=sites><tr>" + cols.map((c) => "<th>" + c[0] + "</th>").join("") + "</tr>" +
      rows.map((e) => "<tr>" + cols.map((c) => "<td>" + c[1](e) + "</td>").join("") + "</tr>").join("") + "</table>";
    const where = (e) => '<code>' + esc(siteName(e.k)) + "</code>";
    const top = (key) => all.filter((e) => e[key] > 0).sort((a, b) => b[key] - a[key]).slice(0, 10);
    const grown = top("grown");
    host.innerHTML = "<h3>By bytes live at op " + t + "</h3>" +
      table(top("live"), [["bytes live", (e) => size(e.live)], ["blocks live", (e) => e.liveCount], ["allocated at", where]]) +
      "<h3>By allocations made until op " + t + "</h3>" +
      table(top("count"), [["allocations", (e) => e.count], ["bytes in all", (e) => size(e.bytes)], ["allocated at", where]]) +
      '<h3 id="diff-title">Allocated after op ' + from + " and still live at op " + t + "</h3>" +
      (grown.length === 0 ? "<p class=note>Nothing.</p>" :
        table(grown, [["bytes", (e) => size(e.grown)], ["blocks", (e) => e.grownCount], ["allocated at", where]]));
  };
  $("diff-from").addEventListener("click", () => { from = cursor.time; draw(cursor.time); });
  $("diff-reset").addEventListener("click", () => { from = 0; draw(cursor.time); });
  draw(cursor.time); onTime(draw);
}

// ---- the timelines: address across, time down ----
function timelines(B) {
  const host = $("timelines");
  for (let o = 0; o < DATA.owners.length; o++) {
    const ids = [];
    let lo = Infinity, hi = -Infinity;
    for (let i = 0; i < B.n; i++) if (B.owner[i] === o) { ids.push(i); lo = Math.min(lo, B.start[i]); hi = Math.max(hi, B.start[i] + B.size[i]); }
    const div = document.createElement("div"); div.className = "timeline";
    div.innerHTML = "<b>" + esc(DATA.owners[o]) + "</b> <span class=note>" + ids.length + " blocks, " + hex(lo) + " .. " + hex(hi) + "</span>";
    const cv = document.createElement("canvas"); const W = 600, H = 260; cv.width = W; cv.height = H; div.appendChild(cv); host.appendChild(div);
    const ctx = cv.getContext("2d"); const T = Math.max(1, DATA.ops);
    // The last operation's row stays inside the picture.
    const X = (a) => ((a - lo) / Math.max(1, hi - lo)) * W;
    const Y = (t) => Math.max(-1, Math.min(H - 2, ((t - view.t0) / Math.max(1, view.t1 - view.t0)) * (H - 2)));
    const paint = (now) => {
      ctx.clearRect(0, 0, W, H);
      ctx.fillStyle = color(o); ctx.globalAlpha = 0.85;
      for (const i of ids) {
        const x0 = X(B.start[i]), w = Math.max(1, X(B.start[i] + B.size[i]) - x0);
        const end = B.freeOp[i] < 0 ? T : B.freeOp[i];
        ctx.fillRect(x0, Y(B.allocOp[i]), w, Math.max(1, Y(end) - Y(B.allocOp[i])));
      }
      ctx.globalAlpha = 1;
      for (const f of DATA.failures) { ctx.fillStyle = failColor(f); ctx.fillRect(0, Y(f.op), W, 2); }
      if (cursor.moved) { ctx.fillStyle = "#1d1d1f"; ctx.fillRect(0, Y(now), W, 1); }
    };
    paint(cursor.time); onTime(paint); onView(() => paint(cursor.time));
    cv.addEventListener("mousemove", (e) => {
      const r = cv.getBoundingClientRect(); const a = lo + ((e.clientX - r.left) / r.width) * (hi - lo);
      const t = view.t0 + ((e.clientY - r.top) / r.height) * (view.t1 - view.t0);
      const slack = (hi - lo) / W;
      const hit = ids.find((i) => a >= B.start[i] - slack && a <= B.start[i] + B.size[i] + slack && t >= B.allocOp[i] - T / H && t <= (B.freeOp[i] < 0 ? T : B.freeOp[i]) + T / H);
      if (hit === undefined) hideTip(); else showTip(e, describe(B, hit));
    });
    cv.addEventListener("mouseleave", hideTip);
  }
}

// ---- CPUs: a lane each, remote frees between them ----
function cpuLanes(B) {
  const host = $("cpus");
  const used = B.cpusUsed;
  if (used <= 1) { $("cpus-section").style.display = "none"; return; }
  const remote = [], pairs = new Map(), perCpu = [];
  for (let c = 0; c < used; c++) perCpu.push({ allocs: 0, frees: 0, remoteOut: 0, remoteIn: 0 });
  for (let i = 0; i < B.n; i++) {
    perCpu[B.allocCpu[i]].allocs++;
    if (B.freeOp[i] < 0) continue;
    perCpu[B.freeCpu[i]].frees++;
    if (B.freeCpu[i] !== B.allocCpu[i]) {
      remote.push(i); perCpu[B.freeCpu[i]].remoteOut++; perCpu[B.allocCpu[i]].remoteIn++;
      const k = B.freeCpu[i] + "," + B.allocCpu[i]; pairs.set(k, (pairs.get(k) || 0) + 1);
    }
  }
  const W = 620, LANE = 34, L = 64, R = 10, TOP = 8, BOT = 30, PW = W - L - R, H = TOP + used * LANE + BOT;
  const X = (op) => L + ((Math.min(Math.max(op, view.t0), view.t1) - view.t0) / Math.max(1, view.t1 - view.t0)) * PW;
  const Yc = (c) => TOP + c * LANE + LANE / 2;
  const div = document.createElement("div");
  div.innerHTML = '<svg id="cpu-lanes" viewBox="0 0 ' + W + " " + H + '" width="100%" style="max-width:' + W + 'px;background:#fff;border:1px solid #ddd8cf;cursor:crosshair"></svg>' +
    '<div class=note>Each CPU a lane, time across: allocations above its line, frees below, in the colour of their owner; <span style="color:' + REMOTE + '">a remote free</span> (freed on another CPU than the one that allocated it) is a line from the freeing CPU to the owner. Click to move the time cursor; drag to zoom.</div>';
  host.appendChild(div);
  const svg = div.querySelector("svg");
  const draw = () => {
    const parts = [];
    for (let c = 0; c < used; c++) {
      parts.push('<line x1="' + L + '" x2="' + (L + PW) + '" y1="' + Yc(c) + '" y2="' + Yc(c) + '" stroke="#bbb"/>' +
        '<text class="ylabel" x="' + (L - 6) + '" y="' + (Yc(c) + 4) + '" text-anchor="end">CPU ' + c + "</text>");
    }
    for (let i = 0; i < B.n; i++) {
      const a = B.allocOp[i];
      if (a >= view.t0 && a <= view.t1) parts.push('<rect x="' + X(a).toFixed(1) + '" y="' + (Yc(B.allocCpu[i]) - 10) + '" width="1.2" height="9" fill="' + color(B.owner[i]) + '"/>');
      const f = B.freeOp[i];
      if (f >= 0 && f >= view.t0 && f <= view.t1) parts.push('<rect x="' + X(f).toFixed(1) + '" y="' + (Yc(B.freeCpu[i]) + 1) + '" width="1.2" height="9" fill="' + color(B.owner[i]) + '" opacity="0.6"/>');
    }
    for (const i of remote) {
      const f = B.freeOp[i];
      if (f < view.t0 || f > view.t1) continue;
      parts.push('<line class="remote" x1="' + X(f).toFixed(1) + '" x2="' + X(f).toFixed(1) + '" y1="' + Yc(B.freeCpu[i]) + '" y2="' + Yc(B.allocCpu[i]) + '" stroke="' + REMOTE + '" stroke-width="1" opacity="0.7"/>');
    }
    const span = ticks(view.t1 - view.t0, 6), step = Math.max(1, (span[1] ?? 1) - span[0]);
    for (let op = Math.ceil(view.t0 / step) * step; op <= view.t1; op += step) {
      parts.push('<text class="xlabel" x="' + X(op) + '" y="' + (H - BOT + 16) + '" text-anchor="middle">' + op + "</text>");
    }
    parts.push('<text x="' + (L + PW) + '" y="' + (H - 2) + '" text-anchor="end" opacity="0.6">operation</text>');
    const t = cursor.time, shown = cursor.moved && t >= view.t0 && t <= view.t1;
    parts.push('<line class="cursor" x1="' + X(t) + '" x2="' + X(t) + '" y1="' + TOP + '" y2="' + (TOP + used * LANE) + '" stroke="#1d1d1f" visibility="' + (shown ? "visible" : "hidden") + '"/>');
    svg.innerHTML = parts.join("");
  };
  const opAt = (e) => { const r = svg.getBoundingClientRect(); return view.t0 + ((e.clientX - r.left) * (W / r.width) - L) / PW * (view.t1 - view.t0); };
  let down = null;
  svg.addEventListener("mousedown", (e) => { down = opAt(e); e.preventDefault(); });
  svg.addEventListener("mouseup", (e) => {
    if (down === null) return;
    const a = down, b = opAt(e); down = null;
    if (Math.abs(b - a) > (view.t1 - view.t0) / 100) setView(Math.round(Math.max(0, Math.min(a, b))), Math.round(Math.min(DATA.ops, Math.max(a, b))));
    else setTime(Math.round(b));
  });
  svg.addEventListener("dblclick", () => setView(0, DATA.ops));
  svg.addEventListener("mousemove", (e) => {
    const r = svg.getBoundingClientRect(); const c = Math.floor(((e.clientY - r.top) * (H / r.height) - TOP) / LANE);
    if (c < 0 || c >= used) { hideTip(); return; }
    const s = perCpu[c];
    showTip(e, "CPU " + c + ": " + s.allocs + " allocations, " + s.frees + " frees; " + s.remoteOut + " remote frees of other CPUs' blocks, " + s.remoteIn + " of its own blocks freed elsewhere");
  });
  svg.addEventListener("mouseleave", hideTip);
  draw(); onTime(draw); onView(draw);
  // Remote-free traffic: freed on (row) -> owned by (column). On many CPUs,
  // only those that took part in a remote free (the rest would be rows and
  // columns of zeros); the table scrolls sideways when it is still wide.
  const all = [...Array(used).keys()];
  const cpus = used <= 16 ? all : all.filter((c) => perCpu[c].remoteOut + perCpu[c].remoteIn > 0);
  let table = '<div class="wide"><table class="remote-traffic"><tr><th>freed on (row), owner (column)</th>';
  for (const c of cpus) table += "<th>CPU " + c + "</th>";
  table += "</tr>";
  for (const f of cpus) {
    table += "<tr><th>CPU " + f + "</th>";
    for (const o of cpus) {
      const n = pairs.get(f + "," + o) || 0;
      table += f === o ? "<td></td>" : n === 0 ? '<td class="zero">0</td>' : "<td>" + n + "</td>";
    }
    table += "</tr>";
  }
  table += "</table></div>";
  const t = document.createElement("div");
  t.innerHTML = "<h3>Remote-free traffic</h3><p class=note>" + remote.length + " of " + perCpu.reduce((n, s) => n + s.frees, 0) +
    " frees were remote." + (cpus.length < used ? " " + (used - cpus.length) + " CPUs with no remote free are left out." : "") +
    "</p>" + table;
  host.appendChild(t);
  parkedChart(host, used);
}

// Objects parked on remote-free lists over time (ArceOS 2026's buddy-slab).
function parkedChart(host, used) {
  const all = DATA.samples.filter((s) => s.remote);
  if (all.length === 0) return;
  // The legend names the CPUs whose objects were ever parked (every CPU, when
  // few), in rows under the plot.
  const named = [...Array(used).keys()].filter((c) => used <= 8 || all.some((s) => s.remote[c] > 0));
  const perRow = 9, rows = Math.max(1, Math.ceil(named.length / perRow));
  const W = 620, PH = 112, L = 64, R = 10, TOP = 8, BOT = 14 + 16 * rows, H = TOP + PH + BOT, PW = W - L - R;
  const max = Math.max(1, ...all.flatMap((s) => s.remote));
  const X = (op) => L + ((Math.min(Math.max(op, view.t0), view.t1) - view.t0) / Math.max(1, view.t1 - view.t0)) * PW;
  const Y = (v) => TOP + PH - (v / max) * PH;
  const div = document.createElement("div");
  div.innerHTML = "<h3>Objects parked until their owner drains them</h3>" +
    '<svg id="parked" viewBox="0 0 ' + W + " " + H + '" width="100%" style="max-width:' + W + 'px;background:#fff;border:1px solid #ddd8cf"></svg>' +
    "<div class=note>Per owner CPU: objects freed on other CPUs still on its slabs' remote-free lists (sampled).</div>";
  host.appendChild(div);
  const svg = div.querySelector("svg");
  const draw = () => {
    const parts = ['<line x1="' + L + '" x2="' + L + '" y1="' + TOP + '" y2="' + (TOP + PH) + '" stroke="#999"/><line x1="' + L + '" x2="' + (L + PW) + '" y1="' + (TOP + PH) + '" y2="' + (TOP + PH) + '" stroke="#999"/>'];
    for (const v of ticks(max, 3)) parts.push('<text class="ylabel" x="' + (L - 6) + '" y="' + (Y(v) + 4) + '" text-anchor="end">' + v + "</text>");
    for (let c = 0; c < used; c++) {
      const pts = all.map((s) => X(s.op).toFixed(1) + "," + Y(s.remote[c] || 0).toFixed(1)).join(" ");
      parts.push('<polyline fill="none" stroke="' + color(c) + '" stroke-width="1.5" points="' + pts + '"><title>CPU ' + c + "</title></polyline>");
    }
    named.forEach((c, k) => {
      const x = L + 4 + (k % perRow) * 60, y = TOP + PH + 26 + Math.floor(k / perRow) * 16;
      parts.push('<text x="' + x + '" y="' + y + '" style="fill:' + color(c) + '">CPU ' + c + "</text>");
    });
    const t = cursor.time, shown = cursor.moved && t >= view.t0 && t <= view.t1;
    parts.push('<line class="cursor" x1="' + X(t) + '" x2="' + X(t) + '" y1="' + TOP + '" y2="' + (TOP + PH) + '" stroke="#1d1d1f" visibility="' + (shown ? "visible" : "hidden") + '"/>');
    svg.innerHTML = parts.join("");
  };
  draw(); onTime(draw); onView(draw);
}

// ---- fragmentation over time ----
function fragmentation() {
  const host = $("frag");
  const names = [...new Set(DATA.samples.flatMap((s) => Object.keys(s.free)))];
  if (names.length === 0) { host.innerHTML = "<p class=note>No allocator ran long enough to sample.</p>"; return; }
  // The plot inside margins that hold the axes' labels; the last operation lies inside it.
  // Its time axis is the shared window (drag across a chart to zoom, double-click to see all).
  const W = 620, H = 170, L = 64, R = 10, TOP = 8, BOT = 30, PW = W - L - R, PH = H - TOP - BOT;
  const X = (op) => L + ((Math.min(Math.max(op, view.t0), view.t1) - view.t0) / Math.max(1, view.t1 - view.t0)) * PW;
  const opAt = (svg, e) => { const r = svg.getBoundingClientRect(); return view.t0 + ((e.clientX - r.left) * (W / r.width) - L) / PW * (view.t1 - view.t0); };
  for (const name of names) {
    const all = DATA.samples.filter((s) => s.free[name]).map((s) => ({ op: s.op, ...s.free[name] }));
    const max = Math.max(1, ...all.map((p) => p.free));
    const Yv = (v) => TOP + PH - (v / max) * PH;
    const known = all.some((p) => p.largest >= 0);
    const div = document.createElement("div"); div.className = "timeline";
    div.innerHTML = "<b>" + esc(name) + '</b><svg class="frag" data-name="' + esc(name) + '" viewBox="0 0 ' + W + " " + H + '" width="100%" style="max-width:' + W + 'px;background:#fff;border:1px solid #ddd8cf;cursor:crosshair"></svg>' +
      '<div class=note><span style="color:#4e79a7">free</span>' +
      (known ? ', <span style="color:#59a14f">largest free block</span>, <span style="color:#f28e2b">external fragmentation 1 - largest / free</span> (0..1 of the height)' : "") +
      ', <span style="color:' + FAIL + '">failed allocations</span>, <span style="color:' + EXPECTED + '">expected failures (expect error)</span>; drag across to zoom in time, double-click for all of it</div>';
    host.appendChild(div);
    const svg = div.querySelector("svg");
    const draw = () => {
      // The samples in the window, and one on each side so that the lines reach its edges.
      let i0 = 0; while (i0 + 1 < all.length && all[i0 + 1].op <= view.t0) i0++;
      let i1 = all.length - 1; while (i1 > 0 && all[i1 - 1].op >= view.t1) i1--;
      const pts = all.slice(i0, i1 + 1);
      const line = (f) => pts.map((p) => X(p.op).toFixed(1) + "," + Yv(f(p)).toFixed(1)).join(" ");
      const parts = ['<line x1="' + L + '" x2="' + L + '" y1="' + TOP + '" y2="' + (TOP + PH) + '" stroke="#999"/>' +
        '<line x1="' + L + '" x2="' + (L + PW) + '" y1="' + (TOP + PH) + '" y2="' + (TOP + PH) + '" stroke="#999"/>'];
      for (const v of ticks(max, 4)) {
        parts.push('<line class="tick" x1="' + (L - 4) + '" x2="' + L + '" y1="' + Yv(v) + '" y2="' + Yv(v) + '" stroke="#999"/>' +
          '<text class="ylabel" x="' + (L - 6) + '" y="' + (Yv(v) + 4) + '" text-anchor="end">' + bytesTick(v) + "</text>");
      }
      const span = ticks(view.t1 - view.t0, 6), step = Math.max(1, (span[1] ?? 1) - span[0]);
      for (let op = Math.ceil(view.t0 / step) * step; op <= view.t1; op += step) {
        parts.push('<line class="tick" x1="' + X(op) + '" x2="' + X(op) + '" y1="' + (TOP + PH) + '" y2="' + (TOP + PH + 4) + '" stroke="#999"/>' +
          '<text class="xlabel" x="' + X(op) + '" y="' + (TOP + PH + 16) + '" text-anchor="middle">' + op + "</text>");
      }
      parts.push('<text x="' + (L + PW) + '" y="' + (H - 2) + '" text-anchor="end" opacity="0.6">operation' +
        (view.t0 > 0 || view.t1 < DATA.ops ? " (zoomed: " + view.t0 + " to " + view.t1 + ")" : "") + "</text>");
      parts.push('<polyline fill="none" stroke="#4e79a7" stroke-width="1.5" points="' + line((p) => p.free) + '"><title>free bytes</title></polyline>');
      if (known) {
        parts.push('<polyline fill="none" stroke="#59a14f" stroke-width="1.5" points="' + line((p) => Math.max(0, p.largest)) + '"><title>largest free block</title></polyline>' +
          '<polyline fill="none" stroke="#f28e2b" stroke-width="1.2" points="' + line((p) => p.free > 0 ? (1 - Math.max(0, p.largest) / p.free) * max : 0) + '"><title>external fragmentation</title></polyline>');
      }
      for (const f of DATA.failures) {
        if ((f.kind !== "alloc" && f.kind !== "panic") || f.op < view.t0 || f.op > view.t1) continue;
        parts.push('<line class="' + (f.expected ? "expected-fail" : "fail-mark") + '" x1="' + X(f.op) + '" x2="' + X(f.op) + '" y1="' + TOP + '" y2="' + (TOP + PH) +
          '" stroke="' + failColor(f) + '" stroke-width="2" stroke-dasharray="' + (f.expected ? "2 3" : "4 2") + '"><title>' +
          esc((f.expected ? "expected: " : "") + f.message + (f.where ? " (" + f.where + ")" : "")) + "</title></line>");
      }
      const t = cursor.time, shown = cursor.moved && t >= view.t0 && t <= view.t1;
      parts.push('<line class="cursor" x1="' + X(t) + '" x2="' + X(t) + '" y1="' + TOP + '" y2="' + (TOP + PH) + '" stroke="#1d1d1f" visibility="' + (shown ? "visible" : "hidden") + '"/>');
      if (drag) parts.push('<rect class="brush" x="' + Math.min(drag.x0, drag.x1) + '" y="' + TOP + '" width="' + Math.abs(drag.x1 - drag.x0) + '" height="' + PH + '" fill="#4e79a7" opacity="0.15"/>');
      svg.innerHTML = parts.join("");
    };
    let drag = null;
    const svgX = (e) => { const r = svg.getBoundingClientRect(); return (e.clientX - r.left) * (W / r.width); };
    svg.addEventListener("mousedown", (e) => { drag = { x0: svgX(e), x1: svgX(e), op0: opAt(svg, e) }; e.preventDefault(); });
    svg.addEventListener("mousemove", (e) => {
      if (drag) { drag.x1 = svgX(e); draw(); return; }
      const op = opAt(svg, e);
      if (op < view.t0 || op > view.t1) { hideTip(); return; }
      let p = null; for (const q of all) if (q.op <= op) p = q;
      if (!p) { hideTip(); return; }
      showTip(e, name + " at op " + p.op + ": free " + size(p.free) + (p.largest >= 0 ? ", largest free block " + size(p.largest) +
        ", fragmentation " + (p.free > 0 ? (1 - p.largest / p.free).toFixed(2) : "0") : ""));
    });
    svg.addEventListener("mouseleave", hideTip);
    svg.addEventListener("mouseup", (e) => {
      if (!drag) return;
      const d = drag; drag = null;
      const op1 = opAt(svg, e);
      if (Math.abs(svgX(e) - d.x0) > 6) {
        // A drag: the window of time between its ends, for every chart and timeline.
        setView(Math.round(Math.min(d.op0, op1)), Math.round(Math.max(d.op0, op1)));
      } else if (op1 >= view.t0 && op1 <= view.t1) setTime(Math.round(op1));
      else draw();
    });
    svg.addEventListener("dblclick", () => setView(0, DATA.ops));
    draw(); onTime(draw); onView(draw);
  }
}

// ---- buddyinfo and slabinfo at the slider's time ----
function infoAt(t) {
  // The last sample at or before t that has the field key.
  const last = (key) => { let found = null; for (const s of DATA.samples) if (s.op <= t && s[key] !== undefined) found = s; return found; };
  const best = last("buddyinfo"), ax = last("percpu"), use = last("usages");
  const any = DATA.samples.some((s) => s.percpu !== undefined || s.usages !== undefined);
  $("buddyinfo").textContent = best ? DATA.texts[best.buddyinfo] : any ? "" : "(the DragonOS memory manager had not started)";
  $("slabinfo").textContent = best ? DATA.texts[best.slabinfo] : "";
  $("percpu").textContent = ax ? "ArceOS 2026 buddy-slab, per-CPU slabs:\\n" + DATA.texts[ax.percpu] + "\\nits buddy (free blocks of order 0..20):\\n" + DATA.texts[ax.heapBuddy] : "";
  $("usages").textContent = use ? "ArceOS 2026 usages() by kind, in bytes:\\n" + DATA.texts[use.usages].split(", ").map((kv) => "  " + kv).join("\\n") : "";
  const at = best || ax || use;
  $("info-time").textContent = at ? "sampled at op " + at.op : "";
}

// ---- page tables ----
function tables() {
  const host = $("tables");
  if (DATA.tables.length === 0 && DATA.tableHistory.length === 0) { host.innerHTML = "<p class=note>No page table was made.</p>"; return; }
  // At the time chosen above: the last snapshot taken at or before it (the end's tables past the last).
  const at = (t) => {
    if (t >= DATA.ops || DATA.tableHistory.length === 0) return { op: DATA.ops, list: DATA.tables, end: true };
    let best = null; for (const h of DATA.tableHistory) if (h.op <= t) best = h;
    return best ? { op: best.op, list: JSON.parse(DATA.texts[best.text]), end: false } : { op: 0, list: [], end: false };
  };
  const show = (t) => { const s = at(t); render(s.list, s.end ? "at the end of the run" : "as at op " + s.op + " (the time chosen above)"); };
  onTime(show);
  return show(cursor.time);
  function render(list, when) {
  const node = (n, level) => n.leaf
    ? "<div>[" + n.index + "] " + (n.leaf.size > 4096 ? "<b>huge " + size(n.leaf.size) + "</b> " : "") + esc(n.leaf.vaddr) + " &rarr; " + esc(n.leaf.paddr) + "  " + esc(n.leaf.flags) + "</div>"
    : "<details" + (level < 1 ? " open" : "") + "><summary>[" + n.index + "] level " + (level + 1) + " table (" + n.children.length + " entries)</summary>" +
      n.children.map((c) => node(c, level + 1)).join("") + "</details>";
  host.innerHTML = '<p class="note tables-when">' + esc(when) + "</p>" + (list.length === 0 ? "<p class=note>No page table yet.</p>" : "") +
    list.map((t, i) => "<details open><summary>table " + (i + 1) + ": " + esc(t.format) + ", root " + esc(t.root) + ", " + t.mappings +
    " mappings</summary>" + t.tree.map((n) => node(n, 0)).join("") + "</details>").join("");
  }
}

// ---- failures, and the script's source ----
const CAUSES = {
  memory: "not enough free memory: less is free in all than was asked",
  fragmentation: "fragmentation: enough memory is free in all, but in no single block as large as the request",
  alignment: "alignment: a free block is as large as the request, but none has room at the alignment asked",
  unknown: "the allocator's state does not say",
};
function explanation(f) {
  const x = f.explained;
  if (!x) return "";
  const rows = ["asked " + size(x.bytes) + " (" + x.bytes + " bytes)" + (x.align > 1 ? " aligned to " + x.align : "") + " of " + x.pool];
  if (x.grow !== undefined) rows.push("the heap had no room for it, so it had to grow by " + size(x.grow) + " from the page allocator");
  rows.push((x.grow !== undefined ? "the page allocator then: " : "then: ") + (x.free >= 0 ? size(x.free) : "unknown") + " free; largest free block " +
    (x.largest >= 0 ? size(x.largest) : "unknown"), "why: " + (x.grow !== undefined && x.cause !== "unknown" ? "the growth failed, " : "") + CAUSES[x.cause]);
  let buddy = "";
  if (x.buddyinfo !== undefined) buddy = "<pre class=buddy>" + esc(DATA.texts[x.buddyinfo]) + "</pre>";
  return '<div class="explain" data-cause="' + esc(x.cause) + '">' + rows.map((r) => "<div>" + esc(r) + "</div>").join("") + buddy + "</div>";
}
function failures() {
  const host = $("failures");
  const row = (f, i) => {
    const where = f.where ? f.where : "";
    const m = /^(.*):(\\d+):(\\d+)$/.exec(where);
    const link = m ? '<a href="#L-' + encodeURIComponent(m[1]) + "-" + m[2] + '">' + esc(where) + "</a>" : esc(where);
    return '<div class="fail' + (f.expected ? " expected" : "") + '"><b>' + esc(f.expected ? "expected " + f.kind : f.kind) + "</b> at op " + f.op + " " + link + ": " + esc(f.message) +
      ' <button class="goto" data-op="' + f.op + '">show this moment</button>' + explanation(f) + "</div>";
  };
  const real = DATA.failures.filter((f) => !f.expected), expected = DATA.failures.filter((f) => f.expected);
  host.innerHTML = (real.length === 0 ? "<p class=note>Nothing failed" + (expected.length > 0 ? " that the script did not expect" : "") + ".</p>" : real.map(row).join("")) +
    (expected.length === 0 ? "" : '<details class="expected-list"><summary>' + expected.length + " failure" + (expected.length === 1 ? "" : "s") +
      " the script expected (expect error)</summary>" + expected.map(row).join("") + "</details>");
  host.addEventListener("click", (e) => {
    const b = e.target; if (!b.classList || !b.classList.contains("goto")) return;
    setTime(Number(b.dataset.op)); $("map").scrollIntoView({ block: "center" });
  });
  const list = DATA.failures;
  const hits = new Set(list.map((f) => f.where).filter(Boolean).map((w) => w.replace(/:\\d+$/, "")));
  $("sources").innerHTML = DATA.sources.map((s) => "<h3 class=note>" + esc(s.file) + '</h3><pre class="src">' +
    s.text.split(/\\r\\n?|\\n/).map((line, i) => '<span class="l' + (hits.has(s.file + ":" + (i + 1)) ? " hit" : "") + '" id="L-' +
      encodeURIComponent(s.file) + "-" + (i + 1) + '"><span class=n>' + (i + 1) + "</span>" + esc(line) + "</span>").join("") +
    "</pre>").join("");
}

(async () => {
  const B = await decodeBlocks();
  legend($("legend"));
  memoryMap(B);
  arenas(B);
  sites(B);
  infoAt(DATA.ops);
  onTime(infoAt);
  fragmentation();
  timelines(B);
  cpuLanes(B);
  tables();
  failures();
  document.body.dataset.ready = "1";
})();
`;

function escapeHtml(s: string): string {
  return s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;").replaceAll("'", "&#39;");
}

/**
 * The report page for `data`.
 *
 * @example
 * ```ts ignore
 * Deno.writeTextFileSync("out.html", reportHtml(await reportData(...)));
 * ```
 */
export function reportHtml(data: ReportData): string {
  // The JSON sits in a script element: no "<" may start a tag or a comment
  // there ("</script>", "<!--<script>"), nor "&" or ">" be read as markup.
  const json = JSON.stringify(data).replaceAll("<", "\\u003c").replaceAll(">", "\\u003e")
    .replaceAll("&", "\\u0026");
  // Only the page's own script runs: a strict policy with a fresh nonce.
  const nonce = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(18))));
  const status = data.outcome.ok ? `<span class="ok">ok</span>` : `<span class="bad">failed</span>`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'nonce-${nonce}'; style-src 'unsafe-inline'; img-src data:; connect-src data:; base-uri 'none'; form-action 'none'">
<title>mmsim report: ${escapeHtml(data.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>${escapeHtml(data.title)}</h1>
<div>${status} &middot; ${escapeHtml(data.outcome.summary)} &middot; ${
    escapeHtml(data.platform)
  } &middot;
global allocator ${
    escapeHtml(data.allocator)
  } &middot; ${data.ops} allocator operations &middot; ${data.blocks.count} blocks</div>
</header>
<main>
<section>
<h2>Physical memory</h2>
<p class="note">RAM as the platform lays it out (free RAM, reserved regions such as the SBI firmware,
the kernel image), the global heap, and every block by owner: solid while live at the chosen time,
faint once freed. Wheel to zoom, drag to pan, double-click to reset; hover a block for its address,
size, owner and the script lines that allocated and freed it.</p>
<div class="controls">time <input id="map-slider" type="range" min="0" step="1"> <span id="map-time"></span>
<span id="map-zoom"></span></div>
<div id="legend" class="legend"></div>
<svg id="map" xmlns="http://www.w3.org/2000/svg"></svg>
<div id="mmio" class="note"></div>
</section>
<section>
<h2>Top allocation sites</h2>
<p class="note">heaptrack's question: which lines of the script hold the memory, at the time chosen above.
To see what grew between two moments, move the time to the first one and press
<button id="diff-from">from here</button> (<button id="diff-reset">from the start</button>), then move it to the second.</p>
<div id="sites"></div>
</section>
<section>
<h2>Heaps made by the script</h2>
<p class="note">Each allocator the script made with new_allocator, side by side: the memory it was given,
what is live in it at the end, what it counts as used for it, the difference (waste: headers, rounding,
slabs), its failed allocations, and its blocks at the time chosen above.</p>
<div id="arenas"></div>
</section>
<section>
<h2>Fragmentation over time</h2>
<div id="frag"></div>
</section>
<section>
<h2>Allocation timelines</h2>
<p class="note">Per owner, villoc's way: address across, time (operation number) down, each block a bar
from its allocation to its free; red lines are failed allocations.</p>
<div id="timelines"></div>
</section>
<section id="cpus-section">
<h2>CPUs</h2>
<div id="cpus"></div>
</section>
<section>
<h2>buddyinfo and slabinfo</h2>
<p class="note">DragonOS's /proc views, and ArceOS 2026's per-CPU slabs and usages by kind, at the time chosen above. <span id="info-time"></span></p>
<pre id="buddyinfo"></pre><pre id="slabinfo"></pre><pre id="percpu"></pre><pre id="usages"></pre>
</section>
<section>
<h2>Page tables</h2>
<div id="tables"></div>
</section>
<section>
<h2>Failures</h2>
<div id="failures"></div>
<div id="sources"></div>
</section>
</main>
<div id="tip"></div>
<script type="application/json" id="report-data">${json}</script>
<script nonce="${nonce}">${SCRIPT}</script>
</body>
</html>
`;
}
