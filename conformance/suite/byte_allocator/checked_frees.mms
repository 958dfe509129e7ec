# interface: ByteAllocator
# level: checked
# mmsim's models report the frees a real kernel would corrupt itself with.

contract "a double free is NotAllocated" {
  let heap = subject()
  let p = heap.alloc(100, 8)
  heap.dealloc(p, 100, 8)
  expect error NotAllocated { heap.dealloc(p, 100, 8) }
}

contract "freeing a foreign pointer is NotAllocated" {
  let heap = subject()
  expect error NotAllocated { heap.dealloc(subject_base + 8, 16, 8) }
}

contract "a reported free changes nothing" {
  let heap = subject()
  let p = heap.alloc(100, 8)
  let used = heap.used_bytes
  expect error NotAllocated { heap.dealloc(p + 8, 100, 8) }
  expect heap.used_bytes == used
  heap.dealloc(p, 100, 8)
}
