/**
 * The builtins and constants of `.mms` scripts, assembled from one file per
 * subsystem (`runtime/builtins/`): `--help`, the checker's arity checks and
 * the docs test read this one table.
 *
 * @module
 */

import type { Value } from "./values.ts";
import type { World } from "./world.ts";
import type { Builtin, BuiltinGroup, Constant } from "./builtins/args.ts";
import { BOOT } from "./builtins/boot.ts";
import { MEMORY } from "./builtins/memory.ts";
import { DMA } from "./builtins/dma.ts";
import { ALLOCATOR_LIBRARY } from "./builtins/allocators.ts";
import { DRAGONOS } from "./builtins/dragonos.ts";
import { REPORTS } from "./builtins/reports.ts";
import { NUMBERS } from "./builtins/numbers.ts";
import { CONFORMANCE } from "./builtins/conformance.ts";
import { CPUS } from "./builtins/cpus.ts";

export type { Builtin, BuiltinGroup, Constant } from "./builtins/args.ts";
export { MAX_STRING_BYTES } from "./builtins/args.ts";
export { SUBJECT_BYTES, SUBJECT_IDS, SUBJECT_PAGES } from "./builtins/conformance.ts";

/** The groups of builtins, in the order `--help` lists them. */
export const BUILTIN_GROUPS: readonly BuiltinGroup[] = [
  BOOT,
  CPUS,
  MEMORY,
  DMA,
  ALLOCATOR_LIBRARY,
  DRAGONOS,
  REPORTS,
  NUMBERS,
  CONFORMANCE,
];

function assemble<T>(part: (g: BuiltinGroup) => Readonly<Record<string, T>>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const g of BUILTIN_GROUPS) {
    for (const [name, v] of Object.entries(part(g))) {
      if (name in out) throw new Error(`builtin or constant '${name}' is declared twice`);
      out[name] = v;
    }
  }
  return out;
}

/** The builtin functions, by name. */
export const BUILTINS: Readonly<Record<string, Builtin>> = assemble((g) => g.builtins);

const CONSTANT_TABLE: Readonly<Record<string, Constant>> = assemble((g) => g.constants);

/** The names of every constant. */
export const CONSTANT_NAMES: readonly string[] = Object.keys(CONSTANT_TABLE);

/**
 * A named constant's value on `w` (the platform's, or the modelled APIs');
 * undefined for an unknown name or one that has no value here.
 *
 * @example
 * ```ts
 * import { constant } from "./builtins.ts";
 * import { World } from "./world.ts";
 * console.log(constant(new World(), "_skernel")); // 18446743801051119616n
 * ```
 */
export function constant(w: World, name: string): Value | undefined {
  return Object.hasOwn(CONSTANT_TABLE, name) ? CONSTANT_TABLE[name](w) : undefined;
}
