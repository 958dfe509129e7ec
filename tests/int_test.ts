import assert from "node:assert/strict";
import fc from "fast-check";
import {
  alignDown,
  alignUp,
  hex,
  isAligned,
  isPowerOfTwo,
  log2Floor,
  lowestSetBit,
  nextPowerOfTwo,
  prevPowerOfTwo,
} from "../hal/int.ts";

Deno.test("int: powers of two across the 32-bit boundary", () => {
  assert.equal(isPowerOfTwo(1), true);
  assert.equal(isPowerOfTwo(0), false);
  assert.equal(isPowerOfTwo(-4), false);
  assert.equal(isPowerOfTwo(2 ** 31), true);
  assert.equal(isPowerOfTwo(2 ** 40), true);
  assert.equal(isPowerOfTwo(2 ** 40 + 2 ** 3), false);
  assert.equal(isPowerOfTwo(3 * 2 ** 32), false);
  assert.equal(nextPowerOfTwo(0), 1);
  assert.equal(nextPowerOfTwo(2 ** 32 + 1), 2 ** 33);
  assert.equal(prevPowerOfTwo(2 ** 33 - 1), 2 ** 32);
  assert.equal(log2Floor(2 ** 52), 52);
  assert.equal(lowestSetBit(0x8040_0000), 0x40_0000);
  assert.equal(lowestSetBit(2 ** 44), 2 ** 44);
  assert.equal(lowestSetBit(0), 0);
});

Deno.test("int: alignment and hex formatting", () => {
  assert.equal(alignDown(0x8020_1234, 0x1000), 0x8020_1000);
  assert.equal(alignUp(0x8020_1234, 0x1000), 0x8020_2000);
  assert.equal(alignUp(0x8020_2000, 0x1000), 0x8020_2000);
  assert.equal(isAligned(2 ** 45 + 4096, 4096), true);
  assert.equal(isAligned(2 ** 45 + 4095, 4096), false);
  assert.equal(hex(0x80200000), "0x80200000");
  assert.equal(hex(0xffff_ffc0_8020_0000n), "0xffffffc080200000");
});

Deno.test("int: helpers agree with bigint arithmetic on safe integers", () => {
  fc.assert(
    fc.property(
      fc.bigInt({ min: 0n, max: 2n ** 52n }),
      fc.integer({ min: 0, max: 30 }),
      (nb, k) => {
        const n = Number(nb);
        const a = 2 ** k;
        const ab = BigInt(a);
        assert.equal(BigInt(alignDown(n, a)), nb - (nb % ab));
        assert.equal(BigInt(alignUp(n, a)), ((nb + ab - 1n) / ab) * ab);
        if (nb > 0n) {
          assert.equal(BigInt(lowestSetBit(n)), nb & -nb);
          assert.equal(log2Floor(n), nb.toString(2).length - 1);
        }
      },
    ),
    { numRuns: 1000 },
  );
});
