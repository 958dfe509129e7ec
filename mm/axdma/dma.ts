/**
 * ArceOS `axdma`: coherent DMA memory, with CPU and bus addresses.
 *
 * Below 4 KiB a request comes from a DMA byte heap that, when it cannot
 * serve, grows once by up to 4 pages taken from the global page allocator
 * and marked uncached (those pages are never returned). From 4 KiB up, a
 * request takes `ceil(size / 4096)` pages aligned to `max(4096, align)`,
 * marked uncached until `deallocCoherent` restores them.
 *
 * @module
 */

import type { BusAddr, VirtAddr } from "../../hal/address.ts";
import { physToBus, virtToBus } from "../../hal/platform.ts";
import { AllocError, isAllocError } from "../allocator/alloc_error.ts";
import type { ByteAllocator } from "../allocator/traits.ts";
import { GLOBAL_PAGE_SIZE } from "../axalloc/global_allocator.ts";
import { createByteAllocator } from "../registry.ts";
import type { KernelMemory } from "../axalloc/kernel_memory.ts";
import { checkLayout } from "../allocator/layout.ts";

/** `DMAInfo`: where the CPU and a device see a coherent buffer. */
export interface DmaInfo {
  /** The buffer's kernel virtual address. */
  cpuAddr: VirtAddr;
  /** The address to program into the device. */
  busAddr: BusAddr;
}

/** How many pages the DMA byte heap grows by at most. */
export const DMA_HEAP_GROW_PAGES = 4;

/**
 * The DMA allocator of one kernel.
 *
 * @example DMA on a Raspberry Pi 4, whose bus sees RAM at +0xC000_0000
 * ```ts
 * import { KernelMemory } from "../axalloc/kernel_memory.ts";
 * import { DmaAllocator } from "./dma.ts";
 * const k = new KernelMemory({ platform: "aarch64-raspi4" });
 * k.finalInit();
 * const dma = new DmaAllocator(k);
 * const buf = dma.allocCoherent(8192, 4096);
 * console.log(buf.busAddr === k.virtToPhys(buf.cpuAddr) + 0xc000_0000n); // true
 * console.log(k.memoryAttribute(buf.cpuAddr)); // uncached
 * dma.deallocCoherent(buf, 8192, 4096);
 * ```
 */
export class DmaAllocator {
  readonly #kernel: KernelMemory;
  /**
   * The DMA byte heap: the kernel's byte allocator kind (a slab kernel gets a
   * buddy heap: a slab heap cannot start from the 16 KiB the heap grows by).
   */
  readonly heap: ByteAllocator;
  readonly #live = new Map<bigint, { size: number; align: number }>();

  /** Creates the DMA allocator of `kernel`. */
  constructor(kernel: KernelMemory) {
    this.#kernel = kernel;
    this.heap = createByteAllocator(kernel.global.kind === "slab" ? "buddy" : kernel.global.kind);
  }

