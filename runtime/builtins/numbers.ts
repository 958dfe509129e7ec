/**
 * Builtins for numbers and text: seeded randomness, formatting, alignment.
 *
 * @module
 */

import { SkipSignal } from "../errors.ts";
import { formatValue, truthy } from "../values.ts";
import { big, type BuiltinGroup, checkedInt, int, positive, str } from "./args.ts";

const UTF8 = new TextEncoder();

/** Numbers and text. */
export const NUMBERS: BuiltinGroup = {
  title: "numbers and text",
  builtins: {
    require: {
      params: ["condition", "reason"],
      doc: "stops the script without failing when its premise does not hold here (reason says why)",
      fn: (_w, [c, r]) => {
        if (!truthy(c)) throw new SkipSignal(str(r, "reason"));
        return null;
      },
    },
    rand: {
      params: ["lo", "hi"],
      doc: "a seeded random integer in [lo, hi] (--seed)",
      fn: (w, [lo, hi]) => w.rng.between(int(lo, "lo"), int(hi, "hi")),
    },
    hex: {
      params: ["x"],
      doc: "0x... text of the 64-bit pattern (hex(-1) is 0xffffffffffffffff)",
      fn: (_w, [x]) => "0x" + BigInt.asUintN(64, int(x, "x")).toString(16),
    },
    dec: {
      params: ["x"],
      doc: "decimal text of the value as written (dec(-1) is -1)",
      fn: (_w, [x]) => int(x, "x").toString(),
    },
    str: { params: ["x"], doc: "the value as printed", fn: (_w, [x]) => formatValue(x) },
    len: {
      params: ["s"],
      doc: "a string's length in UTF-8 bytes: what write() stores",
      fn: (_w, [s]) => big(UTF8.encode(str(s, "s")).length),
    },
    min: {
      params: ["a", "b"],
      doc: "the smaller",
      fn: (_w, [a, b]) => (int(a, "a") < int(b, "b") ? a : b),
    },
    max: {
      params: ["a", "b"],
      doc: "the larger",
      fn: (_w, [a, b]) => (int(a, "a") > int(b, "b") ? a : b),
    },
    align_up: {
      params: ["x", "align"],
      doc: "rounds up to a multiple of align",
      fn: (_w, [x, a]) => {
        const al = positive(a, "align");
        const v = int(x, "x");
        return checkedInt((v + al - 1n) / al * al, "align_up");
      },
    },
    align_down: {
      params: ["x", "align"],
      doc: "rounds down",
      fn: (_w, [x, a]) => {
        const al = positive(a, "align");
        const v = int(x, "x");
        // Towards minus infinity, as for the unsigned values kernels use.
        return (v - (((v % al) + al) % al));
      },
    },
    is_aligned: {
      params: ["x", "align"],
      doc: "x % align == 0",
      fn: (_w, [x, a]) => int(x, "x") % positive(a, "align") === 0n,
    },
  },
  constants: {},
};
