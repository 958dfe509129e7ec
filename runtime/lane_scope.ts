/**
 * The variables of a `parallel` lane that runs inside a procedure: its own
 * (what its `let`, `for` and `using` declare), over the procedure's. A lane
 * at the top level has a plain map of its own, over the script's variables.
 * Each lane is a task of its own: two lanes that declare the same name have
 * a variable each, as two threads' locals are, and share only what was
 * there before the `parallel`.
 *
 * @module
 */

import type { Value } from "./values.ts";

/**
 * A lane's scope over its procedure's locals: reads find the lane's own
 * variables first, assignments change the variable found, declarations
 * ({@linkcode LaneScope.declare}) make one of the lane's own.
 *
 * @example
 * ```ts
 * import { LaneScope } from "./lane_scope.ts";
 * const proc = new Map([["n", 1n]]);
 * const lane = new LaneScope(proc);
 * lane.declare("i", 0n);
 * lane.set("n", 2n); // the procedure's n
 * console.log(proc.get("n"), proc.has("i")); // 2n false
 * ```
 */
export class LaneScope extends Map<string, Value> {
  readonly #parent: Map<string, Value>;

  /** A lane's scope over `parent`, the procedure's variables (or an outer lane's). */
  constructor(parent: Map<string, Value>) {
    super();
    this.#parent = parent;
  }

  /** The lane's variable `name`, else the procedure's. */
  override get(name: string): Value | undefined {
    return super.has(name) ? super.get(name) : this.#parent.get(name);
  }

  /** Whether the lane or the procedure has a variable `name`. */
  override has(name: string): boolean {
    return super.has(name) || this.#parent.has(name);
  }

  /** Assigns the variable `name` where it is: the lane's, else the procedure's, else a new lane one. */
  override set(name: string, value: Value): this {
    if (!super.has(name) && this.#parent.has(name)) this.#parent.set(name, value);
    else super.set(name, value);
    return this;
  }

  /** Declares `name` as the lane's own (`let`, a `for` variable, `using`). */
  declare(name: string, value: Value): void {
    super.set(name, value);
  }
}
