// The .mms language: literals, operators, control flow, procedures, include,
// expectations, and the diagnostics a user sees.
import assert from "node:assert/strict";
import { parse, parseIntegerLiteral, validateGrammar } from "../dsl/parser.ts";
import { LEXER_DEFINITION } from "../dsl/lexer.ts";
import { Lexer } from "chevrotain";
import { runScript } from "./run_helpers.ts";
import { main } from "../cli/run.ts";

function runText(text: string, ...flags: string[]) {
  return runScript(["t.mms", "--quiet", ...flags], { "t.mms": text });
}

function outOf(text: string): string {
  const r = runText(text);
  assert.equal(r.code, 0, r.err.join("\n"));
  return r.out.join("\n");
}

Deno.test("literals: bases, separators, size suffixes, exact 64-bit", () => {
  assert.equal(parseIntegerLiteral("0x1_000"), 4096n);
  assert.equal(parseIntegerLiteral("0b1010"), 10n);
  assert.equal(parseIntegerLiteral("16K"), 16384n);
  assert.equal(parseIntegerLiteral("2T"), 2n << 40n);
  assert.equal(
    outOf(
      'print 0xffff_ffc0_8020_0000\nprint 1_000_000\nprint 4G / 1M\nprint "{true} {false} {null}"\n',
    ),
    "0xffffffc080200000\n1000000\n4096\ntrue false null",
  );
});

Deno.test("operators: the usual precedence; bit operators bind tighter than comparisons", () => {
  assert.equal(
    outOf(
      "print 1 + 2 * 3\nprint (1 + 2) * 3\nprint 7 % 4 - 1\nprint 1 << 4 | 1\nprint 0x1234 & 0xff == 0x34\n" +
        'print !(1 < 2) || 3 >= 3 && 2 != 2\nprint -5 + ~0\nprint 10 / 3\nprint "a" + 1\n',
    ),
    // ~0 is the 64-bit pattern of all ones, so -5 + ~0 wraps no further than u64 arithmetic does.
    "7\n9\n2\n17\ntrue\nfalse\n0xfffffffffffffffa\n3\na1",
  );
});

Deno.test("statements: let, assignment, if/else, repeat, for, procedures with return", () => {
  const out = outOf(`
let total = 0
for i in 0..5 { total = total + i }
repeat 3 { total = total + 100 }
proc square(x) { return x * x }
proc classify(n) {
  if n < 10 { return "small" } else if n < 1000 { return "medium" } else { return "large" }
}
print "{total} {square(12)} {classify(5)} {classify(500)} {classify(5000)}"
`);
  assert.equal(out, "310 144 small medium large");
});

Deno.test("expect: a failure shows the expression and the values of its parts", () => {
  const r = runText('let p = 0x8040_1000\nexpect p % 16K == 0 "aligned"\n');
  assert.equal(r.code, 1);
  const err = r.err.join("\n");
  assert.match(
    err,
    /^t\.mms:2:1: expectation failed: expect p % 16K == 0 failed \(aligned\): p % 16K = 4096$/m,
  );
  assert.match(err, /^2 \| expect p % 16K == 0 "aligned"$/m);
  assert.match(err, /^ {2}\| \^{5,}/m);
});

Deno.test("expect error: the right error passes, a wrong one or none fails", () => {
  assert.equal(
    runText("final_init()\nexpect error NoMemory { alloc_pages(1_000_000, 4K) }\n").code,
    0,
  );
  const wrong = runText("final_init()\nexpect error NoMemory { alloc_pages(0, 4K) }\n");
  assert.equal(wrong.code, 1);
  assert.match(
    wrong.err[0],
    /expected error NoMemory, got InvalidParam: zero pages requested/,
  );
  const none = runText("final_init()\nexpect error NoMemory { alloc_pages(1, 4K) }\n");
  assert.match(none.err[0], /expected error NoMemory, but the block ran without one/);
});

