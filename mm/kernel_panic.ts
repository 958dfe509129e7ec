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
  /**
   * Where the kernel panicked (`FILE:LINE`), set by whoever knows: the
   * script runner stamps the statement that raised it.
   */
  where: string | undefined;
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

/**
 * A call into a kernel that has panicked: a halted kernel runs nothing
 * more, and every later call says where it stopped and why.
 *
 * @example
 * ```ts
 * import { KernelHalted, KernelPanic } from "./kernel_panic.ts";
 * const p = new KernelPanic("memory allocation of 1073741824 bytes failed");
 * p.where = "boot.mms:12";
 * console.log(new KernelHalted(p).message);
 * // the kernel halted at boot.mms:12: memory allocation of 1073741824 bytes failed
 * ```
 */
export class KernelHalted extends SimError {
  /** The codes of this class. */
  static readonly codes: readonly string[] = ["KernelHalted"];
  /** The error class's name. */
  override readonly name = "KernelHalted";
  /** The panic that halted the kernel. */
  readonly panic: KernelPanic;
  /** Creates the report of a call into the halted kernel. */
  constructor(panic: KernelPanic) {
    super(
      "KernelHalted",
      `the kernel halted${panic.where === undefined ? "" : ` at ${panic.where}`}: ${panic.reason}`,
    );
    this.panic = panic;
  }
}
