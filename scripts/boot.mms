# boot.mms: ArceOS's two-stage boot on riscv64 qemu-virt, as the tutorial does it.
platform riscv64-qemu-virt
kernel arceos = "classic"  # the seed documents' ArceOS (axalloc over the allocator crate 0.1)
kernel byte_allocator = tlsf
require(platform_name == "riscv64-qemu-virt", "the tutorial's early heap is the SBI region's upper half; {platform_name} has no SBI")

# SBI keeps [0x8000_0000, 0x8020_0000); the early heap is its upper half,
# the 1 MiB just below the kernel image.
early_init(_skernel - 1M, 1M)
let s = alloc(11, 1)  # String::from("from String")
write(s, "from String")
print "Hello, ArceOS![{read_str(s, 11)}]"
expect owner_of(s) == "early-bytes"

final_init()                                      # all free RAM to the global allocator
expect heap_start() == phys_to_virt(0x8040_0000)  # the lowest free page, past the kernel image

dealloc(s, 11, 1)  # freed into the early allocator, which owns it
expect owner_of(s) == null

let p = alloc_pages(4, 16K)
expect p % 16K == 0
expect virt_to_phys(p) >= 0x8040_0000
dealloc_pages(p, 4)

let dma = alloc_coherent(8K, 4K)
expect dma.bus_addr == virt_to_phys(dma.cpu_addr) + bus_offset
expect memory_attribute(dma.cpu_addr) == "uncached"
dealloc_coherent(dma)
expect memory_attribute(dma.cpu_addr) == "normal"

expect error NoMemory { alloc_pages(1_000_000, 4K) }

repeat 1000 { let k = kmalloc(rand(32, 4K)); kfree(k) }
expect mm_stat().cache_used == 0
print "booted on {platform_name} with {allocator_name()}: {used_pages()} pages in use"
