// The .mms formatter: one canonical layout whatever the whitespace, comments
// and literals kept, idempotent, the syntax tree unchanged; the repository's
// scripts are kept formatted.
import assert from "node:assert/strict";
import fc from "fast-check";
import { formatSource } from "../dsl/format.ts";
import { parse } from "../dsl/parser.ts";
import { main } from "../cli/fmt_mms.ts";

const ROOT = new URL("..", import.meta.url).pathname;

function scripts(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of Deno.readDirSync(dir)) {
      const p = `${dir}/${e.name}`;
      if (e.isDirectory) walk(p);
      else if (e.name.endsWith(".mms")) out.push(p);
    }
  };
  walk(`${ROOT}scripts`);
  walk(`${ROOT}conformance/suite`);
  return out.sort();
}

/** The syntax tree without positions, for comparing meaning. */
function tree(text: string): string {
  const { program, problems } = parse(text, "t.mms");
  assert.deepEqual(problems, []);
  return JSON.stringify(
    program.body,
    (k, v) => (k === "loc" ? undefined : typeof v === "bigint" ? `${v}n` : v),
  );
}

function format(text: string): string {
  const r = formatSource(text);
  if (!r.ok) assert.fail(`did not format: ${r.problems[0].message}`);
  return r.text;
}

Deno.test("format: the repository's scripts are formatted", () => {
  const out: string[] = [];
  const code = main(["--check", `${ROOT}scripts`, `${ROOT}conformance/suite`], {
    out: (t) => out.push(t),
    err: (t) => out.push(t),
  });
  assert.equal(code, 0, out.join("\n"));
});

Deno.test("format: idempotent, and the meaning of every script is unchanged", () => {
  for (const path of scripts()) {
    const text = Deno.readTextFileSync(path);
    const once = format(text);
    assert.equal(format(once), once, path);
    assert.equal(tree(once), tree(text), path);
  }
});

Deno.test("format: the layout", () => {
  assert.equal(
    format(
      "let  x=1+2*-3 # three\nif x>2{print x}\n\n\n\nrepeat 2 {\nkfree( kmalloc(4K ,0) )\n}\n",
    ),
    "let x = 1 + 2 * -3  # three\nif x > 2 { print x }\n\nrepeat 2 {\n  kfree(kmalloc(4K, 0))\n}\n",
  );
  // Literals, strings (with interpolation and escapes) and comments as written.
  const keep = 'print "a {hex(0x9000_0000)}\\t{ 1+1 }"   # keep  me\n';
  assert.equal(format(keep), 'print "a {hex(0x9000_0000)}\\t{ 1+1 }"  # keep  me\n');
  // Trailing comments of consecutive lines line up; a blank line starts anew.
  assert.equal(
    format("let a = 1 # one\nlet bbbb = 2 # two\n\nlet c = 3 # three\n"),
    "let a = 1     # one\nlet bbbb = 2  # two\n\nlet c = 3  # three\n",
  );
  // Blocks: `} else {`, nested, a comment line at its block's depth.
  assert.equal(
    format(
      "proc f(a,b){\nif a{\n# yes\nreturn b\n}else{\nreturn -a\n}\n}\nfor i in 0..4 { f(i, !true) }\n",
    ),
    "proc f(a, b) {\n  if a {\n    # yes\n    return b\n  } else {\n    return -a\n  }\n}\n" +
      "for i in 0..4 { f(i, !true) }\n",
  );
  // One canonical layout for a block over several lines: its braces end and start lines.
  const canonical = "proc f(x) {\n  return x\n}\n";
  assert.equal(format("proc f(x) {\n  return x }\n"), canonical);
  assert.equal(format("proc f(x) { return x\n}\n"), canonical);
  assert.equal(format(canonical), canonical);
  assert.equal(
    format("proc g(x) { let a = x  # a\nreturn a }  # done\nrepeat 2 { if x {\nprint 3 } }\n"),
    "proc g(x) {\n  let a = x  # a\n  return a   # done\n}\nrepeat 2 {\n  if x {\n    print 3\n  }\n}\n",
  );
  assert.equal(
    format("if x {\nprint 1 } else { print 2 }\n"),
    "if x {\n  print 1\n} else { print 2 }\n",
  );
  assert.equal(format("platform   aarch64-raspi4\n"), "platform aarch64-raspi4\n");
  assert.equal(format("\r\n\r\nprint 1\r\n\r\n"), "print 1\n", "line ends and blank lines");
  assert.equal(format(""), "");
});

Deno.test("format: a script with a syntax problem is not formatted", () => {
  const r = formatSource("let x = (1 +\nprint x\n");
  assert.equal(r.ok, false);
  if (!r.ok) assert.equal(r.problems[0].line, 1);
});

Deno.test("format: any whitespace gives the same layout (property)", () => {
  const sources = scripts().map((p) => Deno.readTextFileSync(p));
  const formatted = sources.map(format);
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: sources.length - 1 }),
      fc.array(fc.constantFrom(" ", "  ", "\t", " \t "), { minLength: 64, maxLength: 64 }),
      fc.integer({ min: 0, max: 1000 }),
      (which, gaps, seed) => {
        // Every run of spaces becomes another; indentation and blank lines change too.
        let k = seed;
        const next = () => gaps[k++ % gaps.length];
        const messy = formatted[which].split("\n").map((line) => {
          if (/^\s*platform /.test(line)) return line;
          // A blank line becomes several, with stray spaces on them.
          if (line === "") return `${next()}\n${next()}\n`.repeat(1 + k % 2);
          // Strings and comments are kept as written: only the code's spaces change.
          let inString = false;
          let inComment = false;
          let out = next().repeat(k % 3);
          for (const ch of line) {
            if (ch === '"' && !inComment) inString = !inString;
            if (ch === "#" && !inString) inComment = true;
            out += !inString && !inComment && ch === " " ? next() : ch;
          }
          return out + (k % 4 === 0 ? " " : "");
        }).join("\n");
        assert.equal(format(messy), formatted[which]);
      },
    ),
    { numRuns: 60, seed: 7 },
  );
});

Deno.test("fmt-mms: --check, problems with file:line:col, and usage", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const out: string[] = [];
    const io = { out: (t: string) => out.push(t), err: (t: string) => out.push(t) };
    await Deno.writeTextFile(`${dir}/a.mms`, "let x=1\n");
    assert.equal(main(["--check", dir], io), 1);
    assert.match(out.join("\n"), /a\.mms is not formatted/);
    assert.equal(await Deno.readTextFile(`${dir}/a.mms`), "let x=1\n", "--check writes nothing");
    assert.equal(main([dir], io), 0);
    assert.equal(await Deno.readTextFile(`${dir}/a.mms`), "let x = 1\n");
    await Deno.writeTextFile(`${dir}/b.mms`, "let = 2\n");
    out.length = 0;
    assert.equal(main([`${dir}/b.mms`], io), 1);
    assert.match(out.join("\n"), /b\.mms:1:5: expected a name/);
    assert.equal(main([], io), 2);
    assert.equal(main([`${dir}/missing.mms`], io), 2);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
