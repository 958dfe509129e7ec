/**
 * `deno task lsp`: the `.mms` language server, speaking the Language Server
 * Protocol over standard input and output (built on `vscode-languageserver`).
 * It offers diagnostics as the text changes (the parser's and the checker's,
 * the command line's messages, and settings a run would refuse), completion of builtins, constants, keywords,
 * procedures and variables, hover (a builtin's doc, a keyword's statement and
 * meaning, a constant's value on the script's platform), go to definition (procedures, variables, included
 * files), document symbols (procedures and contracts) and formatting. It
 * reads only the files the editor names and their includes.
 *
 * @module
 */

import process from "node:process";
import { PassThrough } from "node:stream";
import { fileURLToPath, pathToFileURL } from "node:url";
import {
  CompletionItemKind,
  createConnection,
  DiagnosticSeverity,
  DocumentSymbol,
  ErrorCodes,
  LSPErrorCodes,
  ProposedFeatures,
  ResponseError,
  SymbolKind,
  TextDocuments,
  TextDocumentSyncKind,
} from "vscode-languageserver/node";
import { TextDocument } from "vscode-languageserver-textdocument";
import { formatSource } from "../dsl/format.ts";
import { DISK, type FileAccess } from "../runtime/loader.ts";
import {
  type Analysis,
  analyze,
  type Completion,
  completions,
  definition,
  hover,
  type Outline,
  outline,
  problems,
  resolveCompletion,
} from "./analysis.ts";
import { FrameGuard } from "./framing.ts";

/** The completion kinds, in the protocol's terms. */
const KIND: Record<Completion["kind"], CompletionItemKind> = {
  builtin: CompletionItemKind.Function,
  constant: CompletionItemKind.Constant,
  keyword: CompletionItemKind.Keyword,
  variable: CompletionItemKind.Variable,
  procedure: CompletionItemKind.Function,
};

/**
 * A file path for a document URI: a local `file:` URI's path, or undefined
 * for a document that is not a local file (`untitled:`, a `file:` URI of
 * another host), which is checked but includes nothing.
 */
function localPath(uri: string): string | undefined {
  if (!uri.startsWith("file:")) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined; // file://host/...: not a file of this machine
  }
}

/** Reads nothing: the includes of a document that is not a local file. */
const NO_FILES: FileAccess = {
  read: () => {
    throw new Error("a document that is not a saved local file includes nothing: save it first");
  },
};

function uriOf(path: string): string {
  return path.startsWith("/") ? pathToFileURL(path).href : path;
}

/**
 * Starts the server on `input` and `output` (standard input and output by
 * default); resolves when the editor says `exit` or closes the input.
 *
 * @example
 * ```ts ignore
 * import { serve } from "./server.ts";
 * await serve();
 * ```
 */