  /** `phys_to_bus`. */
  physToBus(p: Parameters<typeof physToBus>[1]): BusAddr {
    return physToBus(this.#kernel.platform, p);
  }

  /** `virt_to_bus = phys_to_bus(virt_to_phys(v))`. */
  virtToBus(v: VirtAddr): BusAddr {
    return virtToBus(this.#kernel.platform, v);
  }

  /**
   * `alloc_coherent(layout)`. Failures are `AllocError`s. `maskBits` is the
   * device's DMA mask (default 32 bits, Linux's default): the real axdma
   * knows no mask and would hand the device a buffer it cannot reach, which
   * corrupts memory silently on hardware, so a buffer whose bus addresses
   * pass the mask, or the platform's DMA limit, is refused (`NoMemory`, as
   * Linux's `dma_alloc_coherent` returns NULL), naming both.
   */
  allocCoherent(size: number, align: number, maskBits = 32): DmaInfo {
    checkLayout(size, align);
    if (!Number.isInteger(maskBits) || maskBits < 12 || maskBits > 64) {
      throw new AllocError("InvalidParam", {
        reason: `a DMA mask of ${maskBits} bits: a device addresses 12 to 64 bits`,
      });
    }
    const cpuAddr = size >= GLOBAL_PAGE_SIZE ? this.#pages(size, align) : this.#bytes(size, align);
    const shadow = this.#kernel.shadow;
    const slot = size >= GLOBAL_PAGE_SIZE
      ? Math.ceil(size / GLOBAL_PAGE_SIZE) * GLOBAL_PAGE_SIZE
      : size;
    shadow?.allocated(this.#kernel.virtToPhys(cpuAddr), size, slot, "DMA buffer", undefined, align);
    const platform = this.#kernel.platform;
    const limit = platform.dmaLimit;
    const start = this.#kernel.virtToPhys(cpuAddr);
    const end = start + BigInt(size);
    const busEnd = this.virtToBus(cpuAddr) + BigInt(size);
    const mask = (1n << BigInt(maskBits)) - 1n;
    const why = limit !== undefined && end > limit
      ? `ends past ${platform.name}'s DMA limit 0x${limit.toString(16)}`
      : busEnd - 1n > mask
      ? `ends at bus address 0x${(busEnd - 1n).toString(16)}, past the device's ${maskBits}-bit ` +
        `DMA mask 0x${mask.toString(16)}`
      : undefined;
    if (why !== undefined) {
      // Give the memory back: a buffer the device cannot reach is no buffer.
      if (size >= GLOBAL_PAGE_SIZE) {
        const pages = Math.ceil(size / GLOBAL_PAGE_SIZE);
        this.#kernel.deallocPages(cpuAddr, pages);
        this.#kernel.setUncached(cpuAddr, pages, false);
      } else {
        this.heap.dealloc(this.#kernel.toLocal(cpuAddr), size, align);
        shadow?.freed(this.#kernel.virtToPhys(cpuAddr));
      }
      throw new AllocError("NoMemory", {
        reason: `DMA buffer at physical 0x${start.toString(16)} ${why}: the device cannot ` +
          "reach it (the real axdma would hand it over without a word)",
      });
    }
    this.#live.set(cpuAddr, { size, align });
    return { cpuAddr, busAddr: this.virtToBus(cpuAddr) };
  }

  /** `dealloc_coherent(dma, layout)`: frees, and restores caching on pages. */
  deallocCoherent(info: DmaInfo, size: number, align: number): void {
    const live = this.#live.get(info.cpuAddr);
    if (live === undefined) {
      const shadow = this.#kernel.shadow;
      if (shadow !== undefined) {
        throw shadow.badFree(
          this.#kernel.virtToPhys(info.cpuAddr),
          "dealloc_coherent",
          "NotAllocated",
          `NotAllocated: DMA buffer at 0x${info.cpuAddr.toString(16)} is not allocated`,
        );
      }
      throw new AllocError("NotAllocated", {
        reason: `DMA buffer at 0x${info.cpuAddr.toString(16)} is not allocated`,
      });
    }
    if (live.size !== size || live.align !== align) {
      throw new AllocError("InvalidParam", {
        reason: `DMA buffer was allocated with size ${live.size} align ${live.align}, ` +
          `freed with size ${size} align ${align}`,
      });
    }
    if (size >= GLOBAL_PAGE_SIZE) {
      const pages = Math.ceil(size / GLOBAL_PAGE_SIZE);
      this.#kernel.deallocPages(info.cpuAddr, pages);
      this.#kernel.setUncached(info.cpuAddr, pages, false);
    } else {
      this.heap.dealloc(this.#kernel.toLocal(info.cpuAddr), size, align);
      this.#kernel.shadow?.freed(this.#kernel.virtToPhys(info.cpuAddr));
    }
    this.#live.delete(info.cpuAddr);
  }

  #pages(size: number, align: number): VirtAddr {
    const pages = Math.ceil(size / GLOBAL_PAGE_SIZE);
    const v = this.#kernel.allocPages(pages, Math.max(GLOBAL_PAGE_SIZE, align));
    this.#kernel.setUncached(v, pages, true);
    return v;
  }

  #bytes(size: number, align: number): VirtAddr {
    let expanded = false;
    for (;;) {
      try {
        return this.#kernel.toVirt(this.heap.alloc(size, align));
      } catch (e) {
        if (!isAllocError(e)) throw e;
        if (expanded) throw e;
      }
      expanded = true;
      const pages = Math.min(DMA_HEAP_GROW_PAGES, this.#kernel.availablePages());
      const v = this.#kernel.allocPages(pages, GLOBAL_PAGE_SIZE);
      this.#kernel.setUncached(v, pages, true);
      // The DMA heap's pages are the heap's, not the script's: only its buffers are.
      this.#kernel.shadow?.release(this.#kernel.virtToPhys(v), pages * GLOBAL_PAGE_SIZE);
      this.heap.addMemory(this.#kernel.toLocal(v), pages * GLOBAL_PAGE_SIZE);
    }
  }
}
