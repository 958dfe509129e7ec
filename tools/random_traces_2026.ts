/**
 * Random multi-CPU traces for ArceOS 2026's global allocators, and what the
 * real code prints for them: the references of
 * `tests/fidelity/random-2026/`, which the fidelity test replays byte for
 * byte. The hand-made references (`arceos-2026/`) each exercise one thing;
 * these mix everything on several CPUs at once: CPU switches between any
 * two operations, remote frees, byte allocations at the slab classes'
 * edges, page blocks, DMA32 pages on RAM that straddles 4 GiB, `add`s,
 * layouts the real code refuses, regions too small or oddly placed.
 *
 * The traces are drawn from a seed (SplitMix64, the same seed, the same
 * trace); the outputs come from the real `ax-alloc` 0.8.13 built natively
 * (`natbuddyslab`, `nataxtlsf`: `../shared/native/`, or
 * `MMSIM_NATIVE_DIR`). Two things the generator leaves out, on purpose: an
 * `add` that overlaps memory already given (rlsf takes it and later hands
 * out the same bytes twice; mmsim refuses it with `MemoryOverlap`, as it
 * reports every silent corruption), and freeing an ID twice (the harness
 * refuses it).
 *
 * ```sh
 * deno run --allow-read --allow-write=tests/fidelity/random-2026 --allow-run \
 *   --allow-env=MMSIM_NATIVE_DIR tools/random_traces_2026.ts [--seeds 1-24]
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";

/** SplitMix64: a small, exact, seeded generator (BigInt state). */
class SplitMix64 {
  #state: bigint;
  constructor(seed: bigint) {
    this.#state = seed;
  }
  next(): bigint {
    this.#state = (this.#state + 0x9e3779b97f4a7c15n) & 0xffff_ffff_ffff_ffffn;
    let z = this.#state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & 0xffff_ffff_ffff_ffffn;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & 0xffff_ffff_ffff_ffffn;
    return z ^ (z >> 31n);
  }
  /** An integer in `[0, n)`. */
  below(n: number): number {
    return Number(this.next() % BigInt(n));
  }
  /** A number in `[0, 1)`. */
  unit(): number {
    return Number(this.next() >> 11n) / 2 ** 53;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.below(xs.length)];
  }
}

const hex = (n: bigint) => `0x${n.toString(16)}`;

/**
 * One trace: seeds alternate between two workloads - "mixed" (every kind
 * of operation, regions of many sizes and places) and "slabs" (small
 * objects on many CPUs, mostly freed on another one, then drained).
 */
