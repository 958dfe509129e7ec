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
