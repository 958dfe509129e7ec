/**
 * `--trace FILE`: records the global allocator's operations of a scenario
 * in the fidelity trace format, so its workload can be replayed
 * (`deno task replay --allocator global:tlsf FILE`) and benchmarked.
 *
 * @module
 */

import type { KernelMemory } from "../mm/axalloc/kernel_memory.ts";
import type { GlobalAllocatorObserver } from "../mm/axalloc/global_allocator.ts";
import type { AddressWindow } from "../hal/address.ts";
import { AllocError } from "../mm/allocator/alloc_error.ts";

/**
 * Collects trace lines: it observes the kernel's global allocator, so that
 * every `alloc`, `alloc_pages`, free and added region is recorded.
 *
 * @example
 * ```ts
 * import { TraceRecorder } from "./recorder.ts";
 * import { KernelMemory } from "../mm/axalloc/kernel_memory.ts";
 * const rec = new TraceRecorder();
 * const k = new KernelMemory();
 * rec.attach(k);
 * k.finalInit();
 * const p = k.alloc(64, 8);
 * k.dealloc(p, 64, 8);
 * console.log(rec.text().split("\n").slice(2, 5)); // region ..., a 0 64 8, f 0
 * ```
 */
export class TraceRecorder implements GlobalAllocatorObserver {
  readonly #lines: string[] = ["# mmsim trace"];
  readonly #ids = new Map<number, number>();
  readonly #results: string[] = [];
  #window: AddressWindow | undefined;
  #next = 0;

  /** Starts recording the global allocator of `kernel` (through its observer hook). */
  attach(kernel: KernelMemory): void {
    this.#window = kernel.window;
    const capacity = kernel.global.pageCapacity;
    if (capacity !== undefined) this.#lines.push(`capacity ${capacity}`);
    if (kernel.profile !== "classic") {
      const name = kernel.profile === "2026-tlsf" ? "ax-alloc-tlsf" : "ax-alloc-buddy-slab";
      this.#lines.push(
        `# ArceOS ${kernel.profile}: deno task replay --allocator ${name} THIS_FILE`,
        `cpus ${kernel.cpus}`,
        `offset 0x${kernel.platform.physVirtOffset.toString(16)}`,
      );
    }
    kernel.global.observe(this);
  }

  /** The trace text. */
  text(): string {
    return this.#lines.join("\n") + "\n";
  }

  /**
   * What each recorded allocation got, one `ID 0xADDR` or `ID ErrorName`
   * line each, as a replay of {@linkcode TraceRecorder.text} prints them.
   */
  results(): string[] {
    return [...this.#results];
  }

  /** Records `global_init`: the trace's `region` line. */
  init(start: number, size: number): void {
    this.#lines.push(`region ${this.#format(start)} ${size}`);
  }

  /** Records `global_add_memory`: an `add` line. */
  addMemory(start: number, size: number): void {
    this.#lines.push(`add ${this.#format(start)} ${size}`);
  }

  /** Records a byte allocation: an `a` line. */
  alloc(size: number, align: number, result: number | Error): void {
    this.#record(`a ID ${size} ${align}`, result);
  }

  /** Records a page allocation: a `p` line. */
  allocPages(numPages: number, alignPow2: number, result: number | Error): void {
    this.#record(`p ID ${numPages} ${alignPow2}`, result);
  }

  /** Records a DMA32 page allocation (ArceOS 2026): a `d` line. */
  allocDma32Pages(numPages: number, alignPow2: number, result: number | Error): void {
    this.#record(`d ID ${numPages} ${alignPow2}`, result);
  }

  /** Records that the calls after this run on CPU `k`: a `cpu` line. */
  cpu(k: number): void {
    this.#lines.push(`cpu ${k}`);
  }

  /** Records a byte free: an `f` line. */
  dealloc(ptr: number): void {
    this.#free(ptr);
  }

  /** Records a page free: an `f` line. */
  deallocPages(ptr: number): void {
    this.#free(ptr);
  }

  #format(n: number): string {
    return this.#window === undefined ? String(n) : this.#window.format(n);
  }

  #record(line: string, result: number | Error): void {
    const id = this.#next++;
    this.#lines.push(line.replace("ID", String(id)));
    if (typeof result === "number") {
      this.#ids.set(result, id);
      this.#results.push(`${id} ${this.#format(result)}`);
    } else this.#results.push(`${id} ${result instanceof AllocError ? result.kind : "Error"}`);
  }

  #free(ptr: number): void {
    const id = this.#ids.get(ptr);
    if (id !== undefined) {
      this.#ids.delete(ptr);
      this.#lines.push(`f ${id}`);
    }
  }
}