export function serve(
  input: ReadableStream<Uint8Array> = Deno.stdin.readable,
  output: NodeJS.WritableStream = process.stdout,
): Promise<void> {
  // Every message passes the guard first: a malformed one is answered there.
  const checked = new PassThrough();
  const guard = new FrameGuard({
    pass: (frame) => checked.write(frame),
    reply: (frame) => output.write(frame),
    edit: (message) => {
      // Given the editor's processId, the library would look for that
      // process every 3 s with process.kill(pid, 0): that needs run
      // permission (and Deno gives /proc only to a program with every
      // permission), and without it the library ends the server. The
      // server needs neither: an editor that goes away closes its standard
      // input, and the end of the input ends the server.
      if (message.method !== "initialize") return false;
      const params = message.params as Record<string, unknown> | undefined;
      if (params === undefined || params.processId === null || !("processId" in params)) {
        return false;
      }
      params.processId = null;
      return true;
    },
  });
  const connection = createConnection(ProposedFeatures.all, checked, output);
  const documents = new TextDocuments(TextDocument);
  const cache = new Map<string, { version: number; analysis: Analysis }>();
  /** Open buffers first, then the disk: an include being edited is read as it is now. */
  const files: FileAccess = {
    read: (path) => {
      const open = documents.get(uriOf(path));
      return open !== undefined ? open.getText() : DISK.read(path);
    },
    realPath: DISK.realPath,
  };
  const analysisOf = (uri: string): Analysis | undefined => {
    const doc = documents.get(uri);
    if (doc === undefined) return undefined;
    const hit = cache.get(uri);
    if (hit !== undefined && hit.version === doc.version) return hit.analysis;
    const path = localPath(uri);
    const analysis = path === undefined
      ? analyze(uri, doc.getText(), NO_FILES)
      : analyze(path, doc.getText(), files);
    cache.set(uri, { version: doc.version, analysis });
    return analysis;
  };
  /** The editor position of a request, or an InvalidParams error. */
  const positionOf = (p: unknown): { line: number; character: number } => {
    const pos = (p as { position?: { line?: unknown; character?: unknown } } | undefined)?.position;
    const ok = (n: unknown) => typeof n === "number" && Number.isSafeInteger(n) && n >= 0;
    if (pos === undefined || !ok(pos.line) || !ok(pos.character)) {
      throw new ResponseError(ErrorCodes.InvalidParams, "position (line, character) is missing");
    }
    return pos as { line: number; character: number };
  };
  const need = (uri: unknown): Analysis => {
    if (typeof uri !== "string") {
      throw new ResponseError(ErrorCodes.InvalidParams, "textDocument.uri is missing");
    }
    const a = analysisOf(uri);
    if (a === undefined) {
      throw new ResponseError(ErrorCodes.InvalidParams, `${uri} is not open`);
    }
    return a;
  };
  /** Files whose diagnostics were published, by the document that included them. */
  const published = new Map<string, Set<string>>();
  const validate = (doc: TextDocument) => {
    const a = analysisOf(doc.uri);
    if (a === undefined) return;
    const byFile = new Map<string, ReturnType<typeof problems>>();
    byFile.set(a.path, []);
    for (const p of problems(a)) {
      if (!byFile.has(p.file)) byFile.set(p.file, []);
      byFile.get(p.file)!.push(p);
    }
    const before = published.get(doc.uri) ?? new Set<string>();
    const now = new Set<string>();
    for (const [file, list] of byFile) {
      const uri = file === a.path ? doc.uri : uriOf(file);
      now.add(uri);
      connection.sendDiagnostics({
        uri,
        diagnostics: list.map((p) => ({
          range: p.range,
          severity: DiagnosticSeverity.Error,
          source: "mmsim",
          message: p.message,
        })),
      });
    }
    // An include whose problems are fixed (or that is no longer included) is cleared.
    for (const uri of before) {
      if (!now.has(uri)) connection.sendDiagnostics({ uri, diagnostics: [] });
    }
    published.set(doc.uri, now);
  };

  connection.onInitialize(() => ({
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      completionProvider: { resolveProvider: true, triggerCharacters: [] },
      hoverProvider: true,
      definitionProvider: true,
      documentSymbolProvider: true,
      documentFormattingProvider: true,
    },
    serverInfo: { name: "mmsim", version: "0.1.0" },
  }));
  documents.onDidChangeContent((e) => validate(e.document));
  documents.onDidClose((e) => {
    cache.delete(e.document.uri);
    for (const uri of published.get(e.document.uri) ?? []) {
      connection.sendDiagnostics({ uri, diagnostics: [] });
    }
    published.delete(e.document.uri);
  });
  connection.onCompletion((p) => {
    const a = need(p?.textDocument?.uri);
    return completions(a, positionOf(p)).map((c) => ({
      label: c.label,
      kind: KIND[c.kind],
      detail: c.detail,
      documentation: c.documentation,
      data: { uri: p.textDocument.uri, kind: c.kind },
    }));
  });
  connection.onCompletionResolve((item) => {
    const data = item.data as { uri?: string; kind?: Completion["kind"] } | undefined;
    const a = data?.uri === undefined ? undefined : analysisOf(data.uri);
    if (a === undefined || data?.kind !== "constant") return item;
    const c = resolveCompletion(a, { label: item.label, kind: "constant" });
    return { ...item, detail: c.detail };
  });
  connection.onHover((p) => {
    const h = hover(need(p?.textDocument?.uri), positionOf(p));
    return h === undefined
      ? null
      : { contents: { kind: "markdown", value: h.markdown }, range: h.range };
  });
  connection.onDefinition((p) => {
    const a = need(p?.textDocument?.uri);
    const place = definition(a, positionOf(p));
    if (place === undefined) return null;
    return {
      uri: place.file === a.path ? p.textDocument.uri : uriOf(place.file),
      range: place.range,
    };
  });
  connection.onDocumentSymbol((p) => {
    const toSymbol = (o: Outline): DocumentSymbol =>
      DocumentSymbol.create(
        o.name,
        undefined,
        o.kind === "procedure" ? SymbolKind.Function : SymbolKind.Event,
        o.range,
        o.selection,
        o.children.map(toSymbol),
      );
    return outline(need(p?.textDocument?.uri)).map(toSymbol);
  });
  connection.onDocumentFormatting((p) => {
    const uri = p?.textDocument?.uri;
    need(uri);
    const doc = documents.get(uri)!;
    const text = doc.getText();
    const r = formatSource(text);
    if (!r.ok) {
      const first = r.problems[0];
      throw new ResponseError(
        LSPErrorCodes.RequestFailed,
        `cannot format ${uri}: ${first.line}:${first.column}: ${first.message}`,
      );
    }
    if (r.text === text) return [];
    return [{
      range: { start: { line: 0, character: 0 }, end: doc.positionAt(text.length) },
      newText: r.text,
    }];
  });

  documents.listen(connection);
  connection.listen();
  return new Promise((resolve) => {
    connection.onExit(() => resolve());
    (async () => {
      try {
        for await (const chunk of input) guard.push(chunk);
      } catch {
        // the editor went away
      }
      checked.end();
      resolve();
    })();
  });
}

if (import.meta.main) {
  await serve();
  Deno.exit(0);
}
