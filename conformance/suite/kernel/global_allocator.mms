# interface: GlobalAllocator
# level: contract
# axalloc's global allocator over the kernel's byte allocator (--allocator).
final_init()

contract "byte allocations are aligned, live blocks never overlap" {
  let live = blocks()
  repeat 300 {
    if live.count > 0 && rand(0, 2) == 0 {
      let p = live.pick()
      dealloc(p, live.size_of(p), 16)
      live.remove(p)
    } else {
      let size = rand(1, 20000)
      let p = alloc(size, 16)
      expect p % 16 == 0
      expect live.add(p, size) "overlap"
    }
  }
}

contract "the heap grows from the page allocator on a miss" {
  let pages = used_pages()
  let size = available_bytes() + 64K
  let big = alloc(size, 8)
  expect used_pages() > pages "the byte heap took pages"
  dealloc(big, size, 8)
}

contract "pages: aligned, NoMemory vs InvalidParam, frees restore counts" {
  let free = available_pages()
  let p = alloc_pages(4, 16K)
  expect p % 16K == 0 && available_pages() == free - 4
  dealloc_pages(p, 4)
  expect available_pages() == free
  expect error NoMemory { alloc_pages(1_000_000, 4K) }
  expect error InvalidParam { alloc_pages(0, 4K) }
}

contract "GlobalPage: zeroed, sized, freed on release, unusable after" {
  let free = available_pages()
  let pg = page_alloc_contiguous(2, 8K)
  expect pg.size == 8K && pg.start_vaddr % 8K == 0
  pg.fill(0x5a)
  expect read8(pg.start_paddr + 8K - 1) == 0x5a
  pg.release()
  expect available_pages() == free
  expect error UseAfterFree { pg.fill(1) }
  using z = page_alloc_zero() { expect z.read8(0) == 0 && z.read8(4095) == 0 }
  expect available_pages() == free
  expect error NoMemory { page_alloc_contiguous(1_000_000, 4K) }
  expect error InvalidInput { page_alloc_contiguous(0, 4K) }
}
