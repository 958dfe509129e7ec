/**
 * Platforms as data, after ArceOS's `axconfig` files: RAM, the kernel
 * image, the linear-mapping offset, reserved and MMIO regions, and the DMA
 * bus offset. A user can describe their own with {@linkcode definePlatform}.
 *
 * @module
 */

import { SimError } from "./sim_error.ts";
import { type BusAddr, type PhysAddr, type VirtAddr, wrappingAdd, wrappingSub } from "./address.ts";

/** A named physical region. */
export interface Region {
  /** What the region is (`"SBI"`, `"UART"`, ...). */
  name: string;
  /** First byte. */
  base: bigint;
  /** Length in bytes. */
  size: bigint;
  /**
   * For a reserved region: how many bytes from its base the firmware really
   * uses (all of it when left out). The rest may be borrowed early in boot,
   * as the ArceOS tutorial puts its early heap in the upper half of the SBI
   * region.
   */
  used?: bigint;
}

/** A platform description. */
export interface Platform {
  /** The platform's name, as ArceOS spells it (`riscv64-qemu-virt`). */
  name: string;
  /** The instruction set: `riscv64`, `x86_64` or `aarch64`. */
  arch: "riscv64" | "x86_64" | "aarch64";
  /** Physical RAM regions. */
  ram: Region[];
  /** Where the kernel image is loaded (`kernel-base-paddr`, `_skernel`). */
  kernelPaddr: bigint;
  /** The kernel image's virtual address (`kernel-base-vaddr`). */
  kernelVaddr: bigint;
  /** The kernel image's size (`_ekernel - _skernel`). */
  kernelSize: bigint;
  /** The linear mapping: `virt = phys + physVirtOffset` (`phys-virt-offset`). */
  physVirtOffset: bigint;
  /** `bus = phys + physBusOffset` (`phys-bus-offset`; raspi4: `0xC000_0000`). */
  physBusOffset: bigint;
  /**
   * The first physical address DMA devices cannot reach (raspi4's legacy
   * DMA sees the low 1 GiB); undefined where they reach all RAM.
   */
  dmaLimit?: bigint;
  /**
   * Where RAM below 4 GiB must end (raspi4: `0xFC00_0000`, where the
   * peripherals' window starts): `ram SIZE` puts what does not fit below it
   * from 4 GiB up. Undefined where RAM may run on.
   */
  lowRamEnd?: bigint;
  /** RAM that firmware keeps (the SBI on riscv64). */
  reserved: Region[];
  /** Device registers. */
  mmio: Region[];
  /** CPUs (harts) the machine has: QEMU's `-smp`, the board's cores. */
  harts: number;
}

/** A platform description as a user writes it: numbers or bigints, optional lists. */
export interface PlatformSpec {
  /** See {@linkcode Platform.name}. */
  name: string;
  /** See {@linkcode Platform.arch}. */
  arch: Platform["arch"];
  /** RAM regions; `name` is optional. */
  ram: { name?: string; base: bigint | number; size: bigint | number }[];
  /** See {@linkcode Platform.kernelPaddr}. */
  kernelPaddr: bigint | number;
  /** See {@linkcode Platform.kernelVaddr}. */
  kernelVaddr: bigint | number;
  /** See {@linkcode Platform.kernelSize}; 2 MiB when left out. */
  kernelSize?: bigint | number;
  /** See {@linkcode Platform.physVirtOffset}. */
  physVirtOffset: bigint | number;
  /** See {@linkcode Platform.physBusOffset}; 0 when left out. */
  physBusOffset?: bigint | number;
  /** See {@linkcode Platform.dmaLimit}; none when left out. */
  dmaLimit?: bigint | number;
  /** See {@linkcode Platform.lowRamEnd}; none when left out. */
  lowRamEnd?: bigint | number;
  /** See {@linkcode Platform.reserved}. */
  reserved?: {
    name: string;
    base: bigint | number;
    size: bigint | number;
    used?: bigint | number;
  }[];
  /** See {@linkcode Platform.mmio}. */
  mmio?: { name: string; base: bigint | number; size: bigint | number }[];
  /** See {@linkcode Platform.harts}; 1 when left out, at most {@linkcode MAX_HARTS}. */
  harts?: number;
}

/** The most CPUs a simulated machine has (ArceOS 2026 traces allow 64). */
export const MAX_HARTS = 64;

/** A platform description that does not hold together. */
export class PlatformError extends SimError {
  /** The codes of this class. */
  static readonly codes: readonly string[] = ["PlatformError"];
  /** The error class's name. */
  override readonly name = "PlatformError";
  /** The platform's name. */
  readonly platform: string;
  /** Creates the error. */
  constructor(platform: string, message: string) {
    super("PlatformError", `platform ${platform}: ${message}`);
    this.platform = platform;
  }
}

