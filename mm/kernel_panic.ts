/**
 * A kernel panic: where the modelled code panics (`handle_alloc_error`, a
 * failed assertion, an index out of bounds, `unimplemented!()`), mmsim
 * stops the simulated kernel with the reason instead of carrying on.
 *
 * @module
 */

import { SimError } from "../hal/sim_error.ts";

/**
 * The simulated kernel panicked (`handle_alloc_error`, or a failed
 * assertion of the modelled code). The simulation stops; the simulator
 * does not crash.
 *
 * @example
 * ```ts
 * import { KernelPanic } from "./kernel_panic.ts";
 * const p = new KernelPanic("index out of bounds in add_to_heap");
 * console.log(p.message); // kernel panicked: index out of bounds in add_to_heap
 * ```
 */
export class KernelPanic extends SimError {
  /** The codes of this class. */
  static readonly codes: readonly string[] = ["KernelPanic"];
  /** The error class's name. */
  override readonly name = "KernelPanic";
  /** What the kernel printed, without the `panicked:` prefix. */
  readonly reason: string;
  /** The failed request, for allocation failures. */
  readonly request: { size: number; align: number } | undefined;
  /** Bytes the allocator had available when it failed. */
  readonly availableBytes: number | undefined;
  /** Creates the panic report. */
  constructor(
    reason: string,
    details: { request?: { size: number; align: number }; availableBytes?: number } = {},
  ) {
    super("KernelPanic", `kernel panicked: ${reason}`);
    this.reason = reason;
    this.request = details.request;
    this.availableBytes = details.availableBytes;
  }
}
