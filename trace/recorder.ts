/**
 * `--trace FILE`: records the global allocator's operations of a scenario
 * in the fidelity trace format, so its workload can be replayed
 * (`deno task replay --allocator global:tlsf FILE`) and benchmarked.
 *
 * @module
 */

import type { KernelMemory } from "../mm/axalloc/kernel_memory.ts";
import type { GlobalAllocator } from "../mm/axalloc/global_allocator.ts";
import { AllocError } from "../mm/allocator/alloc_error.ts";

/**
 * Collects trace lines. It wraps the kernel's global allocator so that
 * every `alloc`, `alloc_pages` and free made through it is recorded.
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
export class TraceRecorder {
  readonly #lines: string[] = ["# mmsim trace"];
  readonly #ids = new Map<number, number>();
  readonly #results: string[] = [];
  #window: { format(n: number): string } | undefined;
  #next = 0;

  /** Starts recording the global allocator of `kernel`. */
  attach(kernel: KernelMemory): void {
    const g: GlobalAllocator = kernel.global;
    const window = kernel.window;
    this.#window = window;
    this.#lines.push(`capacity ${g.palloc.capacity}`);
    const init = g.init.bind(g);
    const alloc = g.alloc.bind(g);
    const dealloc = g.dealloc.bind(g);
    const allocPages = g.allocPages.bind(g);
    const deallocPages = g.deallocPages.bind(g);
    const addMemory = g.addMemory.bind(g);
    g.init = (start, size) => {
      init(start, size);
      this.#lines.push(`region ${window.format(start)} ${size}`);
    };
    g.addMemory = (start, size) => {
      addMemory(start, size);
      this.#lines.push(`add ${window.format(start)} ${size}`);
    };
    g.alloc = (size, align) => this.#record(() => alloc(size, align), `a ID ${size} ${align}`);
    g.allocPages = (n, align) => this.#record(() => allocPages(n, align), `p ID ${n} ${align}`);
    g.dealloc = (ptr, size, align) => {
      dealloc(ptr, size, align);
      this.#free(ptr);
    };
    g.deallocPages = (ptr, n) => {
      deallocPages(ptr, n);
      this.#free(ptr);
    };
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

  #record(op: () => number, line: string): number {
    const id = this.#next++;
    try {
      const p = op();
      this.#ids.set(p, id);
      this.#lines.push(line.replace("ID", String(id)));
      this.#results.push(`${id} ${this.#window!.format(p)}`);
      return p;
    } catch (e) {
      this.#lines.push(line.replace("ID", String(id)));
      this.#results.push(`${id} ${e instanceof AllocError ? e.kind : "Error"}`);
      throw e;
    }
  }

  #free(ptr: number): void {
    const id = this.#ids.get(ptr);
    if (id !== undefined) {
      this.#ids.delete(ptr);
      this.#lines.push(`f ${id}`);
    }
  }
}
