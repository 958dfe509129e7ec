/**
 * Which expressions of a script are addresses, so that `print` and string
 * interpolation show them in hex whatever their size (a physical address
 * of x86_64 or the Raspberry Pi 4 lies below 2^28, where other integers
 * print in decimal). Decided from the text, once per script: calls of the
 * builtins and methods that return addresses, the fields and constants
 * that are addresses, variables a script sets to an address, and an
 * address plus or minus an offset (the difference of two addresses is a
 * size).
 *
 * @module
 */

import type { Expr, Program, Stmt } from "../dsl/ast.ts";
import { forEachChild } from "../dsl/walk.ts";

/** Builtins that return an address. */
const ADDRESS_CALLS: ReadonlySet<string> = new Set([
  "alloc",
  "alloc_pages",
  "alloc_pages_at",
  "heap_start",
  "virt_to_phys",
  "phys_to_virt",
  "phys_to_bus",
  "virt_to_bus",
  "kmalloc",
  "kzalloc",
  "translate",
  // allocator handles and block sets
  "try_alloc",
  "try_alloc_pages",
  "pick",
  "first",
]);

/** Builtins whose result is an address when their first argument is. */
const PASSING_CALLS: ReadonlySet<string> = new Set(["align_up", "align_down", "min", "max"]);

/** Fields that hold addresses. */
const ADDRESS_FIELDS: ReadonlySet<string> = new Set([
  "cpu_addr",
  "bus_addr",
  "start_vaddr",
  "start_paddr",
  "addr_phys",
  "root",
  "paddr",
  "vaddr",
]);

/** Constants that are addresses. */
const ADDRESS_CONSTANTS: ReadonlySet<string> = new Set([
  "_skernel",
  "_ekernel",
  "kernel_paddr",
  "phys_memory_base",
  "phys_virt_offset",
  "bus_offset",
  "subject_base",
]);

/**
 * The address expressions of a set of programs.
 *
 * @example
 * ```ts
 * import { parse } from "../dsl/parser.ts";
 * import { AddressHints } from "./address_hint.ts";
 * const { program } = parse("let p = kmalloc(64)\nprint p + 8\nprint 3 + 4\n", "t.mms");
 * const hints = new AddressHints([program]);
 * const shown = program.body.filter((s) => s.kind === "print").map((s) => hints.isAddress(s.value));
 * console.log(shown); // [ true, false ]
 * ```
 */
export class AddressHints {
  /** Variables some `let` or assignment sets to an address. */
  readonly #names = new Set<string>();
  readonly #cache = new WeakMap<Expr, boolean>();

  /** The hints of `programs` (a script and its includes). */
  constructor(programs: Iterable<Program>) {
    const sets: { name: string; value: Expr }[] = [];
    const visit = (stmts: readonly Stmt[]): void => {
      for (const s of stmts) {
        if (s.kind === "let" || s.kind === "assign") sets.push({ name: s.name, value: s.value });
        forEachChild(s, () => {}, visit);
      }
    };
    for (const p of programs) visit(p.body);
    // `let q = p + 16` is an address once `p` is known to be one: to a fixpoint.
    for (let changed = true; changed;) {
      changed = false;
      for (const { name, value } of sets) {
        if (!this.#names.has(name) && this.#judge(value)) {
          this.#names.add(name);
          changed = true;
        }
      }
    }
  }

  /** Whether `e` is an address (its value prints in hex). */
  isAddress(e: Expr): boolean {
    let known = this.#cache.get(e);
    if (known === undefined) {
      known = this.#judge(e);
      this.#cache.set(e, known);
    }
    return known;
  }

  #judge(e: Expr): boolean {
    switch (e.kind) {
      case "name":
        return this.#names.has(e.name) || ADDRESS_CONSTANTS.has(e.name);
      case "field":
        return ADDRESS_FIELDS.has(e.name);
      case "call": {
        const name = e.callee.kind === "name"
          ? e.callee.name
          : e.callee.kind === "field"
          ? e.callee.name
          : undefined;
        if (name === undefined) return false;
        if (ADDRESS_CALLS.has(name)) return true;
        return PASSING_CALLS.has(name) && e.args.length > 0 && this.#judge(e.args[0]);
      }
      case "binary": {
        const [l, r] = [this.#judge(e.left), this.#judge(e.right)];
        if (e.op === "+") return l !== r;
        if (e.op === "-") return l && !r;
        if (e.op === "&" || e.op === "|") return l || r;
        return false;
      }
      default:
        return false;
    }
  }
}
