# interface: ByteAllocator
# level: contract
# What any byte allocator must do, whatever its algorithm.

contract "allocations are aligned and inside the managed range" {
  let heap = subject()
  for shift in 0..13 {
    let align = 1 << shift
    let size = 24 + shift * 40
    let p = heap.alloc(size, align)
    expect p % align == 0 "aligned to {align}"
    expect p >= subject_base && p + size <= subject_base + subject_size "inside the region"
  }
  # Fill the rest: every block, to the last, stays inside the region.
  let q = heap.try_alloc(1000, 8)
  while q != null {
    expect q >= subject_base && q + 1000 <= subject_base + subject_size "inside the region"
    q = heap.try_alloc(1000, 8)
  }
}

contract "live blocks never overlap (random workload)" {
  let heap = subject()
  let live = blocks()
  repeat 400 {
    if live.count > 0 && rand(0, 2) == 0 {
      let p = live.pick()
      heap.dealloc(p, live.size_of(p), 8)
      live.remove(p)
    } else {
      let size = rand(1, 3000)
      let p = heap.alloc(size, 8)
      expect live.add(p, size) "the block at {hex(p)} ({size} bytes) overlaps a live block"
      expect p >= subject_base && p + size <= subject_base + subject_size "inside the region"
    }
  }
}

contract "InvalidParam for an alignment that is not a power of two" {
  let heap = subject()
  expect error InvalidParam { heap.alloc(64, 3) }
  expect error InvalidParam { heap.alloc(64, 0) }
}

contract "NoMemory when exhausted, and allocation works again after a free" {
  let heap = subject()
  let live = blocks()
  let p = heap.try_alloc(4000, 8)
  while p != null {
    expect live.add(p, 4000) "blocks overlap"
    p = heap.try_alloc(4000, 8)
  }
  expect live.count > 0 && live.total <= subject_size
  expect error NoMemory { heap.alloc(4000, 8) }
  let victim = live.pick()
  heap.dealloc(victim, 4000, 8)
  live.remove(victim)
  let again = heap.alloc(4000, 8)
  expect live.add(again, 4000) "the freed room is used again without overlap"
}

contract "statistics: total = used + available, used covers what is live" {
  let heap = subject()
  expect heap.total_bytes == heap.used_bytes + heap.available_bytes
  let before = heap.used_bytes
  let a = heap.alloc(1000, 8)
  let b = heap.alloc(300, 16)
  expect heap.used_bytes >= before + 1300 "used_bytes counts at least the requested bytes"
  expect heap.total_bytes == heap.used_bytes + heap.available_bytes
  heap.dealloc(a, 1000, 8)
  heap.dealloc(b, 300, 16)
  expect heap.total_bytes == heap.used_bytes + heap.available_bytes
}

contract "frees restore availability" {
  let heap = subject()
  proc cycle(h) {
    let first = h.alloc(500, 8)
    let second = h.alloc(2000, 64)
    let third = h.alloc(70, 8)
    h.dealloc(second, 2000, 64)
    h.dealloc(first, 500, 8)
    h.dealloc(third, 70, 8)
    return h.available_bytes
  }
  let after_one = cycle(heap)
  repeat 20 { expect cycle(heap) == after_one "available bytes come back after every cycle" }
}

contract "every size from 1 to 512 at every alignment up to 4 KiB, with live neighbours" {
  let heap = subject()
  let live = blocks()
  proc check(size, align) {
    let left = heap.alloc(16, 8)
    let p = heap.alloc(size, align)
    let right = heap.alloc(16, 8)
    expect p % align == 0 "a {size}-byte block aligned to {align}: got {hex(p)}"
    expect p >= subject_base && p + size <= subject_base + subject_size "{hex(p)} + {size} inside the region"
    expect live.add(left, 16) && live.add(p, size) && live.add(right, 16) "blocks overlap around a {size}-byte block at {hex(p)}"
    heap.dealloc(right, 16, 8)
    heap.dealloc(p, size, align)
    heap.dealloc(left, 16, 8)
    live.remove(left)
    live.remove(p)
    live.remove(right)
  }
  for shift in 0..13 {
    for size in 1..513 { check(size, 1 << shift) }
  }
}

