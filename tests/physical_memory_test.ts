import assert from "node:assert/strict";
import { PhysicalMemory, PhysicalMemoryError } from "../hal/physical_memory.ts";

const GiB = 1n << 30n;

Deno.test("physical memory: 64 GiB costs nothing until touched", () => {
  const ram = new PhysicalMemory([{ name: "RAM", base: 0x8000_0000n, size: 64n * GiB }]);
  assert.equal(ram.committedBytes, 0);
  assert.equal(ram.read64(0x8000_0000n + 63n * GiB), 0n);
  ram.fill(0x8000_0000n, 8n * GiB, 0); // zeros on untouched frames
  assert.equal(ram.committedBytes, 0);
  ram.write8(0x8000_0000n + 60n * GiB, 0xab);
  assert.equal(ram.committedFrames, 1);
  assert.equal(ram.read8(0x8000_0000n + 60n * GiB), 0xab);
});

Deno.test("physical memory: typed little-endian access across a frame boundary", () => {
  const ram = new PhysicalMemory([{ name: "RAM", base: 0x1000n, size: 0x4000n }]);
  ram.write64(0x1ffcn, 0x0102_0304_0506_0708n);
  assert.equal(ram.read64(0x1ffcn), 0x0102_0304_0506_0708n);
  assert.equal(ram.read32(0x1ffcn), 0x0506_0708);
  assert.equal(ram.read16(0x2000n), 0x0304);
  assert.equal(ram.read8(0x2003n), 0x01);
  assert.equal(ram.committedFrames, 2);
  ram.write32(0x3000, 0xffff_ffff);
  assert.equal(ram.read32(0x3000), 0xffff_ffff);
  ram.write16(0x3004, 0x1234);
  assert.equal(ram.read16(0x3004), 0x1234);
});

Deno.test("physical memory: fill, copy and compare", () => {
  const ram = new PhysicalMemory([{ name: "RAM", base: 0n, size: 0x10000n }]);
  ram.fill(0x100n, 0x2000n, 0x5a);
  assert.equal(ram.read8(0x100n), 0x5a);
  assert.equal(ram.read8(0x20ffn), 0x5a);
  assert.equal(ram.read8(0x2100n), 0);
  ram.copy(0x8000n, 0x100n, 0x2000);
  assert.equal(ram.compare(0x8000n, 0x100n, 0x2000), 0);
  ram.write8(0x8010n, 0x00);
  assert.ok(ram.compare(0x8000n, 0x100n, 0x2000) < 0);
  ram.copy(0x101n, 0x100n, 16); // overlapping, like memmove
  assert.equal(ram.read8(0x110n), 0x5a);
});

Deno.test("physical memory: access outside RAM names the address", () => {
  const ram = new PhysicalMemory([{ name: "RAM", base: 0x8000_0000n, size: 0x1000n }]);
  assert.throws(() => ram.read8(0x7fff_ffffn), (e) => {
    assert.ok(e instanceof PhysicalMemoryError);
    assert.equal(e.address, 0x7fff_ffffn);
    assert.match(e.message, /0x7fffffff is outside RAM/);
    return true;
  });
  assert.throws(() => ram.write64(0x8000_0ffcn, 1n), /0x80000ffc/);
  assert.throws(() => ram.read8(2 ** 60), /not an exact integer/);
});

Deno.test("physical memory: attached ranges are someone else's bytes; the last attached wins", () => {
  const ram = new PhysicalMemory([{ name: "RAM", base: 0x8000_0000n, size: 1n << 20n }]);
  ram.write(0x8000_1000n, Uint8Array.of(7, 8, 9));
  const outer = new Uint8Array(0x4000);
  ram.attach(0x8000_0800n, 0x4000, (off, n) => outer.subarray(off, off + n));
  assert.deepEqual([...outer.subarray(0x800, 0x803)], [7, 8, 9], "what was there is copied in");
  const inner = new Uint8Array(0x100);
  ram.attach(0x8000_2000n, 0x100, (off, n) => inner.subarray(off, off + n));
  // One write across plain frames, the outer range and the inner one.
  const bytes = new Uint8Array(0x3000).map((_, i) => i & 0xff);
  ram.write(0x8000_0000n, bytes);
  assert.equal(outer[0], 0x00, "outer starts at 0x800 into the write");
  assert.equal(outer[1], 0x01);
  assert.equal(inner[0], 0x00, "0x2000 into the write");
  assert.equal(inner[0xff], 0xff);
  assert.equal(outer[0x1800], 0, "the inner range's bytes are not the outer's");
  assert.deepEqual(ram.read(0x8000_0000n, 0x3000), bytes, "and read back through all three");
});