Deno.test("parse errors: file:line:col, the line, a caret, several errors, exit 2", () => {
  const r = runText('let x = (1 +\nprint "ok"\nlet = 3\nfinal_init(\n');
  assert.equal(r.code, 2);
  assert.equal(r.out.length, 0, "nothing ran");
  const err = r.err.join("\n");
  assert.match(
    err,
    /^t\.mms:1:13: error: expected a value \(a number, string, name, '\(' or '-'\), found the end of the line$/m,
  );
  assert.match(err, /^t\.mms:3:5: error: expected a name, found '='$/m);
  assert.match(err, /^1 \| let x = \(1 \+$/m);
  assert.match(err, /^3 errors: t\.mms was not run$/m);
  // A decimal is said to be one (the lexer sees an integer, a field's dot, an integer).
  const decimal = runText("let x = 1.5\nlet y = 2 . 5\n").err.join("\n");
  assert.match(decimal, /^t\.mms:1:11: error: numbers in mms are integers: no fraction '\.5'/m);
  assert.match(decimal, /^t\.mms:2:13: error: expected a name, found '5'$/m);
});

Deno.test("a misspelt builtin, name or error suggests the closest one", () => {
  const r = runText(
    "let k = kmaloc(64)\nprint totl\nlet total = 1\nexpect error NoMemroy { kfree(k) }\n",
  );
  assert.equal(r.code, 2);
  const err = r.err.join("\n");
  assert.match(err, /t\.mms:1:9: error: unknown function 'kmaloc'; did you mean 'kmalloc'\?/);
  assert.match(err, /t\.mms:2:7: error: unknown name 'totl'; did you mean 'total'\?/);
  assert.match(err, /unknown error name 'NoMemroy'; did you mean 'NoMemory'\?/);
  assert.match(runText("alloc(1, 2, 3)\n").err[0], /alloc\(size, align\) takes 2 arguments, got 3/);
});

Deno.test("runtime errors: the statement, the error, the include chain; exit 1, no stack trace", () => {
  const files = {
    "main.mms": 'final_init()\ninclude "lib/helpers.mms"\nbad()\n',
    "lib/helpers.mms": "proc bad() {\n  dealloc(0x1234, 8, 8)\n}\n",
  };
  const r = runScript(["main.mms", "--quiet"], files);
  assert.equal(r.code, 1);
  const err = r.err.join("\n");
  assert.match(
    err,
    /^lib\/helpers\.mms:2:3: error: NotAllocated: 0x1234 is not a live allocation of this kernel/m,
  );
  assert.match(err, /^ {2}called from main\.mms:3:1$/m);
  assert.doesNotMatch(err, /at .*\.ts:\d+/);
  const inc = runScript(["main.mms", "--quiet"], {
    "main.mms": 'include "lib/boom.mms"\n',
    "lib/boom.mms": "final_init()\nalloc(1T, 8)\n",
  });
  assert.match(
    inc.err.join("\n"),
    /lib\/boom\.mms:2:1: kernel panic: memory allocation of 1099511627776 bytes/,
  );
  assert.match(inc.err.join("\n"), /included from main\.mms:1:1/);
});

Deno.test("include cannot leave the script's directory tree, nor loop", () => {
  const out = runScript(["dir/main.mms", "--quiet"], {
    "dir/main.mms": 'include "../secret.mms"\n',
  });
  assert.equal(out.code, 2);
  assert.match(out.err[0], /include "\.\.\/secret\.mms" leaves the script's directory dir/);
  const loop = runScript(["a.mms", "--quiet"], {
    "a.mms": 'include "b.mms"\n',
    "b.mms": 'include "a.mms"\n',
  });
  assert.match(loop.err.join("\n"), /is circular \(a\.mms -> b\.mms -> a\.mms\)/);
});

Deno.test("platform and kernel statements configure the machine before it starts", () => {
  assert.equal(
    outOf("platform x86_64-qemu-q35\nprint bus_offset\nprint platform_name\n"),
    "0x0\nx86_64-qemu-q35",
  );
  assert.equal(
    outOf("kernel byte_allocator = slab\nfinal_init()\nprint allocator_name()\n"),
    "slab",
  );
  const late = runText("final_init()\nkernel byte_allocator = slab\n");
  assert.match(late.err[0], /comes after the kernel started/);
  const bad = runText("kernel byte_allocator = dlmalloc\n");
  assert.match(
    bad.err[0],
    /must be tlsf, slab, buddy or "FILE.wasm" \(a WebAssembly allocator\), not 'dlmalloc'/,
  );
  const flag = runScript(["t.mms", "--quiet", "--platform", "aarch64-raspi4"], {
    "t.mms": "platform riscv64-qemu-virt\nprint platform_name\n",
  });
  assert.equal(flag.out.join(), "aarch64-raspi4");
});

Deno.test("using releases a GlobalPage at the end of the block", () => {
  assert.equal(
    outOf(
      "final_init()\nlet before = used_pages()\nusing p = page_alloc_zero() {\n  p.fill(7)\n  print p.read8(100)\n  print used_pages() - before\n}\nprint used_pages() - before\n",
    ),
    "7\n1\n0",
  );
  const uaf = runText("final_init()\nlet q = page_alloc()\nq.release()\nq.fill(1)\n");
  assert.match(uaf.err[0], /was released; as_mut_slice is a use after free/);
});

Deno.test("--seed: rand is reproducible; --json writes one event per line", () => {
  const a = runText("print rand(1, 1000000)\nprint rand(1, 1000000)\n", "--seed", "42");
  const b = runText("print rand(1, 1000000)\nprint rand(1, 1000000)\n", "--seed", "42");
  const c = runText("print rand(1, 1000000)\nprint rand(1, 1000000)\n", "--seed", "43");
  assert.deepEqual(a.out, b.out);
  assert.notDeepEqual(a.out, c.out);
  const j = runScript(["t.mms", "--json"], { "t.mms": "final_init()\nprint 1\nexpect 1 == 1\n" });
  const events = j.out.map((l) => JSON.parse(l));
  assert.deepEqual(events.map((e) => e.event), ["log", "print", "expect", "end"]);
  assert.equal(events[3].status, "ok");
});

Deno.test("--trace records the global allocator's workload in the replay format", () => {
  const r = runScript(["t.mms", "--quiet", "--trace", "out.trace"], {
    "t.mms":
      "final_init()\nlet a = alloc(100, 8)\nlet p = alloc_pages(2, 4K)\ndealloc(a, 100, 8)\n",
  });
  assert.equal(r.code, 0, r.err.join("\n"));
  assert.equal(
    r.written.get("out.trace"),
    "# mmsim trace\ncapacity 256m\nregion 0xffffffc080400000 130023424\na 0 100 8\np 1 2 4096\nf 0\n",
  );
});

Deno.test("command line: bad flags, unknown platform and allocator, missing script", () => {
  assert.equal(runScript([]).code, 2);
  assert.match(
    runScript(["x.mms", "--platform", "pdp11"]).err[0],
    /unknown platform 'pdp11'; platforms: riscv64-qemu-virt/,
  );
  assert.match(runScript(["x.mms", "--allocator", "dl"]).err[0], /unknown allocator 'dl'/);
  assert.match(runScript(["x.mms", "--seed=abc"]).err[0], /--seed takes a non-negative integer/);
  assert.match(runScript(["nope.mms"]).err[0], /cannot read nope\.mms/);
  assert.match(runScript(["--help"]).out[0], /Usage: deno task run <script\.mms>/);
});

Deno.test("the parser recovers: a program with errors still yields the statements it could read", () => {
  const { program, problems } = parse("let a = 1\nlet b = \nlet c = 3\n", "r.mms");
  assert.equal(problems.length, 1);
  assert.deepEqual(program.body.map((s) => s.kind === "let" ? s.name : s.kind), ["a", "c"]);
});

Deno.test("the grammar and the lexer pass Chevrotain's validations", () => {
  validateGrammar();
  const checked = new Lexer(LEXER_DEFINITION, {
    ensureOptimizations: true,
    positionTracking: "onlyStart",
  });
  assert.equal(checked.lexerDefinitionErrors.length, 0);
});

Deno.test("--trace without write permission says how to grant it", () => {
  const out: string[] = [];
  const err: string[] = [];
  const code = main(["t.mms", "--trace", "t.trace"], {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    read: () => "final_init()\n",
    write: () => assert.fail("must not write"),
    exists: () => true,
    color: false,
    canWrite: () => false,
  });
  assert.equal(code, 2);
  assert.match(
    err[0],
    /--trace t\.trace needs write permission[\s\S]*deno run --allow-read --allow-write=t\.trace cli\/run\.ts/,
  );
});

Deno.test("colour only when asked for: ANSI codes on a terminal, none otherwise", () => {
  const io = (color: boolean) => {
    const err: string[] = [];
    main(["t.mms"], {
      out: () => {},
      err: (l) => err.push(l),
      read: () => "let x = (\n",
      write: () => {},
      exists: () => true,
      color,
      canWrite: () => true,
    });
    return err.join("\n");
  };
  const ESC = String.fromCharCode(27);
  assert.ok(io(true).includes(`${ESC}[1;31merror:`));
  assert.ok(!io(false).includes(ESC));
});

Deno.test("kernel settings: page capacity, DragonOS memory size; memory_map shows owners", () => {
  const out = outOf(
    "platform aarch64-raspi4\nkernel page_capacity = 4G\nkernel dragonos_memory = 64M\nfinal_init()\n" +
      "let k = kmalloc(64)\nlet a = alloc(100, 8)\nprint memory_map()\n",
  );
  assert.match(out, /0x\d+-0x\d+ +kernel +kernel image/);
  assert.match(out, /live allocations:\n/);
  assert.match(out, /^ {2}0xffff0000[0-9a-f]+ 67108864 B {2}global-pages$/m);
  assert.match(out, / +100 B {2}global-bytes/);
  const bad = runText("kernel dragonos_memory = 3M\n");
  assert.match(bad.err[0], /dragonos_memory must be bytes of RAM .* \(a multiple of 2 MiB\)/);
  const cap = runText("kernel page_capacity = 2T\n");
  assert.match(cap.err[0], /page_capacity must be 256M, 4G, 64G or 1T/);
});

Deno.test("statements are separated by a newline or ';'", () => {
  const r = runText("let x = 1 2\nrepeat 2 { let a = 1; let b = 2 }\nlet y = 3 let z = 4\n");
  assert.equal(r.code, 2);
  const err = r.err.join("\n");
  assert.match(err, /t\.mms:1:11: error: expected a newline or ';' before '2'/);
  assert.match(err, /t\.mms:3:11: error: expected a newline or ';' before 'let'/);
  assert.equal(outOf("let a = 1; let b = 2\n\n;;print a + b\n"), "3");
});

Deno.test("an unknown kernel setting or platform in a script is a clear error", () => {
  assert.match(
    runText("kernel heap_size = 4M\n").err[0],
    /unknown kernel setting 'heap_size'; settings: byte_allocator, page_allocator, page_capacity, dragonos_memory/,
  );
  assert.match(
    runText("platform pdp11\n").err[0],
    /platform pdp11: unknown platform; known platforms: /,
  );
});

Deno.test("'return' outside a procedure is a located error, inside any block of one it returns", () => {
  const r = runText("print 1\nreturn\nif true { return 3 }\n");
  assert.equal(r.code, 2);
  assert.deepEqual(r.err.filter((l) => /error:/.test(l)).map((l) => l.split("\n")[0]), [
    "t.mms:2:1: error: 'return' outside a procedure",
    "t.mms:3:11: error: 'return' outside a procedure",
  ]);
  assert.equal(
    outOf("proc f(n) {\n  repeat 3 { if n > 1 { return n } }\n  return 0\n}\nprint f(5)\n"),
    "5",
  );
});

Deno.test("integer literals: the decimal fast path agrees with BigInt on any digit string", () => {
  for (let len = 1; len <= 20; len++) {
    for (let k = 0; k < 50; k++) {
      let s = "";
      for (let i = 0; i < len; i++) s += String((k * 7919 + i * 104729 + len) % 10);
      assert.equal(parseIntegerLiteral(s), BigInt(s), s);
    }
  }
  assert.equal(parseIntegerLiteral("999999999999999"), 999_999_999_999_999n);
  assert.equal(parseIntegerLiteral("9007199254740993"), 9_007_199_254_740_993n); // past 2^53
  assert.equal(parseIntegerLiteral("1_000"), 1000n);
  assert.equal(parseIntegerLiteral("4K"), 4096n);
});

Deno.test("parse errors: the terminal shows the first 20, JSON all of them", () => {
  const junk = "let = \n".repeat(30); // two problems a line
  const r = runText(junk);
  assert.equal(r.code, 2);
  assert.equal(r.err.filter((l) => /error:/.test(l)).length, 20);
  assert.ok(r.err.includes("... and 40 more\n"), r.err.slice(-3).join("|"));
  assert.equal(r.err.at(-1), "60 errors: t.mms was not run");
  const j = runText(junk, "--json");
  assert.equal(j.out.filter((l) => l.includes('"event":"error"')).length, 60);
});

Deno.test("strings: a lexer mode of their own; any Unicode text, nested strings, located errors", () => {
  const ok = runText(
    'let x = 5\nprint "中文 é ☃ 😀 {x}"\nprint "a{"in {x + 1}"}b \\{x\\} \\"q\\""\nprint ""\n',
  );
  assert.equal(ok.code, 0, ok.err.join("\n"));
  assert.deepEqual(ok.out, ["中文 é ☃ 😀 5", 'ain 6b {x} "q"', ""]);
  const bad = runText(
    'print "open {1"\nprint "unclosed\nprint "a" + {\ninclude "{x}.mms"\nprint 1\n',
  );
  assert.equal(bad.code, 2);
  const at = bad.err.filter((l) => /^t\.mms:\d+:\d+:/.test(l)).map((l) => l.split(": ")[0]);
  assert.deepEqual(at, ["t.mms:1:15", "t.mms:2:16", "t.mms:3:13", "t.mms:4:11"]);
  assert.match(bad.err.join("\n"), /expected '}' to close the '\{'/);
  assert.match(bad.err.join("\n"), /expected '"' to close the string, found the end of the line/);
  assert.match(bad.err.join("\n"), /cannot have '\{\.\.\.\}' parts/);
});
