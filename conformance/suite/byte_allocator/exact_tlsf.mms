# interface: ByteAllocator
# level: exact tlsf
# The addresses rlsf's TLSF gives on a fresh 1 MiB heap at 0x9000_0000.

contract "payloads follow the 16-byte header; freed blocks are reused" {
  let heap = subject()
  expect heap.alloc(100, 8) == 0x9000_0010
  expect heap.alloc(24, 8) == 0x9000_0090
  let c = heap.alloc(1000, 256)
  expect c == 0x9000_0100
  heap.dealloc(c, 1000, 256)
  expect heap.alloc(1000, 256) == 0x9000_0100
  expect heap.used_bytes == 1124
}
