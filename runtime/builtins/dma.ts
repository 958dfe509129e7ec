/**
 * Builtins of `axdma` and address conversion: coherent DMA buffers, the
 * linear mapping, bus addresses, page caching attributes.
 *
 * @module
 */

import { AddressRangeError, phys, U64_MAX, virt } from "../../hal/address.ts";
import { physToBus, physToVirt, virtToBus, virtToPhys } from "../../hal/platform.ts";
import type { DmaInfo } from "../../mm/axdma/dma.ts";
import { ScriptError } from "../errors.ts";
import { Rec } from "../values.ts";
import type { World } from "../world.ts";
import { type BuiltinGroup, int, num } from "./args.ts";

function dmaRec(info: DmaInfo, size: bigint, align: bigint): Rec {
  return new Rec("DMAInfo", { cpu_addr: info.cpuAddr, bus_addr: info.busAddr, size, align });
}

/** `v`, a kernel virtual address of the linear mapping; anything below it would wrap. */
function linear(w: World, v: bigint, call: string): bigint {
  const offset = w.platform.physVirtOffset;
  if (v < offset) {
    throw new AddressRangeError(
      v,
      `${call}(0x${v.toString(16)}): not an address of ${w.platform.name}'s linear mapping ` +
        `(it starts at 0x${offset.toString(16)}); the subtraction would wrap`,
    );
  }
  return v;
}

/** `p`, when `p + offset` stays below 2^64; past it the sum would wrap. */
function fits(p: bigint, offset: bigint, call: string): bigint {
  if (p + offset > U64_MAX) {
    throw new AddressRangeError(
      p,
      `${call}(0x${p.toString(16)}): 0x${p.toString(16)} + 0x${
        offset.toString(16)
      } passes 2^64; the sum would wrap`,
    );
  }
  return p;
}

/** DMA and address conversion. */
export const DMA: BuiltinGroup = {
  title: "DMA and address conversion",
  builtins: {
    alloc_coherent: {
      params: ["size", "align", "mask_bits?"],
      doc:
        "axdma alloc_coherent: a DMAInfo {cpu_addr, bus_addr}; pages marked uncached; a buffer past the device's DMA mask (default 32 bits) is refused",
      fn: (w, [s, a, m]) => {
        const align = num(a, "align");
        const info = w.dma.allocCoherent(
          num(s, "size"),
          align,
          m === undefined ? undefined : num(m, "mask_bits"),
        );
        w.checkPageAlignment(`alloc_coherent(${int(s, "size")}, ${align})`, info.cpuAddr, align);
        return dmaRec(info, int(s, "size"), int(a, "align"));
      },
    },
    dealloc_coherent: {
      params: ["dma"],
      doc: "axdma dealloc_coherent of a DMAInfo from alloc_coherent",
      fn: (w, [d]) => {
        if (!(d instanceof Rec) || d.type !== "DMAInfo") {
          throw new ScriptError("dealloc_coherent takes a DMAInfo");
        }
        const f = d.fields;
        w.dma.deallocCoherent(
          {
            cpuAddr: virt(int(f.cpu_addr, "cpu_addr")),
            busAddr: int(f.bus_addr, "bus_addr") as never,
          },
          num(f.size, "size"),
          num(f.align, "align"),
        );
        return null;
      },
    },
    virt_to_phys: {
      params: ["vaddr"],
      doc: "the linear mapping, virtual to physical",
      fn: (w, [v]) => virtToPhys(w.platform, virt(linear(w, int(v, "vaddr"), "virt_to_phys"))),
    },
    phys_to_virt: {
      params: ["paddr"],
      doc: "the linear mapping, physical to virtual",
      fn: (w, [p]) =>
        physToVirt(
          w.platform,
          phys(fits(int(p, "paddr"), w.platform.physVirtOffset, "phys_to_virt")),
        ),
    },
    phys_to_bus: {
      params: ["paddr"],
      doc: "phys_to_bus: adds the platform's bus offset",
      fn: (w, [p]) =>
        physToBus(w.platform, phys(fits(int(p, "paddr"), w.platform.physBusOffset, "phys_to_bus"))),
    },
    virt_to_bus: {
      params: ["vaddr"],
      doc: "virt_to_bus = phys_to_bus(virt_to_phys(v))",
      fn: (w, [v]) => {
        const pa = virtToPhys(w.platform, virt(linear(w, int(v, "vaddr"), "virt_to_bus")));
        fits(pa, w.platform.physBusOffset, "virt_to_bus");
        return virtToBus(w.platform, virt(int(v, "vaddr")));
      },
    },
    memory_attribute: {
      params: ["vaddr"],
      doc: "the caching attribute of a page: normal or uncached",
      fn: (w, [v]) => w.peekKernel()?.memoryAttribute(int(v, "vaddr")) ?? "normal",
    },
  },
  constants: {
    bus_offset: (w) => w.platform.physBusOffset,
  },
};