/** The kernel image size assumed when a platform does not give one: 2 MiB. */
export const DEFAULT_KERNEL_SIZE = 0x20_0000n;
const U64_LIMIT = 1n << 64n;
const ARCHES = ["riscv64", "x86_64", "aarch64"];

function big(v: bigint | number, platform: string, what: string): bigint {
  if (typeof v === "number" && !Number.isSafeInteger(v)) {
    throw new PlatformError(platform, `${what} ${v} is not an exact integer`);
  }
  const b = BigInt(v);
  if (b < 0n || b >= U64_LIMIT) throw new PlatformError(platform, `${what} is not 64-bit`);
  return b;
}

/**
 * Checks a platform description and returns it in canonical form: regions
 * within 64 bits, non-empty RAM, the kernel image inside RAM.
 *
 * @example
 * ```ts
 * import { definePlatform } from "./platform.ts";
 * const board = definePlatform({
 *   name: "my-board", arch: "riscv64",
 *   ram: [{ base: 0x8000_0000, size: 0x400_0000 }],
 *   kernelPaddr: 0x8020_0000, kernelVaddr: 0xffff_ffc0_8020_0000n,
 *   physVirtOffset: 0xffff_ffc0_0000_0000n,
 * });
 * console.log(board.kernelSize); // 2097152n
 * ```
 */
export function definePlatform(spec: PlatformSpec): Platform {
  const name = spec.name;
  if (typeof name !== "string" || name === "") {
    throw new PlatformError("?", "a platform needs a name");
  }
  if (!ARCHES.includes(spec.arch)) {
    throw new PlatformError(name, `arch '${spec.arch}' is not one of ${ARCHES.join(", ")}`);
  }
  const regions = (
    list:
      | { name?: string; base: bigint | number; size: bigint | number; used?: bigint | number }[]
      | undefined,
    what: string,
  ): Region[] =>
    (list ?? []).map((r, i) => {
      const base = big(r.base, name, `${what} ${i} base`);
      const size = big(r.size, name, `${what} ${i} size`);
      if (size === 0n) throw new PlatformError(name, `${what} region ${i} is empty`);
      if (base + size > U64_LIMIT) {
        throw new PlatformError(name, `${what} region ${i} runs past 2^64`);
      }
      const used = "used" in r && r.used !== undefined
        ? big(r.used, name, `${what} ${i} used`)
        : undefined;
      if (used !== undefined && used > size) {
        throw new PlatformError(name, `${what} region ${i} uses more than its size`);
      }
      return { name: r.name ?? `${what}${i}`, base, size, ...(used === undefined ? {} : { used }) };
    }).sort((a, b) => (a.base < b.base ? -1 : a.base > b.base ? 1 : 0));
  const ram = regions(spec.ram, "RAM");
  if (ram.length === 0) throw new PlatformError(name, "a platform needs RAM");
  for (let i = 1; i < ram.length; i++) {
    if (ram[i].base < ram[i - 1].base + ram[i - 1].size) {
      throw new PlatformError(name, `RAM regions ${ram[i - 1].name} and ${ram[i].name} overlap`);
    }
  }
  const platform: Platform = {
    name,
    arch: spec.arch,
    ram,
    kernelPaddr: big(spec.kernelPaddr, name, "kernelPaddr"),
    kernelVaddr: big(spec.kernelVaddr, name, "kernelVaddr"),
    kernelSize: big(spec.kernelSize ?? DEFAULT_KERNEL_SIZE, name, "kernelSize"),
    physVirtOffset: big(spec.physVirtOffset, name, "physVirtOffset"),
    physBusOffset: big(spec.physBusOffset ?? 0, name, "physBusOffset"),
    ...(spec.dmaLimit === undefined ? {} : { dmaLimit: big(spec.dmaLimit, name, "dmaLimit") }),
    ...(spec.lowRamEnd === undefined ? {} : { lowRamEnd: big(spec.lowRamEnd, name, "lowRamEnd") }),
    reserved: regions(spec.reserved, "reserved"),
    mmio: regions(spec.mmio, "MMIO"),
    harts: spec.harts ?? 1,
  };
  if (!Number.isInteger(platform.harts) || platform.harts < 1 || platform.harts > MAX_HARTS) {
    throw new PlatformError(name, `harts must be 1 to ${MAX_HARTS}, not ${platform.harts}`);
  }
  const kStart = platform.kernelPaddr;
  const kEnd = kStart + platform.kernelSize;
  if (!ram.some((r) => kStart >= r.base && kEnd <= r.base + r.size)) {
    throw new PlatformError(name, "the kernel image is not inside RAM");
  }
  return platform;
}