export function randomTrace(seed: number): string {
  const r = new SplitMix64(BigInt(seed) * 0x2545f4914f6cdd1dn + 1n);
  const slabs = seed % 2 === 0;
  const cpus = r.pick(slabs ? [2, 4, 8, 64] : [1, 2, 3, 4]);
  const lines = [
    `# random-2026 trace ${seed} (${slabs ? "slabs" : "mixed"}): tools/random_traces_2026.ts`,
  ];
  lines.push(`cpus ${cpus}`);
  const offset = r.pick([0n, 0xffff_ffc0_0000_0000n]);
  if (offset !== 0n) lines.push(`offset ${hex(offset)}`);
  // Physical placement: usual kernel load addresses, just below 4 GiB (so
  // that DMA32 runs out), odd starts the allocators round.
  const base = r.pick([0x8020_0000n, 0x8040_0000n, 0xf000_0000n, 0xffc0_0000n, 0x4000_0000n]) +
    r.pick([0n, 0n, 8n, 0x123n, 0x1000n]);
  const size = BigInt(
    r.pick(
      slabs
        ? [0x40_0000, 0x80_0000, 0x200_0000, 0x30_1000]
        : [0x40_0000, 0x80_0000, 0x200_0000, 0x800_0000, 0x10_0000 + 77, 0x30_0000],
    ),
  );
  lines.push(`region ${hex(base + offset)} ${size}`);
  const regions: [bigint, bigint][] = [[base, base + size]];
  let end = base + size;
  // Half the traces call no alloc_dma32_pages: the TLSF panics at the first
  // (unimplemented there), and those traces keep it going to the end.
  const dma = r.unit() < 0.5;
  const live: { id: number; cpu: number }[] = [];
  let id = 0;
  let cpu = 0;
  const ops = 300 + r.below(slabs ? 2500 : 1500);
  for (let n = 0; n < ops; n++) {
    const x = r.unit();
    if (x < (slabs ? 0.2 : 0.06) && cpus > 1) {
      cpu = r.below(cpus);
      lines.push(`cpu ${cpu}`);
    } else if (x < 0.55) {
      const cls = r.pick([8, 16, 32, 64, 128, 256, 512, 1024, 2048]);
      const size = slabs
        ? r.pick([cls, cls - 1, cls + 1, (cls >> 1) + 1, 1 + r.below(2048)])
        : r.pick([0, 1, 24, 100, 2049, 4096, 5000, 65536, 1 << 20, 1 + r.below(3000), cls]);
      const align = r.pick(
        slabs ? [1, 8, 8, 16, 64, 2048, 4096, cls] : [1, 8, 8, 16, 64, 512, 4096, 8192, 3, 0],
      );
      lines.push(`a ${id} ${size} ${align}`);
      live.push({ id: id++, cpu });
    } else if (x < (slabs ? 0.6 : 0.64)) {
      const pages = r.pick(slabs ? [1, 2, 3, 8] : [0, 1, 1, 2, 3, 7, 16, 64, 513]);
      const align = r.pick(slabs ? [0, 4096, 8192] : [0, 4096, 8192, 0x1_0000, 0x20_0000, 100]);
      lines.push(`p ${id} ${pages} ${align}`);
      live.push({ id: id++, cpu });
    } else if (dma && x < (slabs ? 0.62 : 0.68)) {
      lines.push(`d ${id} ${r.pick([1, 2, 4])} ${r.pick([0, 4096])}`);
      live.push({ id: id++, cpu });
    } else if (!slabs && x < 0.7) {
      const at = r.pick([end, end + 4096n, end + 0x20_0000n + 13n, base - 0x10_0000n]);
      const bytes = BigInt(r.pick([0, 64, 4096, 0x10_0000, 0x40_0005]));
      if (regions.some(([s, e]) => at < e && s < at + bytes)) continue;
      regions.push([at, at + bytes]);
      if (at + bytes > end) end = at + bytes;
      lines.push(`add ${hex(at + offset)} ${bytes}`);
    } else if (live.length > 0) {
      // Slabs: mostly another CPU's object, the remote frees.
      let i = r.below(live.length);
      if (slabs && live[i].cpu === cpu && r.unit() < 0.7) i = r.below(live.length);
      lines.push(`f ${live[i].id}`);
      live.splice(i, 1);
    }
  }
  // Sometimes free everything left, on any CPU: the slabs drain and empty.
  if (r.unit() < 0.5) {
    while (live.length > 0) {
      if (cpus > 1 && r.unit() < 0.3) lines.push(`cpu ${r.below(cpus)}`);
      lines.push(`f ${live.splice(r.below(live.length), 1)[0].id}`);
    }
  }
  return lines.join("\n") + "\n";
}

/** The gzip of `text`. */
async function gzip(text: string): Promise<Uint8Array> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** What the native build `binary` prints for `trace` (it must exit 0). */
async function native(binary: string, trace: string): Promise<string> {
  const child = new Deno.Command(binary, { stdin: "piped", stdout: "piped", stderr: "piped" })
    .spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(trace));
  await writer.close();
  const { code, stdout, stderr } = await child.output();
  if (code !== 0) {
    throw new Error(`${binary} exited ${code}: ${new TextDecoder().decode(stderr).trim()}`);
  }
  return new TextDecoder().decode(stdout);
}

if (import.meta.main) {
  const { values } = parseArgs({ args: Deno.args, options: { seeds: { type: "string" } } });
  const [from, to = from] = (values.seeds ?? "1-24").split("-").map(Number);
  if (!(from >= 1 && to >= from)) {
    console.error("random_traces_2026: --seeds FROM-TO or --seeds N, e.g. 1-24");
    Deno.exit(2);
  }
  const dir = Deno.env.get("MMSIM_NATIVE_DIR") ??
    new URL("../../shared/native/", import.meta.url).pathname;
  for (const binary of ["nataxtlsf", "natbuddyslab"]) {
    try {
      Deno.statSync(`${dir}/${binary}`);
    } catch {
      console.error(
        `random_traces_2026: no native build ${dir}/${binary} (the real code prints the ` +
          "references; set MMSIM_NATIVE_DIR to where natbuddyslab and nataxtlsf are)",
      );
      Deno.exit(1);
    }
  }
  const out = new URL("../tests/fidelity/random-2026/", import.meta.url);
  Deno.mkdirSync(out, { recursive: true });
  for (let seed = from; seed <= to; seed++) {
    const trace = randomTrace(seed);
    const stem = `random-${seed}`;
    Deno.writeFileSync(new URL(`${stem}.trace.gz`, out), await gzip(trace));
    for (
      const [name, binary] of [["ax-alloc-tlsf", "nataxtlsf"], [
        "ax-alloc-buddy-slab",
        "natbuddyslab",
      ]]
    ) {
      const text = await native(`${dir}/${binary}`, trace);
      Deno.writeFileSync(new URL(`${stem}.${name}.expected.gz`, out), await gzip(text));
    }
    console.log(`${stem}: ${trace.split("\n").length - 1} lines`);
  }
}
