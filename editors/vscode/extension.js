// The mmsim .mms extension: the grammar, language configuration and snippets
// are declared in package.json; this starts the language server
// (deno task lsp of the mmsim checkout) for .mms files.
// SPDX-License-Identifier: MIT
"use strict";
const path = require("path");
const { workspace } = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

exports.activate = function activate(context) {
  const config = workspace.getConfiguration("mmsim");
  const deno = config.get("denoPath") || "deno";
  // editors/vscode/ sits two levels below the checkout's root.
  const root = config.get("path") || path.resolve(context.extensionPath, "..", "..");
  const server = {
    command: deno,
    args: [
      "run",
      "--config",
      path.join(root, "deno.json"),
      "--allow-read",
      "--allow-env",
      path.join(root, "lsp", "server.ts"),
    ],
    options: { cwd: root },
  };
  client = new LanguageClient("mmsim", "mmsim .mms", server, {
    documentSelector: [
      { scheme: "file", language: "mms" },
      { scheme: "untitled", language: "mms" },
    ],
  });
  return client.start();
};

exports.deactivate = function deactivate() {
  return client === undefined ? undefined : client.stop();
};
