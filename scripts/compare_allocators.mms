# compare_allocators.mms: one workload on slab, buddy and TLSF heaps, the same
# operations in the same order, and what each gives back.
proc workload(heap) {
  let a = heap.alloc(24, 8)
  let b = heap.alloc(100, 8)
  let c = heap.alloc(1000, 64)
  let d = heap.alloc(5000, 4096)
  heap.dealloc(b, 100, 8)
  let e = heap.alloc(90, 8)
  print "  a={a} b={b} c={c} d={d} e={e}"
  print "  used {heap.used_bytes} of {heap.total_bytes} bytes; requested 24 + 1000 + 5000 + 90 = 6114"
  expect e == b "the freed block is reused"
  expect d % 4096 == 0
  return heap.used_bytes
}

let base = 0x9000_0000
for round in 0..1 {
  print "slab:"
  let slab = workload(new_allocator("slab", base, 256K))
  print "buddy:"
  let buddy = workload(new_allocator("buddy", base, 256K))
  print "tlsf:"
  let tlsf = workload(new_allocator("tlsf", base, 256K))
  # Waste: bytes each allocator counts as used for 6114 bytes requested.
  print "used: slab {slab}, buddy {buddy}, TLSF {tlsf}"
  expect tlsf == 6114 "TLSF counts the requested sizes"
  expect buddy == 32 + 128 + 1024 + 8192 "buddy rounds up to powers of two"
  expect slab > buddy "slab counts slab sets twice"
}

# Fragmentation: 32 blocks of 1000 bytes, free every other one, then ask
# for more than the untouched rest of the heap.
proc fragment(kind) {
  let heap = new_allocator(kind, base, 64K)
  let first = heap.alloc(1000, 8)
  let stride = heap.alloc(1000, 8) - first  # blocks come back to back
  for i in 2..32 { heap.alloc(1000, 8) }
  for i in 0..16 { heap.dealloc(first + 2 * i * stride, 1000, 8) }
  expect error NoMemory { heap.alloc(40K, 8) }
  return heap.available_bytes
}
print "after fragmenting, a 40 KiB request fails on every heap"
let buddy_left = fragment("buddy")
let tlsf_left = fragment("tlsf")
print "available: buddy {buddy_left}, TLSF {tlsf_left}"
expect tlsf_left > 16K "half the heap is free, in pieces too small"
