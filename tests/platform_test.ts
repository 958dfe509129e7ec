import assert from "node:assert/strict";
import { phys, virt } from "../hal/address.ts";
import { freeMemoryRegions, memoryMap } from "../hal/memory_map.ts";
import {
  definePlatform,
  getPlatform,
  physToBus,
  physToVirt,
  PlatformError,
  PLATFORMS,
  virtToBus,
  virtToPhys,
} from "../hal/platform.ts";

Deno.test("platform: the four built-in platforms hold the axconfig values", () => {
  assert.deepEqual(Object.keys(PLATFORMS).sort(), [
    "aarch64-qemu-virt",
    "aarch64-raspi4",
    "riscv64-qemu-virt",
    "x86_64-qemu-q35",
  ]);
  const rv = getPlatform();
  assert.equal(rv.name, "riscv64-qemu-virt");
  assert.equal(rv.ram[0].base, 0x8000_0000n);
  assert.equal(rv.ram[0].size, 128n << 20n);
  assert.equal(rv.kernelPaddr, 0x8020_0000n);
  assert.equal(rv.reserved[0].name, "SBI");
  assert.equal(getPlatform("aarch64-raspi4").physBusOffset, 0xc000_0000n);
  assert.equal(getPlatform("x86_64-qemu-q35").physBusOffset, 0n);
  assert.throws(() => getPlatform("riscv32"), /known platforms: .*riscv64-qemu-virt/);
});

Deno.test("platform: phys/virt/bus conversions are exact 64-bit", () => {
  const rv = getPlatform("riscv64-qemu-virt");
  assert.equal(physToVirt(rv, phys(0x8020_0000)), 0xffff_ffc0_8020_0000n);
  assert.equal(virtToPhys(rv, virt(0xffff_ffc0_8020_0000n)), 0x8020_0000n);
  const raspi = getPlatform("aarch64-raspi4");
  assert.equal(physToBus(raspi, phys(0x10_0000)), 0xc010_0000n);
  assert.equal(virtToBus(raspi, virt(0xffff_0000_0010_0000n)), 0xc010_0000n);
});

Deno.test("memory map: free RAM excludes SBI, the kernel image and MMIO", () => {
  const free = freeMemoryRegions(getPlatform("riscv64-qemu-virt"));
  assert.deepEqual(free.map((r) => [r.base, r.size]), [[
    0x8040_0000n,
    0x8000_0000n + (128n << 20n) - 0x8040_0000n,
  ]]);
  const x86 = freeMemoryRegions(getPlatform("x86_64-qemu-q35"));
  assert.deepEqual(x86.map((r) => [r.base, r.base + r.size]), [
    [0x10_0000n, 0x20_0000n],
    [0x40_0000n, 0x800_0000n],
  ]);
  const kinds = memoryMap(getPlatform("riscv64-qemu-virt")).map((e) => e.kind);
  assert.deepEqual(kinds, ["mmio", "mmio", "mmio", "mmio", "reserved", "kernel", "free"]);
});

Deno.test("platform: a user-described platform, with MMIO punched out of RAM", () => {
  const p = definePlatform({
    name: "board",
    arch: "aarch64",
    ram: [{ base: 0, size: 0x100_0000 }],
    kernelPaddr: 0x8_0000,
    kernelVaddr: 0xffff_0000_0008_0000n,
    kernelSize: 0x8_0000,
    physVirtOffset: 0xffff_0000_0000_0000n,
    mmio: [{ name: "hole", base: 0x80_0000, size: 0x1000 }],
  });
  assert.deepEqual(freeMemoryRegions(p).map((r) => [r.base, r.base + r.size]), [
    [0n, 0x8_0000n],
    [0x10_0000n, 0x80_0000n],
    [0x80_1000n, 0x100_0000n],
  ]);
  assert.throws(
    () => definePlatform({ ...p, name: "bad", kernelPaddr: 0x200_0000 }),
    PlatformError,
  );
  assert.throws(
    () =>
      definePlatform({
        ...p,
        name: "bad2",
        ram: [{ base: 0, size: 0x1000 }, { base: 0x800, size: 0x1000 }],
      }),
    /overlap/,
  );
});
