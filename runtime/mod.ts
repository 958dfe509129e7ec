/**
 * The `.mms` language: its parser (Chevrotain), checks and diagnostics, and
 * the runtime that runs a script on a simulated world.
 *
 * @example
 * ```ts
 * import { Interpreter, load, World } from "@mmsim/mmsim/language";
 * const script = load("demo.mms", { read: () => "" }, "final_init()\nprint alloc(64, 8) % 8\n");
 * new Interpreter(new World(), (e) => console.log(e.text)).run(script); // 0
 * ```
 *
 * @module
 */

export type * from "../dsl/ast.ts";
export * from "../dsl/int_range.ts";
export * from "../dsl/parser.ts";
export * from "../dsl/check.ts";
export * from "../dsl/walk.ts";
export * from "../dsl/diagnostics.ts";
export * from "./values.ts";
export * from "./errors.ts";
export * from "./world.ts";
export * from "./loader.ts";
export * from "./interpreter.ts";
export * from "./builtins.ts";