contract "boundary sizes 2^k - 1, 2^k, 2^k + 1 and page multiples, and large alignments" {
  let heap = subject()
  let live = blocks()
  proc check(size, align) {
    let left = heap.alloc(16, 8)
    let p = heap.alloc(size, align)
    let right = heap.alloc(16, 8)
    expect p % align == 0 "a {size}-byte block aligned to {align}: got {hex(p)}"
    expect p >= subject_base && p + size <= subject_base + subject_size "{hex(p)} + {size} inside the region"
    expect live.add(left, 16) && live.add(p, size) && live.add(right, 16) "blocks overlap around a {size}-byte block at {hex(p)}"
    heap.dealloc(right, 16, 8)
    heap.dealloc(p, size, align)
    heap.dealloc(left, 16, 8)
    live.remove(left)
    live.remove(p)
    live.remove(right)
  }
  for k in 1..17 {
    check((1 << k) - 1, 8)
    check(1 << k, 8)
    check((1 << k) + 1, 8)
  }
  for pages in 1..9 { check(pages * 4K, 4K) }
}

contract "alignments past a page, up to a quarter of the region" {
  let heap = subject()
  let live = blocks()
  for shift in 13..19 {
    let align = 1 << shift
    let left = heap.alloc(16, 8)
    let p = heap.alloc(64, align)
    expect p % align == 0 "a 64-byte block aligned to {align}: got {hex(p)}"
    expect p >= subject_base && p + 64 <= subject_base + subject_size "{hex(p)} inside the region"
    expect live.add(left, 16) && live.add(p, 64) "blocks overlap"
  }
}

contract "capacity comes back: after everything is freed, the same requests fit again" {
  let heap = subject()
  proc fill_up(h, live) {
    let i = 0
    let p = h.try_alloc(100 + (i % 7) * 300, 8)
    while p != null {
      live.add(p, 100 + (i % 7) * 300)
      i = i + 1
      p = h.try_alloc(100 + (i % 7) * 300, 8)
    }
    return i
  }
  proc empty_out(h, live) {
    while live.count > 0 {
      let p = live.pick()
      h.dealloc(p, live.size_of(p), 8)
      live.remove(p)
    }
  }
  let live = blocks()
  let first = fill_up(heap, live)
  empty_out(heap, live)
  let second = fill_up(heap, live)
  expect first > 0
  expect second == first "the same requests fit {first} blocks, then only {second}: freed memory did not come back"
  empty_out(heap, live)
  expect fill_up(heap, live) == first "a third fill"
}

contract "add_memory adds memory that later allocations use" {
  let heap = subject()
  let live = blocks()
  let p = heap.try_alloc(4000, 8)
  while p != null {
    live.add(p, 4000)
    p = heap.try_alloc(4000, 8)
  }
  let extra = subject_base + 2M
  heap.add_memory(extra, 256K)
  let used_extra = 0
  repeat 16 {
    let q = heap.alloc(4000, 8)
    expect live.add(q, 4000) "a block in the added memory overlaps a live one"
    expect (q >= subject_base && q + 4000 <= subject_base + subject_size) || (q >= extra && q + 4000 <= extra + 256K) "{hex(q)} inside the memory given"
    if q >= extra { used_extra = used_extra + 1 }
  }
  expect used_extra > 0 "16 blocks after add_memory, none of them in the added memory"
}

contract "large requests, up to half of the memory given, are served and given back" {
  let heap = subject()
  let live = blocks()
  for k in 17..20 {
    let size = 1 << k
    if size <= subject_size / 2 {
      let p = heap.try_alloc(size, 8)
      expect p != null "alloc({size}, 8) failed on an empty allocator of {subject_size} bytes"
      expect p >= subject_base && p + size <= subject_base + subject_size
      expect live.add(p, size)
      heap.dealloc(p, size, 8)
      live.remove(p)
    }
  }
}
