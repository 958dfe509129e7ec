# dma_raspi4.mms: coherent DMA buffers on a Raspberry Pi 4, whose devices see
# RAM at bus address phys + 0xC000_0000.
platform aarch64-raspi4
kernel arceos = "classic"  # the seed documents' ArceOS (axalloc over the allocator crate 0.1)
require(bus_offset != 0, "the scenario needs a DMA bus offset; {platform_name} has none")
final_init()
expect bus_offset == 0xC000_0000

let ring = alloc_coherent(16K, 4K)  # from 4 KiB up: whole pages
print "ring: cpu {ring.cpu_addr} bus {ring.bus_addr}"
expect ring.bus_addr == virt_to_phys(ring.cpu_addr) + 0xC000_0000
expect ring.bus_addr == virt_to_bus(ring.cpu_addr)
expect memory_attribute(ring.cpu_addr) == "uncached"
expect memory_attribute(ring.cpu_addr + 12K) == "uncached"

let pages = used_pages()
let desc = alloc_coherent(64, 64)  # small: the DMA heap grows by 4 uncached pages
expect used_pages() == pages + 4
expect desc.cpu_addr % 64 == 0
expect memory_attribute(desc.cpu_addr) == "uncached"
write32(desc.cpu_addr, 0xdead_beef)  # the device would read it at desc.bus_addr
expect read32(desc.bus_addr - bus_offset) == 0xdead_beef

dealloc_coherent(ring)
expect memory_attribute(ring.cpu_addr) == "normal"
dealloc_coherent(desc)
expect used_pages() == pages  # the ring's 4 pages came back, the DMA heap's 4 did not
expect error NotAllocated { dealloc_coherent(desc) }
print "DMA ok: bus offset {hex(bus_offset)}"
