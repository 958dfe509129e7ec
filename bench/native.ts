/**
 * What the replay benchmarks share: the natively built real allocators
 * (`../shared/native/`, or `$MMSIM_NATIVE_DIR`) and one native run, the
 * V8 flags of `deno task replay`, and a median.
 *
 * @module
 */

/** The natively built real allocators, by mmsim's name. */
export const NATIVE: Readonly<Record<string, string>> = {
  buddy: "natbuddy",
  tlsf: "nattlsf",
  slab: "natslab",
  "ax-alloc-buddy-slab": "natbuddyslab",
  "ax-alloc-tlsf": "nataxtlsf",
};

let nativeDirFound: string | undefined;

/**
 * Where the natively built real allocators are: `$MMSIM_NATIVE_DIR`, or
 * `../shared/native/` beside this checkout (asked in the parent process only).
 */
export function nativeDir(): string {
  if (nativeDirFound !== undefined) return nativeDirFound;
  const given = Deno.env.get("MMSIM_NATIVE_DIR");
  nativeDirFound = given !== undefined && given !== ""
    ? (given.endsWith("/") ? given : `${given}/`)
    : new URL("../../shared/native/", import.meta.url).pathname;
  return nativeDirFound;
}

/** The native binary for an allocator, if this machine has it. */
export function nativeBinary(allocator: string): string | undefined {
  const name = NATIVE[allocator];
  if (name === undefined) return undefined;
  try {
    return Deno.statSync(nativeDir() + name).isFile ? nativeDir() + name : undefined;
  } catch {
    return undefined;
  }
}

/** One native run: the binary replays the trace for about a second; its Mops/s. */
export async function nativeRun(binary: string, traceText: string): Promise<number> {
  const child = new Deno.Command(binary, {
    env: { BENCH: "1" },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(traceText));
  await writer.close();
  const out = await child.output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  const m = /([\d.]+) Mops\/s/.exec(text);
  if (!out.success || m === null) throw new Error(`${binary} failed: ${text.trim()}`);
  return Number(m[1]);
}

/**
 * The V8 flags `deno task replay` runs with (its larger inlining budget lets
 * the models' hot paths inline into the replay loop), read from
 * `deno.json`, so that a benchmark measures what the replay task runs.
 */
export function replayTaskFlags(): string[] {
  const config = JSON.parse(
    Deno.readTextFileSync(new URL("../deno.json", import.meta.url)),
  ) as { tasks: Record<string, string> };
  return config.tasks.replay.split(/\s+/).filter((a) => a.startsWith("--v8-flags="));
}

/** The median of `xs` (not empty). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}
