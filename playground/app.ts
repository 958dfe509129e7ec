/// <reference lib="dom" />
/**
 * The playground, in the browser: an editor for `.mms` (colours from the
 * language's own lexer; parse and check problems marked at their line and
 * column as you type; clicking one puts the caret there), Run and Stop
 * buttons, the output as it comes, and the run's report (the same page
 * `deno task run --report` writes) below. The simulator runs in a Worker of
 * the page (`run_worker.ts`), so that a script that never ends can be
 * stopped; both are bundled for the browser by `deno task site`.
 *
 * @module
 */

import { highlight as colourPieces, type Names } from "../dsl/highlight.ts";
import { type FileAccess, load } from "../runtime/loader.ts";
import { scriptProblems } from "../runtime/settings_check.ts";
import { BUILTINS, CONSTANT_NAMES } from "../runtime/builtins.ts";
import type { RunMessage, RunRequest } from "./run_worker.ts";

/** The scenarios of scripts/, by path: embedded in the page by the site build. */
const SCRIPTS: Record<string, string> = JSON.parse(
  document.getElementById("mms-scripts")!.textContent ?? "{}",
);
const MAIN = "scripts/playground.mms";
const editor = document.getElementById("code") as HTMLTextAreaElement;
const highlight = document.getElementById("highlight") as HTMLElement;
const problemsBox = document.getElementById("problems") as HTMLElement;
const output = document.getElementById("output") as HTMLElement;
const report = document.getElementById("report") as HTMLIFrameElement;
const menu = document.getElementById("scenario") as HTMLSelectElement;
const runButton = document.getElementById("run") as HTMLButtonElement;
const stopButton = document.getElementById("stop") as HTMLButtonElement;
/** The run's error in the edited script, marked until the next edit. */
let runtimeError: { line: number; column: number; message: string } | undefined;

const files: FileAccess = {
  read: (path) => {
    if (path === MAIN) return editor.value;
    const text = SCRIPTS[path];
    if (text === undefined) throw new Error("no such file in the playground");
    return text;
  },
};

const escape = (s: string) =>
  s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");

/** The names the colouring knows besides the language's own. */
const NAMES: Names = {
  builtins: new Set(Object.keys(BUILTINS)),
  constants: new Set(CONSTANT_NAMES),
};

/** Colours the text and marks the problems (their line and column). */
function render(): void {
  const text = editor.value;
  const problems = scriptProblems(load(MAIN, files, text));
  const mine: { line: number; column: number; length: number }[] = problems
    .filter((p) => p.file === MAIN);
  if (runtimeError !== undefined) mine.push({ ...runtimeError, length: 1 });
  // Offsets of the problems, from their line and column.
  const lineStarts = lineStartsOf(text);
  const bad = mine.map((p) => {
    const start = (lineStarts[p.line - 1] ?? text.length) + p.column - 1;
    return [start, start + Math.max(1, p.length)];
  });
  // A problem where no token is (the end of a line, past the last token):
  // a zero-width mark there, which moves no character of the overlay.
  const marks = new Set(bad.map(([s]) => s));
  // The colours: dsl/highlight.ts, the one source the editors' grammar is made from too.
  const spans = colourPieces(text, NAMES);
  let html = "";
  let at = 0;
  const gap = (from: number, to: number) => {
    let out = "";
    let k = from;
    for (const m of [...marks].filter((m) => m >= from && m < to).sort((a, b) => a - b)) {
      out += escape(text.slice(k, m)) + '<span class="err-at"></span>';
      k = m;
    }
    return out + escape(text.slice(k, to));
  };
  for (const t of spans) {
    if (t.start < at) continue;
    html += gap(at, t.start);
    const err = bad.some(([s, e]) => s < t.end && t.start < e) ? " err" : "";
    html += `<span class="hl-${t.role}${err}">${escape(text.slice(t.start, t.end))}</span>`;
    at = t.end;
  }
  // Text the lexer could not read, and a problem past the last token, are marked too.
  const rest = text.slice(at);
  const restBad = bad.some(([s]) => s >= at);
  html += restBad && rest.trim() !== ""
    ? `<span class="err">${escape(rest)}</span>`
    : gap(at, text.length) + (marks.has(text.length) ? '<span class="err-at"></span>' : "");
  highlight.innerHTML = html + "\n";
  const listed = problems.map((p) =>
    `<div class="problem" data-file="${
      escape(p.file)
    }" data-line="${p.line}" data-column="${p.column}">` +
    `${escape(p.file === MAIN ? "" : p.file + ":")}${p.line}:${p.column}: ${
      escape(p.message)
    }</div>`
  );
  if (runtimeError !== undefined) {
    const r = runtimeError;
    listed.push(
      `<div class="problem runtime" data-file="${MAIN}" data-line="${r.line}" data-column="${r.column}">` +
        `${r.line}:${r.column}: the run stopped here: ${escape(r.message)}</div>`,
    );
  }
  problemsBox.innerHTML = listed.join("");
  runButton.disabled = problems.length > 0 || worker !== undefined;
}

