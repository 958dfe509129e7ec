# interface: PageAllocator
# level: contract
# Regions of every shape, drawn by the seed (--seed; the same seed, the same regions): odd page
# counts, sizes that are not whole pages, bases aligned only to 8 or only to a page, alignments up
# to the region's size, alloc_pages_at at and across both ends, and added regions with gaps. The
# pages of a region are the whole pages inside it. An allocator may refuse a region it does not
# take (InvalidParam from init; InvalidParam or NoMemory from add_memory, which the bitmap
# allocator does not support); in a region it takes, it keeps the contract.

# The size of drawn region number `k`: whole pages or not, odd counts or not.
proc drawn_size(k) {
  let kind = k % 5
  if kind == 0 { return rand(1, 9) * 4K + 4K }
  if kind == 1 { return (2 * rand(1, 200) + 1) * 4K }
  if kind == 2 { return rand(1, 300) * 4K + rand(1, 4095) }
  if kind == 3 { return 4097 + rand(0, 4) * 4K }
  return (1024 + 2 * rand(0, 512) + 1) * 4K
}

# A base at `from` or above aligned to 8 only (kind 0), to a page only (1), or to 4 MiB (2).
proc drawn_base(from, kind) {
  if kind == 0 { return align_up(from, 16) + 8 }
  if kind == 1 { return align_up(from, 8K) + 4K }
  return align_up(from, 4M)
}

# The largest power of two not above `n` (n >= 1).
proc floor_pow2(n) {
  let p = 1
  while p * 2 <= n { p = p * 2 }
  return p
}

# Whether the run [p, p + bytes) lies in the whole pages of a region [b, b + s).
proc in_region(p, bytes, b, s) {
  return s > 0 && p >= align_up(b, 4K) && p + bytes <= align_down(b + s, 4K)
}

proc within(p, bytes, b1, s1, b2, s2, b3, s3) {
  return in_region(p, bytes, b1, s1) || in_region(p, bytes, b2, s2) || in_region(p, bytes, b3, s3)
}

# The whole pages of [b, b + s).
proc pages_of(b, s) {
  if s == 0 { return 0 }
  return max(0, (align_down(b + s, 4K) - align_up(b, 4K)) / 4K)
}

# Takes single pages until NoMemory, each checked; the count.
proc take_all(pages, live, b1, s1, b2, s2, b3, s3) {
  let n = 0
  let p = pages.try_alloc_pages(1, 4K)
  while p != null {
    expect p % 4K == 0 && within(p, 4K, b1, s1, b2, s2, b3, s3) "alloc_pages(1, 4K) gave {hex(p)}, not a page of the memory given"
    expect live.add(p, 4K) "alloc_pages(1, 4K) gave {hex(p)}, a page already taken"
    n = n + 1
    p = pages.try_alloc_pages(1, 4K)
  }
  return n
}

proc give_back(pages, live) {
  while live.count > 0 {
    let p = live.first()
    pages.dealloc_pages(p, live.size_of(p) / 4K)
    live.remove(p)
  }
}

contract "regions of odd sizes and bases: runs aligned, inside and apart; every page can be taken" {
  let taken = 0
  for k in 0..10 {
    for a in 0..3 {
      let size = drawn_size(k)
      let base = drawn_base(subject_base + rand(0, 1M), a)
      let count = pages_of(base, size)
      let pages = try_subject(base, size)
      if pages != null {
        taken = taken + 1
        expect pages.total_pages <= count "total_pages {pages.total_pages} of a region with {count} whole pages"
        let live = blocks()
        # Runs of 2 pages and more at every alignment up to the region's size.
        let align = 4K
        while align <= floor_pow2(size) {
          let n = rand(2, max(2, count / 2))
          let p = pages.try_alloc_pages(n, align)
          if p != null {
            expect p % align == 0 "alloc_pages({n}, {align}) gave {hex(p)}, not aligned to {align}"
            expect in_region(p, n * 4K, base, size) "alloc_pages({n}, {align}) gave {hex(p)}, outside the pages of [{hex(base)}, {hex(base + size)})"
            expect live.add(p, n * 4K) "alloc_pages({n}, {align}) gave {hex(p)}, over a live run"
          }
          align = align * 2
        }
        give_back(pages, live)
        let n = take_all(pages, live, base, size, 0, 0, 0, 0)
        expect n == pages.total_pages "{n} single pages taken from the empty allocator, but total_pages is {pages.total_pages}"
        expect count == 0 || n > 0 "no page taken from a region with {count} whole pages"
        give_back(pages, live)
        expect take_all(pages, live, base, size, 0, 0, 0, 0) == n "capacity comes back: {n} pages before"
        give_back(pages, live)
      }
    }
  }
  expect taken > 0 "the allocator refused every region drawn"
}

