# page_tables_tlb.mms: page tables written into simulated RAM (Sv39 on riscv64,
# four levels on x86_64 and AArch64), and what a missed TLB flush does.
platform riscv64-qemu-virt

let va = 0x4000_0000
let frame_a = zone_alloc_pages(ZONE_NORMAL, 1, PAGE_KERNEL).addr_phys  # frames the script owns
let frame_b = zone_alloc_pages(ZONE_NORMAL, 1, PAGE_KERNEL).addr_phys
let pt = new_page_table()
expect mm_map_proc_page_table(pt, true, va, frame_a, 4K, MAP_READ | MAP_WRITE, false, true, true) == 0
expect pt.table_frames == pt.levels  # one table a level, the root first

write64(frame_a, 0xAAAA)
write64(frame_b, 0xBBBB)
let t = pt.access(va)
expect t.paddr == frame_a
expect read64(t.paddr) == 0xAAAA

# Remap va to frame_b but forget the flush: the TLB still says frame_a.
pt.unmap(va, 4K, false)
pt.map(va, frame_b, 4K, MAP_READ | MAP_WRITE, true, false)
let stale = pt.access(va)
print "after the remap without a flush: TLB says {stale.paddr}, tables say {pt.translate(va).paddr}"
expect stale.from_tlb
expect read64(stale.paddr) == 0xAAAA "the CPU reads the old frame"

pt.flush(va, 4K)
expect pt.access(va).paddr == frame_b
expect read64(pt.access(va).paddr) == 0xBBBB
print "TLB: {pt.tlb_hits} hits, {pt.tlb_misses} misses, {pt.tlb_flushes} flushes"

# Errors: misaligned, overlapping, bad length; a fault names the level.
expect mm_map_proc_page_table(pt, true, va + 1, frame_a, 4K, MAP_READ, false, true, true) == -EFAULT
expect mm_map_proc_page_table(pt, true, va, frame_a, 4K, MAP_READ, false, true, true) == -EFAULT
expect mm_map_proc_page_table(pt, true, va + 2M, frame_a, 2M, MAP_READ, false, true, false) == 0
expect error PageFault { translate(0x7000_0000, pt) }
expect mm_unmap_proc_table(pt, true, va, 4K) == 0
expect mm_unmap_proc_table(pt, true, va + 2M, 2M) == 0
expect pt.table_frames == 1  # empty tables were freed
