# interface: PageAllocator
# level: exact bitmap
# BitmapPageAllocator: first fit from the lowest page; one page ignores alignment.

contract "first fit, and a single page ignores alignment" {
  let pages = subject()
  expect pages.alloc_pages(1, 64K) == subject_base "lowest free page, unaligned request honoured as 4 KiB"
  expect pages.alloc_pages(2, 64K) == subject_base + 64K
  expect pages.alloc_pages(1, 4K) == subject_base + 4K
}
