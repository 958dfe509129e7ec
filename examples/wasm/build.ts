/**
 * `deno task wasm`: rebuilds the WebAssembly allocators from source, the
 * examples (`examples/wasm/*.wasm`) and the broken fixtures the tests use
 * (`tests/fixtures/wasm/*.wasm`), with the toolchains Debian packages:
 * `rustc` with `libstd-rust-dev-wasm32` and `lld` for Rust (1.63 is
 * enough), `clang` for C. A rustup toolchain with the
 * `wasm32-unknown-unknown` target works too. `MMSIM_RUSTC` and `MMSIM_CLANG`
 * name other compilers.
 *
 * @module
 */

const ROOT = new URL("../../", import.meta.url).pathname;
const EXAMPLES = `${ROOT}examples/wasm/`;
const FIXTURES = `${ROOT}tests/fixtures/wasm/`;
const TARGET = "wasm32-unknown-unknown";

/** A C allocator: its source, what it becomes, and for which target (wasm32 unless said). */
const C_MODULES: { source: string; out: string; target?: string }[] = [
  { source: `${EXAMPLES}bitmap_pages_c/bitmap_pages.c`, out: `${EXAMPLES}bitmap_pages.wasm` },
  // The same allocator for wasm64 (memory64): 8-byte pointers.
  {
    source: `${EXAMPLES}bitmap_pages_c/bitmap_pages.c`,
    out: `${FIXTURES}bitmap_pages64.wasm`,
    target: "wasm64",
  },
  ...[
    "scribbles",
    "traps",
    "spins_when_full",
    "missing_export",
    "imports",
    "version_two",
    "stray",
    "memory_hog",
    "grows_every_call",
  ]
    .map(
      (name) => ({ source: `${FIXTURES}${name}.c`, out: `${FIXTURES}${name}.wasm` }),
    ),
];

function run(cmd: string, args: string[]): { ok: boolean; text: string } {
  try {
    const r = new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).outputSync();
    const text = new TextDecoder().decode(r.stdout) + new TextDecoder().decode(r.stderr);
    return { ok: r.success, text };
  } catch (e) {
    return { ok: false, text: (e as Error).message };
  }
}

/** A rustc that has the wasm32 target's core library, or undefined. */
function findRustc(): string | undefined {
  const candidates = [Deno.env.get("MMSIM_RUSTC"), "/usr/bin/rustc", "rustc"];
  for (const c of candidates) {
    if (c === undefined) continue;
    const sysroot = run(c, ["--print", "sysroot"]);
    if (!sysroot.ok) continue;
    try {
      Deno.statSync(`${sysroot.text.trim()}/lib/rustlib/${TARGET}/lib`);
      return c;
    } catch {
      // this one lacks the target
    }
  }
  return undefined;
}

/** A clang that links wasm32, or undefined. */
function findClang(): string | undefined {
  const candidates = [Deno.env.get("MMSIM_CLANG"), "clang", "clang-14", "clang-15", "clang-16"];
  for (const c of candidates) {
    if (c !== undefined && run(c, ["--version"]).ok) return c;
  }
  return undefined;
}

function main(): number {
  const rustc = findRustc();
  const clang = findClang();
  const missing: string[] = [];
  if (rustc === undefined) {
    missing.push(
      `a rustc with the ${TARGET} target (Debian: apt-get install rustc libstd-rust-dev-wasm32 lld; ` +
        `rustup: rustup target add ${TARGET})`,
    );
  }
  if (clang === undefined) missing.push("clang (Debian: apt-get install clang lld)");
  if (missing.length > 0) {
    console.error(`wasm: cannot build without ${missing.join(" and ")}`);
    return 1;
  }
  const tmp = Deno.makeTempDirSync({ prefix: "mmsim_wasm_" });
  try {
    const steps: [string, string, string[]][] = [
      ["abi/rust (mmsim_abi)", rustc!, [
        "--edition=2021",
        "--crate-type=rlib",
        "--crate-name=mmsim_abi",
        `--target=${TARGET}`,
        "-Copt-level=2",
        "-Cpanic=abort",
        "--cfg",
        'feature="panic_handler"',
        "-o",
        `${tmp}/libmmsim_abi.rlib`,
        `${ROOT}abi/rust/src/lib.rs`,
      ]],
      ["examples/wasm/first_fit.wasm (Rust)", rustc!, [
        "--edition=2021",
        "--crate-type=cdylib",
        "--crate-name=first_fit",
        `--target=${TARGET}`,
        "-Copt-level=2",
        "-Cpanic=abort",
        "-Cdebuginfo=0",
        "-Cstrip=symbols",
        "--extern",
        `mmsim_abi=${tmp}/libmmsim_abi.rlib`,
        "-o",
        `${EXAMPLES}first_fit.wasm`,
        `${EXAMPLES}first_fit_rust/src/lib.rs`,
      ]],
      ...C_MODULES.map(({ source, out, target }): [string, string, string[]] => [
        out.slice(ROOT.length) + " (C)",
        clang!,
        [
          `--target=${target ?? "wasm32"}`,
          "-O2",
          "-nostdlib",
          "-Wl,--no-entry",
          `-I${ROOT}abi/c`,
          "-o",
          out,
          source,
        ],
      ]),
    ];
    for (const [what, cmd, args] of steps) {
      const r = run(cmd, args);
      if (!r.ok) {
        console.error(`wasm: building ${what} failed:\n${r.text}`);
        return 1;
      }
      console.log(`built ${what}`);
    }
  } finally {
    Deno.removeSync(tmp, { recursive: true });
  }
  return 0;
}

if (import.meta.main) Deno.exit(main());
