/**
 * The conformance suite: `.mms` scripts (`conformance/suite/`) that state
 * the contracts of each allocator API, and the runner that holds an
 * allocator (one of mmsim's, or a user's) to them.
 *
 * @example
 * ```ts
 * import { builtinTarget, parseHeader, runConformance } from "@mmsim/mmsim/conformance";
 * const script = parseHeader("c.mms", "# interface: ByteAllocator\n# level: contract\n" +
 *   'contract "alloc" { let h = subject(); expect h.alloc(8, 8) % 8 == 0 }\n');
 * console.log(runConformance(script, builtinTarget("tlsf")!)[0].ok); // true
 * ```
 *
 * @module
 */

export * from "./runner.ts";
export * from "./fuzz.ts";
export {
  type IsolatedEvent,
  type IsolatedOptions,
  type IsolatedOutcome,
  runIsolated,
} from "./isolated.ts";
export { type ContainedOptions, type ContainedOutcome, runContained } from "./contained.ts";
export type { RemoteSpec, TargetSpec } from "./protocol.ts";
export type { Subject } from "../runtime/world.ts";
export { ALLOCATORS, type ByteAllocatorKind } from "../mm/registry.ts";
export type {
  BaseAllocator,
  ByteAllocator,
  IdAllocator,
  PageAllocator,
} from "../mm/allocator/traits.ts";