contract "alloc_pages_at at and across both ends of odd regions" {
  for k in 0..10 {
    let size = drawn_size(k)
    let base = drawn_base(subject_base + rand(0, 1M), rand(0, 2))
    let pages = try_subject(base, size)
    if pages != null && pages_of(base, size) >= 2 {
      let first = align_up(base, 4K)
      let end = align_down(base + size, 4K)
      expect error NoMemory { pages.alloc_pages_at(first - 4K, 1, 4K) } "the page below {hex(first)}, the first of the region"
      expect error NoMemory { pages.alloc_pages_at(first - 4K, 2, 4K) } "a run across the start"
      expect error NoMemory { pages.alloc_pages_at(end - 4K, 2, 4K) } "a run across the end {hex(end)}"
      expect error NoMemory { pages.alloc_pages_at(end, 1, 4K) } "the page at the end {hex(end)}"
      expect pages.alloc_pages_at(end - 4K, 1, 4K) == end - 4K "the last page can be taken exactly"
      expect pages.alloc_pages_at(first, 1, 4K) == first "the first page can be taken exactly"
      expect pages.used_pages == 2
    }
  }
}

contract "added regions with gaps: no page of a gap is handed out" {
  repeat 10 {
    let s1 = drawn_size(rand(0, 4))
    let b1 = drawn_base(subject_base + rand(0, 1M), rand(0, 2))
    let pages = try_subject(b1, s1)
    if pages != null {
      let s2 = drawn_size(rand(0, 4))
      let b2 = drawn_base(b1 + s1 + rand(1, 3) * 4K + rand(0, 2) * 1M, rand(0, 2))
      let s3 = drawn_size(rand(0, 4))
      let b3 = drawn_base(b2 + s2 + rand(1, 3) * 4K + rand(0, 2) * 16M, rand(0, 2))
      if !pages.try_add_memory(b2, s2) { s2 = 0 }
      if !pages.try_add_memory(b3, s3) { s3 = 0 }
      let whole = pages_of(b1, s1) + pages_of(b2, s2) + pages_of(b3, s3)
      expect pages.total_pages <= whole "total_pages {pages.total_pages} of regions with {whole} whole pages"
      let live = blocks()
      let n = take_all(pages, live, b1, s1, b2, s2, b3, s3)
      expect n == pages.total_pages "{n} single pages taken from the empty allocator, but total_pages is {pages.total_pages}"
      expect s2 == 0 || pages_of(b2, s2) == 0 || live.count_in(b2, b2 + s2) > 0 "NoMemory while the pages added at {hex(b2)} were never used"
      expect s3 == 0 || pages_of(b3, s3) == 0 || live.count_in(b3, b3 + s3) > 0 "NoMemory while the pages added at {hex(b3)} were never used"
      give_back(pages, live)
      let gap = align_up(b1 + s1, 4K)
      if s2 > 0 && gap + 4K <= align_down(b2, 4K) {
        expect error NoMemory { pages.alloc_pages_at(gap, 1, 4K) } "a page of the gap at {hex(gap)}"
      }
    }
  }
}
