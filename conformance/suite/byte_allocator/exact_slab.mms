# interface: ByteAllocator
# level: exact slab
# The addresses ArceOS's slab_allocator 0.3.1 gives on a fresh 1 MiB heap.

contract "a new slab set hands out its highest block first" {
  let heap = subject()
  expect heap.alloc(40, 8) == 0x9000_0fc0
  expect heap.alloc(40, 8) == 0x9000_0f80
  expect heap.alloc(100, 8) == 0x9000_3f80 "the 128-byte slab's set comes after the 64-byte one"
  expect heap.used_bytes == 2 * 64 + 128 + 4K + 8K "slab sets are counted twice"
}
