/**
 * The progress line of a long benchmark: what it is doing, how many of its
 * steps are done, their rate and the time left, rewritten in place on
 * standard error when that is a terminal, and nothing in a pipe or a log.
 *
 * @module
 */

/**
 * Counts a benchmark's steps and shows them on one terminal line.
 *
 * @example
 * ```ts
 * import { Progress } from "./progress.ts";
 * const p = new Progress(3, "rounds");
 * for (let i = 0; i < 3; i++) {
 *   p.show("churn");
 *   p.step();
 * }
 * p.clear();
 * ```
 */
export class Progress {
  readonly #total: number;
  readonly #unit: string;
  readonly #terminal = Deno.stderr.isTerminal();
  readonly #encoder = new TextEncoder();
  readonly #started = performance.now();
  #done = 0;

  /** `total` steps, named `unit` on the line ("rounds", "processes"). */
  constructor(total: number, unit: string) {
    this.#total = total;
    this.#unit = unit;
  }

  /** Shows `label`, the steps done, their rate and the time left (on a terminal only). */
  show(label: string): void {
    if (!this.#terminal) return;
    const elapsed = (performance.now() - this.#started) / 1000;
    const rate = this.#done / Math.max(elapsed, 1e-3);
    const left = this.#done === 0 ? "?" : `${Math.round((this.#total - this.#done) / rate)} s`;
    const unit = this.#unit;
    this.#write(
      `\r\x1b[K${label}: ${this.#done}/${this.#total} ${unit}, ${
        rate.toFixed(2)
      } ${unit}/s, ${left} left`,
    );
  }

  /** One more step done. */
  step(): void {
    this.#done++;
  }

  /** Erases the line (before other output, and at the end). */
  clear(): void {
    if (this.#terminal) this.#write("\r\x1b[K");
  }

  #write(text: string): void {
    Deno.stderr.writeSync(this.#encoder.encode(text));
  }
}
