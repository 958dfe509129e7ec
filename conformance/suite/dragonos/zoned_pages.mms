# interface: ZonedPages
# level: contract
platform x86_64-qemu-q35

contract "first fit per zone, flags by zone, attributes cleared on free" {
  let a = zone_alloc_pages(ZONE_NORMAL, 2, PAGE_KERNEL)
  let b = zone_alloc_pages(ZONE_NORMAL, 1, PAGE_SHARED)
  expect b.addr_phys == a.addr_phys + 2 * PAGE_2M_SIZE "first fit"
  expect a.attr == PAGE_KERNEL | PAGE_PGT_MAPPED && a.zone == ZONE_NORMAL
  let d = zone_alloc_pages(ZONE_DMA, 1, 0)
  expect d.addr_phys < 16M && d.attr == PAGE_PGT_MAPPED
  zone_free_pages(a, 2)
  expect a.attr == 0
  zone_free_pages(b, 1)
  zone_free_pages(d, 1)
}

contract "null for a bad zone, a count outside 0 < num < 64, or no memory" {
  expect zone_alloc_pages(8, 1, 0) == null
  expect zone_alloc_pages(ZONE_NORMAL, 0, 0) == null
  expect zone_alloc_pages(ZONE_NORMAL, 64, 0) == null
  expect zone_alloc_pages(ZONE_DMA, 63, 0) == null
}
