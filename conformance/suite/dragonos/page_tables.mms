# interface: PageTables
# level: contract

contract "mapped ranges translate to the right physical bytes" {
  let pt = new_page_table()
  let frame = zone_alloc_pages(ZONE_NORMAL, 1, PAGE_KERNEL).addr_phys  # memory the script owns
  expect mm_map_proc_page_table(pt, true, 0x4000_0000, frame, 2M, MAP_READ | MAP_WRITE, false, true, false) == 0
  expect mm_map_proc_page_table(pt, true, 0x4020_0000, 0x8700_0000, 8K, MAP_READ, true, true, true) == 0
  write64(frame + 0x1230, 0x77)
  expect read64(pt.translate(0x4000_1230).paddr) == 0x77
  expect pt.translate(0x4020_1008).paddr == 0x8700_1008
  expect pt.translate(0x4020_1008).flags & MAP_USER != 0
}

contract "misaligned, overlapping and badly sized mappings are refused" {
  let pt = new_page_table()
  expect mm_map_proc_page_table(pt, true, 0x1000, 0x8600_0000, 4K, MAP_READ, false, true, true) == 0
  expect mm_map_proc_page_table(pt, true, 0x1800, 0x8600_0000, 4K, MAP_READ, false, true, true) == -EFAULT
  expect mm_map_proc_page_table(pt, true, 0x1000, 0x8600_0000, 4K, MAP_READ, false, true, true) == -EFAULT
  expect mm_map_proc_page_table(pt, true, 0x10_0000, 0x8600_0000, 6K, MAP_READ, false, true, true) == -EFAULT
}

contract "unmapping frees the tables it emptied" {
  let pt = new_page_table()
  expect mm_map_proc_page_table(pt, true, 0x7f00_0000, 0x8600_0000, 16K, MAP_READ, false, true, true) == 0
  expect pt.table_frames > 1
  expect mm_unmap_proc_table(pt, true, 0x7f00_0000, 16K) == 0
  expect pt.table_frames == 1
  expect error PageFault { pt.translate(0x7f00_0000) }
}
