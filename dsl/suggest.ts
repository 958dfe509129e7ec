/**
 * "Did you mean ...?": the closest known name to a misspelt one.
 *
 * @module
 */

/**
 * Levenshtein edit distance, or `Infinity` once it is certainly above
 * `limit` (names whose lengths differ by more are not compared at all, and
 * a row whose every entry is past the limit stops the scan): bounded work
 * for a hostile megabyte-long name.
 *
 * @example
 * ```ts
 * import { editDistance } from "./suggest.ts";
 * console.log(editDistance("kmaloc", "kmalloc"), editDistance("a".repeat(1000), "b", 2)); // 1 Infinity
 * ```
 */
export function editDistance(a: string, b: string, limit = Infinity): number {
  if (Math.abs(a.length - b.length) > limit) return Infinity;
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
      if (prev[j] < rowMin) rowMin = prev[j];
    }
    if (rowMin > limit) return Infinity;
  }
  return prev[b.length];
}

/**
 * The closest of `known` to `name`, if it is close enough to be a typo.
 *
 * @example
 * ```ts
 * import { closest } from "./suggest.ts";
 * console.log(closest("kmaloc", ["kmalloc", "kfree"])); // kmalloc
 * ```
 */
export function closest(name: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  const limit = Math.max(2, Math.floor(name.length / 3));
  const lower = name.toLowerCase();
  for (const k of known) {
    const d = editDistance(lower, k.toLowerCase(), Math.min(limit, bestD - 1));
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return bestD <= limit ? best : undefined;
}
