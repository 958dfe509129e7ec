# interface: ByteAllocator
# level: exact buddy
# The addresses buddy_system_allocator::Heap<32> gives on a fresh 1 MiB heap.

contract "power-of-two blocks, low halves first, buddies merge back" {
  let heap = subject()
  expect heap.alloc(100, 8) == 0x9000_0000
  expect heap.alloc(24, 8) == 0x9000_0080
  expect heap.alloc(8, 8) == 0x9000_00a0
  expect heap.used_bytes == 128 + 32 + 8
  heap.dealloc(0x9000_0080, 24, 8)
  heap.dealloc(0x9000_00a0, 8, 8)
  heap.dealloc(0x9000_0000, 100, 8)
  expect heap.alloc(1M, 8) == 0x9000_0000 "everything merged into one block"
}
