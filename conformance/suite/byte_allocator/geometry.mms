# interface: ByteAllocator
# level: contract
# Regions of every shape, drawn by the seed (--seed; the same seed, the same regions): sizes that
# are not whole pages (1000, 4097, odd page counts and bytes), bases aligned only to 8 or only to a
# page, and second and third regions with gaps between them. An allocator may refuse a region it
# does not take (InvalidParam from init, InvalidParam or NoMemory from add_memory: the slab takes
# whole 32 KiB units only); in a region it takes, it keeps the contract.

# The size of drawn region number `k`.
proc drawn_size(k) {
  let kind = k % 7
  if kind == 0 { return 1000 }
  if kind == 1 { return 4097 }
  if kind == 2 { return rand(1, 40) * 4K + rand(1, 4095) }
  if kind == 3 { return rand(1, 40) * 4K }
  if kind == 4 { return rand(1, 8) * 32K }
  if kind == 5 { return rand(64, 300000) }
  return 1M + 8 * rand(1, 4096)
}

# A base at `from` or above aligned to 8 only (kind 0), to a page only (1), or to 1 MiB (2).
proc drawn_base(from, kind) {
  if kind == 0 { return align_up(from, 16) + 8 }
  if kind == 1 { return align_up(from, 8K) + 4K }
  return align_up(from, 1M)
}

# The largest power of two not above `n` (n >= 1).
proc floor_pow2(n) {
  let p = 1
  while p * 2 <= n { p = p * 2 }
  return p
}

# Whether [p, p + size) lies in one of the regions [b1, b1 + s1), [b2, b2 + s2), [b3, b3 + s3).
proc within(p, size, b1, s1, b2, s2, b3, s3) {
  return (p >= b1 && p + size <= b1 + s1) || (p >= b2 && p + size <= b2 + s2) || (p >= b3 && p + size <= b3 + s3)
}

# The block size that fills `bytes` of memory: small blocks in small regions, larger ones in large
# regions (a few thousand blocks at most: a first-fit allocator scans them all on each call).
proc unit_for(bytes) {
  if bytes <= 64K { return 64 }
  if bytes <= 256K { return 256 }
  return 1024
}

# Allocates `size` bytes at `align` until NoMemory; checks each block; the count.
proc fill_with(heap, live, size, align, b1, s1, b2, s2, b3, s3) {
  let n = 0
  let p = heap.try_alloc(size, align)
  while p != null {
    expect p % align == 0 "alloc({size}, {align}) gave {hex(p)}, not aligned"
    expect within(p, size, b1, s1, b2, s2, b3, s3) "alloc({size}, {align}) gave {hex(p)}, outside the memory given"
    expect live.add(p, size) "alloc({size}, {align}) gave {hex(p)}, over a live block"
    n = n + 1
    p = heap.try_alloc(size, align)
  }
  return n
}

# Frees every block of `live` (allocated at `align`).
proc empty_out(heap, live, align) {
  while live.count > 0 {
    let p = live.first()
    heap.dealloc(p, live.size_of(p), align)
    live.remove(p)
  }
}

# A random workload at every alignment from 1 up to `largest` (a power of two), of requests up
# to half of `largest` bytes.
proc workload(heap, largest, b1, s1, b2, s2, b3, s3) {
  let align = 1
  while align <= floor_pow2(largest) {
    let live = blocks()
    repeat 12 {
      if live.count > 0 && rand(0, 2) == 0 {
        let p = live.pick()
        heap.dealloc(p, live.size_of(p), align)
        live.remove(p)
      } else {
        let size = rand(1, 256)
        if rand(0, 1) == 0 { size = rand(1, max(1, largest / 2)) }
        let p = heap.try_alloc(size, align)
        if p != null {
          expect p % align == 0 "alloc({size}, {align}) gave {hex(p)}, not aligned"
          expect within(p, size, b1, s1, b2, s2, b3, s3) "alloc({size}, {align}) gave {hex(p)}, outside the memory given"
          expect live.add(p, size) "alloc({size}, {align}) gave {hex(p)}, over a live block"
        }
      }
      expect heap.total_bytes == heap.used_bytes + heap.available_bytes "total = used + available"
    }
    empty_out(heap, live, align)
    align = align * 2
  }
}

contract "regions of odd sizes and bases: blocks aligned, inside and apart; capacity comes back" {
  let taken = 0
  for k in 0..14 {
    for a in 0..3 {
      let size = drawn_size(k)
      let base = drawn_base(subject_base + rand(0, 64K), a)
      let heap = try_subject(base, size)
      if heap != null {
        taken = taken + 1
        expect heap.total_bytes <= size "total_bytes {heap.total_bytes} of a region of {size} bytes"
        expect heap.used_bytes == 0 "a fresh allocator uses nothing"
        let first = heap.try_alloc(8, 8)
        expect first != null "a region of {size} bytes at {hex(base)} was taken, but alloc(8, 8) fails"
        heap.dealloc(first, 8, 8)
        workload(heap, size, base, size, 0, 0, 0, 0)
        let live = blocks()
        let unit = unit_for(size)
        let n = fill_with(heap, live, unit, 8, base, size, 0, 0, 0, 0)
        expect n > 0 "no {unit}-byte block fits an empty region of {size} bytes"
        empty_out(heap, live, 8)
        expect fill_with(heap, live, unit, 8, base, size, 0, 0, 0, 0) == n "capacity comes back: {n} blocks fitted before"
        empty_out(heap, live, 8)
      }
    }
  }
  expect taken > 0 "the allocator refused every region drawn"
}

contract "second and third regions with gaps: blocks never in a gap, every region used" {
  repeat 12 {
    let s1 = drawn_size(rand(0, 6))
    let b1 = drawn_base(subject_base + rand(0, 64K), rand(0, 2))
    let heap = try_subject(b1, s1)
    if heap != null {
      let s2 = drawn_size(rand(0, 6))
      let b2 = drawn_base(b1 + s1 + rand(1, 3) * 8 + rand(0, 2) * 64K, rand(0, 2))
      let s3 = drawn_size(rand(0, 6))
      let b3 = drawn_base(b2 + s2 + rand(1, 3) * 8 + rand(0, 2) * 1M, rand(0, 2))
      let total = heap.total_bytes
      if !heap.try_add_memory(b2, s2) { s2 = 0 }
      expect heap.total_bytes <= total + s2 "total_bytes grew by more than the {s2} bytes added"
      if !heap.try_add_memory(b3, s3) { s3 = 0 }
      let live = blocks()
      let unit = unit_for(s1 + s2 + s3)
      let n = fill_with(heap, live, unit, 8, b1, s1, b2, s2, b3, s3)
      # Every region given is used: each holds a block, or was too small to hold 64 of them (a slab
      # allocator grows a size class by 64 blocks at a time).
      let room = max(4K, 64 * unit)
      expect s2 < room || live.count_in(b2, b2 + s2) > 0 "NoMemory while the {s2} bytes added at {hex(b2)} were never used"
      expect s3 < room || live.count_in(b3, b3 + s3) > 0 "NoMemory while the {s3} bytes added at {hex(b3)} were never used"
      empty_out(heap, live, 8)
      expect fill_with(heap, live, unit, 8, b1, s1, b2, s2, b3, s3) == n "capacity comes back: {n} blocks fitted before"
      empty_out(heap, live, 8)
      workload(heap, max(s1, max(s2, s3)), b1, s1, b2, s2, b3, s3)
    }
  }
}
