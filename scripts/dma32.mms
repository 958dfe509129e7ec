# dma32.mms: DMA32 pages on a machine with RAM above 4 GiB. QEMU's q35 with
# -m 8G puts 2 GiB below the PCI hole and 6 GiB from 4 GiB up; ArceOS gives
# the largest free region (the high one) to global_init and the low ones to
# global_add_memory. A 32-bit DMA engine reaches only the low 4 GiB:
# alloc_dma32_pages (ArceOS 2026, buddy-slab) takes pages whose physical end
# lies at or below 4 GiB, walking past the high section first.
platform x86_64-qemu-q35
ram 8G
kernel arceos = "2026-buddy-slab"
require(platform_name == "x86_64-qemu-q35", "the RAM layout (2 GiB low, the rest above 4 GiB) is q35's; {platform_name} has its own")
final_init()

let page = alloc_pages(16, 0)
expect virt_to_phys(page) >= 4G "ordinary pages come from the first section: above 4 GiB"
let ring = alloc_dma32_pages(16, 0)
expect virt_to_phys(ring) + 16 * PAGE_SIZE <= 4G "a DMA32 ring lies below 4 GiB"
print "pages at phys {hex(virt_to_phys(page))}, DMA32 ring at phys {hex(virt_to_phys(ring))}"

# Use up the DMA32 zone 2 MiB at a time: ordinary memory stays plentiful.
# (the ring split one 2 MiB block: its rest goes page by page at the end).
let blocks = 0
proc use_up(n) {
  while true {
    alloc_dma32_pages(n, 0)
    blocks = blocks + 1
  }
}
expect error NoMemory { use_up(512) }
let big = blocks
blocks = 0
expect error NoMemory { use_up(1) }
print "DMA32 exhausted: {big} blocks of 2 MiB, then {blocks} single pages; {available_pages() / 256} MiB still free above 4 GiB"
expect available_pages() * PAGE_SIZE > 5G "the high RAM is untouched"
let high = alloc_pages(512, 0)
expect virt_to_phys(high) >= 4G
print heap_buddyinfo()
print usages()
