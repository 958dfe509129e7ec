import assert from "node:assert/strict";
import {
  AddressRangeError,
  AddressWindow,
  bus,
  parseU64,
  phys,
  virt,
  wrappingAdd,
  wrappingSub,
} from "../hal/address.ts";

Deno.test("address: kernel virtual addresses stay exact through a window", () => {
  const w = AddressWindow.forRegion(0xffff_ffc0_8040_0000n, 0x780_0000n);
  assert.equal(w.origin, 0xffff_ff00_0000_0000n);
  const local = w.toLocal(0xffff_ffc0_8040_0008n);
  assert.equal(w.toAddress(local), 0xffff_ffc0_8040_0008n);
  assert.equal(w.format(local), "0xffffffc080400008");
  assert.throws(() => w.toLocal(0x8000_0000n), AddressRangeError);
});

Deno.test("address: low regions use the identity window", () => {
  const w = AddressWindow.forRegion(0x8000_0000n, 0x400_0000n);
  assert.equal(w.origin, 0n);
  assert.equal(w.toLocal(0x8000_0010n), 0x8000_0010);
  assert.throws(() => AddressWindow.forRegion(0xffff_ffff_ffff_f000n, 0x2000n), AddressRangeError);
});

Deno.test("address: parsing, typed constructors and wrapping arithmetic", () => {
  assert.equal(parseU64("0xffff_ffff_ffff_ffff"), 0xffff_ffff_ffff_ffffn);
  assert.equal(parseU64("0x1_0000_0000_0000_0000"), undefined);
  assert.equal(parseU64("12ab"), undefined);
  assert.equal(parseU64("0b1010"), 10n);
  assert.equal(phys(0x1000), 0x1000n);
  assert.equal(virt(0xffff_0000_0000_0000n), 0xffff_0000_0000_0000n);
  assert.equal(bus(0xc000_0000), 0xc000_0000n);
  assert.throws(() => phys(-1), AddressRangeError);
  assert.throws(() => phys(2 ** 60), AddressRangeError);
  assert.equal(wrappingAdd(0xffff_ffff_ffff_ffffn, 1n), 0n);
  assert.equal(wrappingSub(0x1000n, 0xffff_ffc0_0000_0000n), 0x40_0000_1000n);
});
