/**
 * Reading input files for the command line: plain or gzip, `-` for
 * standard input.
 *
 * @module
 */

/**
 * Reads `path` (or standard input for `-`) as UTF-8 text, inflating it when
 * it starts with the gzip magic bytes.
 *
 * @example
 * ```ts ignore
 * import { readTraceText } from "./read_input.ts";
 * const text = await readTraceText("tests/fidelity/bytes-churn-1.trace.gz");
 * ```
 */
export async function readTraceText(path: string): Promise<string> {
  const bytes = path === "-"
    ? new Uint8Array(await new Response(Deno.stdin.readable).arrayBuffer())
    : await Deno.readFile(path);
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return await new Response(stream).text();
  }
  return new TextDecoder().decode(bytes);
}