/** The platforms mmsim knows, by name (values from ArceOS's axconfig files). */
export const PLATFORMS: Readonly<Record<string, Platform>> = Object.freeze({
  "riscv64-qemu-virt": definePlatform({
    name: "riscv64-qemu-virt",
    arch: "riscv64",
    ram: [{ name: "RAM", base: 0x8000_0000, size: 0x800_0000 }],
    kernelPaddr: 0x8020_0000,
    kernelVaddr: 0xffff_ffc0_8020_0000n,
    physVirtOffset: 0xffff_ffc0_0000_0000n,
    // OpenSBI uses about 194 KiB of its 2 MiB; the tutorial's early heap
    // takes the upper half.
    reserved: [{ name: "SBI", base: 0x8000_0000, size: 0x20_0000, used: 0x10_0000 }],
    harts: 4, // qemu-system-riscv64 -machine virt -smp 4, as ArceOS's SMP=4 runs it
    mmio: [
      { name: "PLIC", base: 0x0c00_0000, size: 0x21_0000 },
      { name: "UART", base: 0x1000_0000, size: 0x1000 },
      { name: "VirtIO", base: 0x1000_1000, size: 0x8000 },
      { name: "PCI", base: 0x3000_0000, size: 0x1000_0000 },
    ],
  }),
  "x86_64-qemu-q35": definePlatform({
    name: "x86_64-qemu-q35",
    arch: "x86_64",
    ram: [{ name: "RAM", base: 0, size: 0x800_0000 }],
    kernelPaddr: 0x20_0000,
    kernelVaddr: 0xffff_8000_0020_0000n,
    physVirtOffset: 0xffff_8000_0000_0000n,
    reserved: [{ name: "low 1 MiB", base: 0, size: 0x10_0000 }],
    harts: 4,
    mmio: [
      { name: "PCI config", base: 0xb000_0000, size: 0x1000_0000 },
      { name: "IOAPIC", base: 0xfec0_0000, size: 0x1000 },
      { name: "HPET", base: 0xfed0_0000, size: 0x1000 },
      { name: "LAPIC", base: 0xfee0_0000, size: 0x1000 },
    ],
  }),
  "aarch64-qemu-virt": definePlatform({
    name: "aarch64-qemu-virt",
    arch: "aarch64",
    ram: [{ name: "RAM", base: 0x4000_0000, size: 0x800_0000 }],
    kernelPaddr: 0x4020_0000,
    kernelVaddr: 0xffff_0000_4020_0000n,
    physVirtOffset: 0xffff_0000_0000_0000n,
    harts: 4,
    mmio: [
      { name: "GIC", base: 0x0800_0000, size: 0x2_0000 },
      { name: "UART", base: 0x0900_0000, size: 0x1000 },
      { name: "RTC", base: 0x0910_0000, size: 0x1000 },
      { name: "VirtIO", base: 0x0a00_0000, size: 0x4000 },
    ],
  }),
  "aarch64-raspi4": definePlatform({
    name: "aarch64-raspi4",
    arch: "aarch64",
    ram: [{ name: "RAM", base: 0, size: 0x8000_0000 }],
    kernelPaddr: 0x8_0000,
    kernelVaddr: 0xffff_0000_0008_0000n,
    physVirtOffset: 0xffff_0000_0000_0000n,
    physBusOffset: 0xc000_0000,
    dmaLimit: 0x4000_0000, // the legacy DMA controllers address the low 1 GiB
    lowRamEnd: 0xfc00_0000, // the peripherals (low-peripheral mode) from 0xFC00_0000 to 4 GiB
    harts: 4, // four Cortex-A72 cores
    mmio: [
      { name: "UART", base: 0xfe20_1000, size: 0x1000 },
      { name: "eMMC", base: 0xfe34_0000, size: 0x1000 },
      { name: "GIC", base: 0xff84_1000, size: 0x3000 },
    ],
  }),
});

/** The least and most RAM `withRamSize` gives a machine. */
export const RAM_SIZE_LIMITS: { min: bigint; max: bigint } = { min: 16n << 20n, max: 16n << 30n };