/** The offset each line starts at. */
function lineStartsOf(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === "\n") starts.push(i + 1);
  return starts;
}

/** Puts the caret at `line:column` of the editor (a clicked problem). */
function caretAt(line: number, column: number): void {
  const text = editor.value;
  const starts = lineStartsOf(text);
  const offset = Math.min(text.length, (starts[line - 1] ?? text.length) + column - 1);
  editor.focus();
  editor.setSelectionRange(offset, offset);
  // Scroll the caret's line into view: lines are the editor's line height apart.
  const lineHeight = parseFloat(getComputedStyle(editor).lineHeight) || 18;
  const top = (line - 1) * lineHeight;
  if (top < editor.scrollTop || top > editor.scrollTop + editor.clientHeight - lineHeight) {
    editor.scrollTop = Math.max(0, top - editor.clientHeight / 2);
  }
  sync();
}

function sync(): void {
  highlight.scrollTop = editor.scrollTop;
  highlight.scrollLeft = editor.scrollLeft;
}

/** The Worker of the run in progress. */
let worker: Worker | undefined;
let workerUrl: string | undefined;

/** The Worker's code: bundled by the site build into the page, as base64 text. */
function workerScript(): string {
  if (workerUrl === undefined) {
    const b64 = document.getElementById("run-worker")?.textContent?.trim() ?? "";
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    workerUrl = URL.createObjectURL(new Blob([bytes], { type: "text/javascript" }));
  }
  return workerUrl;
}

function say(line: string, cls = ""): void {
  const div = document.createElement("div");
  div.textContent = line;
  if (cls !== "") div.className = cls;
  output.appendChild(div);
}

/** Ends the run in progress (the Worker is gone: a script that never ends stops too). */
function finish(): void {
  worker?.terminate();
  worker = undefined;
  stopButton.disabled = true;
  runButton.disabled = false;
  render();
}

function run(): void {
  const text = editor.value;
  const script = load(MAIN, files, text);
  if (scriptProblems(script).length > 0 || worker !== undefined) return;
  output.textContent = "";
  runtimeError = undefined;
  // The report is titled with the scenario only while the text is the scenario's.
  const title = menu.value !== "" && SCRIPTS[menu.value] === text ? menu.value : MAIN;
  const started = performance.now();
  // A classic worker: the bundle is one script, and a module worker from a
  // blob is refused on a page opened from a file.
  const w = new Worker(workerScript());
  worker = w;
  runButton.disabled = true;
  stopButton.disabled = false;
  document.body.dataset.running = "1";
  w.onmessage = (e: MessageEvent<RunMessage>) => {
    const m = e.data;
    if ("line" in m) {
      say(m.line, m.cls);
      return;
    }
    if (m.report !== "") report.srcdoc = m.report;
    if (m.error !== undefined) runtimeError = m.error;
    delete document.body.dataset.running;
    finish();
  };
  w.onerror = (e) => {
    say(`the run failed: ${e.message}`, "error");
    delete document.body.dataset.running;
    finish();
  };
  stopButton.onclick = () => {
    if (worker !== w) return;
    const s = ((performance.now() - started) / 1000).toFixed(1);
    say(`stopped after ${s} s`, "error stopped");
    delete document.body.dataset.running;
    finish();
  };
  const request: RunRequest = { main: MAIN, text, scripts: SCRIPTS, title };
  w.postMessage(request);
}

problemsBox.addEventListener("click", (e) => {
  const p = (e.target as HTMLElement).closest(".problem") as HTMLElement | null;
  if (p === null || p.dataset.file !== MAIN) return;
  caretAt(Number(p.dataset.line), Number(p.dataset.column));
});

for (const path of Object.keys(SCRIPTS).sort()) {
  const option = document.createElement("option");
  option.value = path;
  option.textContent = path.replace(/^scripts\//, "");
  menu.appendChild(option);
}
menu.addEventListener("change", () => {
  editor.value = SCRIPTS[menu.value] ?? "";
  runtimeError = undefined;
  render();
});
editor.addEventListener("input", () => {
  runtimeError = undefined;
  render();
});
editor.addEventListener("scroll", sync);
editor.addEventListener("keydown", (e) => {
  if (e.key === "Tab") {
    e.preventDefault();
    editor.setRangeText("  ", editor.selectionStart, editor.selectionEnd, "end");
    render();
  } else if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) run();
});
runButton.addEventListener("click", run);
menu.value = SCRIPTS["scripts/boot.mms"] !== undefined ? "scripts/boot.mms" : menu.value;
editor.value = SCRIPTS[menu.value] ?? "";
render();
document.body.dataset.ready = "1";
