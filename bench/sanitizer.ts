/**
 * What the sanitizer costs: the 100,000-statement script, a write-heavy
 * script and an allocation-heavy one with the sanitizer on and off
 * (alternating, best of five, or nine, each, in one process), and a leak
 * check over 100,000 live objects.
 *
 * @module
 */

import { Interpreter } from "../runtime/interpreter.ts";
import { load } from "../runtime/loader.ts";
import { World } from "../runtime/world.ts";
import { generatedScript } from "./language.ts";

/** A script that moves megabytes through `fill`, `copy` and `write64`. */
export function writeHeavyScript(): string {
  return [
    "final_init()",
    "let p = alloc_pages(1024, 4K)", // 4 MiB of pages
    "let k = kmalloc(4096)",
    "repeat 16 { fill(p, 2M, 7); copy(p + 2M, p, 2M) }",
    "for i in 0..20000 { write64(k + (i % 512) * 8, i) }",
    "expect compare(p, p + 2M, 2M) == 0",
  ].join("\n") + "\n";
}

/**
 * An allocation-heavy script: `pairs` kmalloc/kfree pairs of one size, the
 * sanitizer's worst case (it records every object and poisons every free).
 */
export function allocationHeavyScript(pairs = 300_000): string {
  return `repeat ${pairs} { let k = kmalloc(64); kfree(k) }\n`;
}

/** Parses and runs `text` once; milliseconds. */
export function timeScript(text: string, sanitize: boolean): number {
  const t0 = performance.now();
  const script = load("bench.mms", { read: () => text }, text);
  if (script.problems.length > 0) throw new Error(script.problems[0].message);
  new Interpreter(new World({ sanitize }), () => {}).run(script);
  return performance.now() - t0;
}

/** Best of `runs` alternating runs with the sanitizer on and off: [on, off] ms. */
export function compare(text: string, runs = 5): [number, number] {
  let on = Infinity;
  let off = Infinity;
  for (let i = 0; i < runs; i++) {
    off = Math.min(off, timeScript(text, false));
    on = Math.min(on, timeScript(text, true));
  }
  return [on, off];
}

/** Milliseconds of a leak check over `n` live kmalloc objects (each one referenced by the next). */
export function timeLeakCheck(n = 100_000): number {
  const text = `let prev = 0\nrepeat ${n} { let k = kmalloc(32); write64(k, prev); prev = k }\n`;
  const script = load("leaks.mms", { read: () => text }, text);
  const world = new World();
  new Interpreter(world, () => {}).run(script);
  const t0 = performance.now();
  const leaks = world.leaks();
  const ms = performance.now() - t0;
  if (leaks.length !== 0) throw new Error(`${leaks.length} leaks in a chain that holds them all`);
  return ms;
}

if (import.meta.main) {
  const [bigOn, bigOff] = compare(generatedScript());
  const [writeOn, writeOff] = compare(writeHeavyScript());
  const [allocOn, allocOff] = compare(allocationHeavyScript(), 9);
  const leak = Math.min(timeLeakCheck(), timeLeakCheck());
  const ratio = (on: number, off: number, goal: number) =>
    `${(on / off).toFixed(2)}x (${on.toFixed(0)} / ${off.toFixed(0)} ms) | <= ${goal}x: ${
      on / off <= goal ? "met" : "not met"
    }`;
  console.log([
    "| sanitizer benchmark | result | goal |",
    "| --- | ---: | --- |",
    `| 100,000-statement script, sanitizer on vs off | ${ratio(bigOn, bigOff, 1.3)} |`,
    `| write-heavy script (fill, copy, write64 of megabytes), on vs off | ${
      ratio(writeOn, writeOff, 1.5)
    } |`,
    `| allocation-heavy script (300,000 kmalloc/kfree pairs), on vs off | ${
      ratio(allocOn, allocOff, 1.3)
    } |`,
    `| leak check over 100,000 live objects | ${leak.toFixed(0)} ms | < 1000 ms: ${
      leak < 1000 ? "met" : "not met"
    } |`,
  ].join("\n"));
}