/**
 * `platform` with `size` bytes of RAM, laid out as QEMU's `-m SIZE` lays it
 * out: one region from the platform's RAM base, except on x86_64 (q35),
 * where RAM past 2.75 GiB is split into 2 GiB below the PCI hole and the
 * rest from 4 GiB up, and where the platform says where low RAM must end
 * ({@linkcode Platform.lowRamEnd}: raspi4's peripherals), what does not fit
 * below it goes from 4 GiB up. `size` is whole MiB, 16 MiB to 16 GiB.
 *
 * @example
 * ```ts
 * import { getPlatform, withRamSize } from "./platform.ts";
 * const p = withRamSize(getPlatform("x86_64-qemu-q35"), 8n << 30n);
 * console.log(p.ram.map((r) => r.base.toString(16) + "+" + r.size.toString(16)));
 * // ["0+80000000", "100000000+180000000"]
 * ```
 */
export function withRamSize(platform: Platform, size: bigint): Platform {
  const { min, max } = RAM_SIZE_LIMITS;
  if (size < min || size > max || size % (1n << 20n) !== 0n) {
    throw new PlatformError(
      platform.name,
      `RAM of ${size} bytes: give whole MiB from 16 MiB to 16 GiB`,
    );
  }
  const base = platform.ram[0].base;
  const lowEnd = platform.lowRamEnd;
  const ram = platform.arch === "x86_64" && size >= 0xb000_0000n
    ? [
      { name: "RAM", base: 0n, size: 0x8000_0000n },
      { name: "RAM above 4 GiB", base: 1n << 32n, size: size - 0x8000_0000n },
    ]
    : lowEnd !== undefined && base + size > lowEnd
    ? [
      { name: "RAM", base, size: lowEnd - base },
      { name: "RAM above 4 GiB", base: 1n << 32n, size: size - (lowEnd - base) },
    ]
    : [{ name: "RAM", base, size }];
  return definePlatform({ ...platform, ram });
}

/** The platform used when none is named. */
export const DEFAULT_PLATFORM = "riscv64-qemu-virt";

/**
 * Looks a platform up by name; the error lists the known names.
 *
 * @example
 * ```ts
 * import { getPlatform } from "./platform.ts";
 * console.log(getPlatform("aarch64-raspi4").physBusOffset.toString(16)); // c0000000
 * ```
 */
export function getPlatform(name: string = DEFAULT_PLATFORM): Platform {
  const p = PLATFORMS[name];
  if (p === undefined) {
    throw new PlatformError(
      name,
      `unknown platform; known platforms: ${Object.keys(PLATFORMS).join(", ")}`,
    );
  }
  return p;
}

/**
 * `phys_to_virt`: the linear mapping, wrapping at 2^64.
 *
 * @example
 * ```ts
 * import { getPlatform, physToVirt } from "./platform.ts";
 * import { phys } from "./address.ts";
 * const v = physToVirt(getPlatform(), phys(0x8020_0000));
 * console.log(v.toString(16)); // ffffffc080200000
 * ```
 */
export function physToVirt(platform: Platform, p: PhysAddr): VirtAddr {
  return wrappingAdd(p, platform.physVirtOffset) as VirtAddr;
}

/**
 * `virt_to_phys`: the inverse of {@linkcode physToVirt}.
 *
 * @example
 * ```ts
 * import { getPlatform, virtToPhys } from "./platform.ts";
 * import { virt } from "./address.ts";
 * console.log(virtToPhys(getPlatform(), virt(0xffff_ffc0_8020_0000n)).toString(16)); // 80200000
 * ```
 */
export function virtToPhys(platform: Platform, v: VirtAddr): PhysAddr {
  return wrappingSub(v, platform.physVirtOffset) as PhysAddr;
}

/**
 * `phys_to_bus`: what a DMA device must be given for physical address `p`.
 *
 * @example
 * ```ts
 * import { getPlatform, physToBus } from "./platform.ts";
 * import { phys } from "./address.ts";
 * console.log(physToBus(getPlatform("aarch64-raspi4"), phys(0x1000)).toString(16)); // c0001000
 * ```
 */
export function physToBus(platform: Platform, p: PhysAddr): BusAddr {
  return wrappingAdd(p, platform.physBusOffset) as BusAddr;
}

/**
 * `virt_to_bus = phys_to_bus(virt_to_phys(v))`.
 *
 * @example
 * ```ts
 * import { getPlatform, virtToBus } from "./platform.ts";
 * import { virt } from "./address.ts";
 * const raspi = getPlatform("aarch64-raspi4");
 * console.log(virtToBus(raspi, virt(0xffff_0000_0010_0000n)).toString(16)); // c0100000
 * ```
 */
export function virtToBus(platform: Platform, v: VirtAddr): BusAddr {
  return physToBus(platform, virtToPhys(platform, v));
}
