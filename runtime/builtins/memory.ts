/**
 * Builtins that read and write simulated memory: kernel virtual addresses of
 * the linear mapping or physical ones, every value checked against the
 * access's width.
 *
 * @module
 */

import { big, type BuiltinGroup, fitting, int, length, MAX_STRING_BYTES, str } from "./args.ts";

/** Memory access. */
export const MEMORY: BuiltinGroup = {
  title: "memory access",
  builtins: {
    read8: {
      params: ["addr"],
      doc: "reads a byte",
      fn: (w, [a]) => big(w.ram.read8(w.toPhys(int(a, "address")))),
    },
    read16: {
      params: ["addr"],
      doc: "reads a little-endian u16",
      fn: (w, [a]) => big(w.ram.read16(w.toPhys(int(a, "address")))),
    },
    read32: {
      params: ["addr"],
      doc: "reads a little-endian u32",
      fn: (w, [a]) => big(w.ram.read32(w.toPhys(int(a, "address")))),
    },
    read64: {
      params: ["addr"],
      doc: "reads a little-endian u64",
      fn: (w, [a]) => w.ram.read64(w.toPhys(int(a, "address"))),
    },
    write8: {
      params: ["addr", "value"],
      doc: "writes a byte",
      fn: (
        w,
        [a, v],
      ) => (w.ram.write8(w.toPhys(int(a, "address")), Number(fitting(v, 8, "value"))), null),
    },
    write16: {
      params: ["addr", "value"],
      doc: "writes a u16",
      fn: (
        w,
        [a, v],
      ) => (w.ram.write16(w.toPhys(int(a, "address")), Number(fitting(v, 16, "value"))), null),
    },
    write32: {
      params: ["addr", "value"],
      doc: "writes a u32",
      fn: (
        w,
        [a, v],
      ) => (w.ram.write32(w.toPhys(int(a, "address")), Number(fitting(v, 32, "value"))), null),
    },
    write64: {
      params: ["addr", "value"],
      doc: "writes a u64",
      fn: (
        w,
        [a, v],
      ) => (w.ram.write64(w.toPhys(int(a, "address")), fitting(v, 64, "value")), null),
    },
    write: {
      params: ["addr", "text"],
      doc: "writes a string's UTF-8 bytes",
      fn: (
        w,
        [a, t],
      ) => (w.ram.write(w.toPhys(int(a, "address")), new TextEncoder().encode(str(t, "text"))),
        null),
    },
    read_str: {
      params: ["addr", "len"],
      doc: "reads len bytes as UTF-8 text",
      fn: (w, [a, n]) => {
        const len = length(n, "length", MAX_STRING_BYTES);
        return new TextDecoder().decode(w.ram.read(w.toPhys(int(a, "address")), len));
      },
    },
    fill: {
      params: ["addr", "len", "byte"],
      doc: "memset",
      fn: (
        w,
        [a, n, b],
      ) => (
        w.ram.fill(
          w.toPhys(int(a, "address")),
          length(n, "length"),
          Number(fitting(b, 8, "byte")),
        ), null
      ),
    },
    copy: {
      params: ["dst", "src", "len"],
      doc: "memmove",
      fn: (
        w,
        [d, s, n],
      ) => (w.ram.copy(w.toPhys(int(d, "dst")), w.toPhys(int(s, "src")), length(n, "length")),
        null),
    },
    compare: {
      params: ["a", "b", "len"],
      doc: "memcmp: negative, 0 or positive",
      fn: (w, [a, b, n]) =>
        big(w.ram.compare(w.toPhys(int(a, "a")), w.toPhys(int(b, "b")), length(n, "length"))),
    },
    ram_committed: {
      params: [],
      doc: "bytes of host memory the simulated RAM holds",
      fn: (w) => big(w.ram.committedBytes),
    },
  },
  constants: {},
};
