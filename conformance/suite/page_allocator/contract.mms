# interface: PageAllocator
# level: contract
# What any page allocator must do.

contract "multi-page runs are aligned, inside the range, and never overlap" {
  let pages = subject()
  let live = blocks()
  for k in 0..6 {
    let align = 4K << k
    let n = 2 + k
    let p = pages.alloc_pages(n, align)
    expect p % align == 0 "aligned to {align}"
    expect p >= subject_base && p + n * 4K <= subject_base + subject_size
    expect live.add(p, n * 4K) "runs overlap"
  }
}

contract "a single page is aligned as asked too" {
  let pages = subject()
  let live = blocks()
  expect live.add(pages.alloc_pages(1, 4K), 4K)
  for k in 1..5 {
    let align = 4K << k
    let p = pages.alloc_pages(1, align)
    expect p % align == 0 "one page aligned to {align}: a device or page table relies on it"
    expect live.add(p, 4K) "pages overlap"
  }
}

contract "InvalidParam for zero pages or a bad alignment" {
  let pages = subject()
  expect error InvalidParam { pages.alloc_pages(0, 4K) }
  expect error InvalidParam { pages.alloc_pages(1, 3000) }
  expect error InvalidParam { pages.alloc_pages(2, 12K) }
}

contract "NoMemory when exhausted, and allocation works again after a free" {
  let pages = subject()
  let live = blocks()
  let p = pages.try_alloc_pages(16, 4K)
  while p != null {
    expect live.add(p, 64K) "runs overlap"
    p = pages.try_alloc_pages(16, 4K)
  }
  expect error NoMemory { pages.alloc_pages(16, 4K) }
  let victim = live.pick()
  pages.dealloc_pages(victim, 16)
  live.remove(victim)
  expect pages.alloc_pages(16, 4K) == victim "the freed run is the only place that fits"
}

contract "alloc_pages_at takes exactly the pages asked for" {
  let pages = subject()
  let at = subject_base + 64K
  expect pages.alloc_pages_at(at, 4, 4K) == at
  expect error NoMemory { pages.alloc_pages_at(at + 8K, 1, 4K) }
  expect error InvalidParam { pages.alloc_pages_at(at + 4K, 1, 8K) }
}

contract "statistics: counts follow allocations and frees" {
  let pages = subject()
  let total = pages.total_pages
  expect total == subject_size / 4K
  let p = pages.alloc_pages(8, 4K)
  expect pages.used_pages == 8 && pages.available_pages == total - 8
  pages.dealloc_pages(p, 8)
  expect pages.used_pages == 0 && pages.available_pages == total
}

contract "alloc_pages_at returns exactly the base it was given, and those pages stay taken" {
  let pages = subject()
  let live = blocks()
  for k in 0..8 {
    let at = subject_base + 256K + k * 96K
    expect pages.alloc_pages_at(at, 3, 4K) == at "alloc_pages_at({hex(at)}, 3, 4K)"
    expect live.add(at, 12K)
  }
  let p = pages.try_alloc_pages(1, 4K)
  while p != null {
    expect live.add(p, 4K) "alloc_pages gave {hex(p)}, a page alloc_pages_at had taken"
    p = pages.try_alloc_pages(1, 4K)
  }
}

contract "alloc_pages_at at and across the end of the memory given" {
  let pages = subject()
  let end = subject_base + subject_size
  expect error NoMemory { pages.alloc_pages_at(end - 12K, 4, 4K) } "a run across the end"
  expect error NoMemory { pages.alloc_pages_at(end, 1, 4K) } "a page past the end"
  let last = pages.alloc_pages_at(end - 4K, 1, 4K)
  expect last == end - 4K "the last page can be taken exactly"
  expect error NoMemory { pages.alloc_pages_at(end - 8K, 2, 4K) } "a run over a taken page"
}
