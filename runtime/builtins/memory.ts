/**
 * Builtins that read and write simulated memory: kernel virtual addresses of
 * the linear mapping or physical ones, every value checked against the
 * access's width.
 *
 * @module
 */

import { big, type BuiltinGroup, fitting, int, length, MAX_STRING_BYTES, str } from "./args.ts";

const UTF8_ENCODER = new TextEncoder();
const UTF8_DECODER = new TextDecoder();

/** Memory access: every access goes through the world's RAM and sanitizer checks. */
export const MEMORY: BuiltinGroup = {
  title: "memory access",
  builtins: {
    read8: {
      params: ["addr"],
      doc: "reads a byte",
      fn: (w, [a]) => big(w.ram.read8(w.access(int(a, "address"), 1, "Read"))),
    },
    read16: {
      params: ["addr"],
      doc: "reads a little-endian u16",
      fn: (w, [a]) => big(w.ram.read16(w.access(int(a, "address"), 2, "Read"))),
    },
    read32: {
      params: ["addr"],
      doc: "reads a little-endian u32",
      fn: (w, [a]) => big(w.ram.read32(w.access(int(a, "address"), 4, "Read"))),
    },
    read64: {
      params: ["addr"],
      doc: "reads a little-endian u64",
      fn: (w, [a]) => w.ram.read64(w.access(int(a, "address"), 8, "Read")),
    },
    write8: {
      params: ["addr", "value"],
      doc: "writes a byte",
      fn: (w, [a, v]) => {
        const value = Number(fitting(v, 8, "value"));
        return w.ram.write8(w.access(int(a, "address"), 1, "Write"), value), null;
      },
    },
    write16: {
      params: ["addr", "value"],
      doc: "writes a u16",
      fn: (w, [a, v]) => {
        const value = Number(fitting(v, 16, "value"));
        return w.ram.write16(w.access(int(a, "address"), 2, "Write"), value), null;
      },
    },
    write32: {
      params: ["addr", "value"],
      doc: "writes a u32",
      fn: (w, [a, v]) => {
        const value = Number(fitting(v, 32, "value"));
        return w.ram.write32(w.access(int(a, "address"), 4, "Write"), value), null;
      },
    },
    write64: {
      params: ["addr", "value"],
      doc: "writes a u64",
      fn: (w, [a, v]) => {
        const value = fitting(v, 64, "value");
        return w.ram.write64(w.access(int(a, "address"), 8, "Write"), value), null;
      },
    },
    write: {
      params: ["addr", "text"],
      doc: "writes a string's UTF-8 bytes",
      fn: (w, [a, t]) => {
        const bytes = UTF8_ENCODER.encode(str(t, "text"));
        return w.ram.write(w.access(int(a, "address"), bytes.length, "Write"), bytes), null;
      },
    },
    read_str: {
      params: ["addr", "len"],
      doc: "reads len bytes as UTF-8 text",
      fn: (w, [a, n]) => {
        const len = length(n, "length", MAX_STRING_BYTES);
        return UTF8_DECODER.decode(w.ram.read(w.access(int(a, "address"), len, "Read"), len));
      },
    },
    fill: {
      params: ["addr", "len", "byte"],
      doc: "memset",
      fn: (w, [a, n, b]) => {
        const len = length(n, "length");
        const byte = Number(fitting(b, 8, "byte"));
        return w.ram.fill(w.access(int(a, "address"), len, "Write"), len, byte), null;
      },
    },
    copy: {
      params: ["dst", "src", "len"],
      doc: "memmove",
      fn: (w, [d, s, n]) => {
        const len = length(n, "length");
        const from = w.access(int(s, "src"), len, "Read");
        return w.ram.copy(w.access(int(d, "dst"), len, "Write"), from, len), null;
      },
    },
    compare: {
      params: ["a", "b", "len"],
      doc: "memcmp: negative, 0 or positive",
      fn: (w, [a, b, n]) => {
        const len = length(n, "length");
        return big(
          w.ram.compare(
            w.access(int(a, "a"), len, "Read"),
            w.access(int(b, "b"), len, "Read"),
            len,
          ),
        );
      },
    },
    ram_committed: {
      params: [],
      doc: "bytes of host memory the simulated RAM holds",
      fn: (w) => big(w.ram.committedBytes),
    },
  },
  constants: {},
};
