/**
 * "Did you mean ...?": the closest known name to a misspelt one.
 *
 * @module
 */

/** Names longer than this get no suggestion: no builtin is, and a typo of one is not a typo. */
export const MAX_SUGGESTED_LENGTH = 64;

/**
 * Levenshtein edit distance, or `Infinity` once it is certainly above
 * `limit`. Only the diagonal band of width `2 * limit + 1` is computed, so
 * the work is bounded by the shorter name's length times the limit.
 *
 * @example
 * ```ts
 * import { editDistance } from "./suggest.ts";
 * console.log(editDistance("kmaloc", "kmalloc"), editDistance("a".repeat(1000), "b", 2)); // 1 Infinity
 * ```
 */
export function editDistance(a: string, b: string, limit = Infinity): number {
  if (Math.abs(a.length - b.length) > limit) return Infinity;
  if (a.length < b.length) [a, b] = [b, a];
  const band = Math.min(limit, a.length);
  const big = a.length + b.length + 1;
  let prev = new Array<number>(b.length + 1);
  let row = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j <= band ? j : big;
  for (let i = 1; i <= a.length; i++) {
    const lo = Math.max(1, i - band);
    const hi = Math.min(b.length, i + band);
    row.fill(big);
    row[0] = i <= band ? i : big;
    let rowMin = row[0];
    for (let j = lo; j <= hi; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      const v = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost);
      row[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > limit) return Infinity;
    [prev, row] = [row, prev];
  }
  return prev[b.length] > limit ? Infinity : prev[b.length];
}

/**
 * The closest of `known` to `name`, if it is close enough to be a typo
 * (at most a third of its letters wrong, at least 2 allowed); the first of
 * equally close ones, so callers list the likeliest names first. A name
 * longer than {@linkcode MAX_SUGGESTED_LENGTH} gets none.
 *
 * @example
 * ```ts
 * import { closest } from "./suggest.ts";
 * console.log(closest("kmaloc", ["kmalloc", "kfree"])); // kmalloc
 * ```
 */
export function closest(name: string, known: Iterable<string>): string | undefined {
  if (name.length > MAX_SUGGESTED_LENGTH) return undefined;
  let best: string | undefined;
  let bestD = Infinity;
  const limit = Math.max(2, Math.floor(name.length / 3));
  const lower = name.toLowerCase();
  for (const k of known) {
    if (k.length > MAX_SUGGESTED_LENGTH || Math.abs(k.length - name.length) > limit) continue;
    const d = editDistance(lower, k.toLowerCase(), Math.min(limit, bestD - 1));
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return bestD <= limit ? best : undefined;
}
