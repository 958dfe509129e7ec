# interface: IdAllocator
# level: contract
# Written by deno task fuzz (--allocator tests/fixtures/align_cap_id_allocator.ts --seed 1): 2 operations that break
# "alloc_id(1, 128) gave 64, not aligned".

contract "fuzz reproducer: alloc_id(1, 128) gave 64, not aligned" {
  let h = try_subject(0x0, 128)
  if h != null {
    let live = blocks()
    let b0 = null
    if live.add(0, 1) {
      h.alloc_fixed_id(0)
      b0 = 0
      expect h.is_allocated(b0) "alloc_fixed_id(0) of a free ID takes it"
    } else {
      expect error NoMemory { h.alloc_fixed_id(0) } "alloc_fixed_id(0) of a taken ID"
    }
    expect h.used >= 0 && h.used <= h.size && h.available >= 0 && h.available <= h.size "statistics within their bounds"
    expect h.size == h.used + h.available "total = used + available"
    expect h.used == live.total "used counts the live IDs"
    let b1 = h.try_alloc_id(1, 128)
    if b1 != null {
      expect b1 % 128 == 0 "alloc_id(1, 128) aligned"
      expect b1 >= 0 && b1 + 1 <= 128 "alloc_id(1, 128) in range"
      expect live.add(b1, 1) "alloc_id(1, 128) hands out live IDs"
      expect h.is_allocated(b1) && h.is_allocated(b1 + 0) "alloc_id(1, 128) marks its IDs"
    }
  }
}
