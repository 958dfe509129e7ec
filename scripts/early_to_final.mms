# early_to_final.mms: live early allocations survive the switch to the final
# allocators and are freed back to the allocator that owns them.
platform riscv64-qemu-virt
kernel arceos = "classic"  # the seed documents' ArceOS (axalloc over the allocator crate 0.1)
require(platform_name == "riscv64-qemu-virt", "the tutorial's early heap is the SBI region's upper half; {platform_name} has no SBI")
early_init(_skernel - 1M, 1M)

let a = alloc(100, 8)  # bytes grow up from the start
let b = alloc(200, 8)
let page = alloc(8K, 4K)  # page-sized and page-aligned: from the top
print "early bytes at {a}, {b}; early pages at {page}"
expect a == _skernel - 1M
expect page == _skernel - 8K
expect used_bytes() == 304
expect used_pages() == 2

final_init()
dealloc(alloc(100, 8), 100, 8)  # warm up: a slab heap keeps its new slab as used bytes
let used = used_bytes()
let c = alloc(100, 8)  # now from the global allocator
expect owner_of(a) == "early-bytes"
expect owner_of(c) == "global-bytes"
expect c >= phys_to_virt(0x8040_0000)

# The tutorial's switch would free a and b into the TLSF heap, which never
# owned them. mmsim frees them into the early allocator:
dealloc(a, 100, 8)
dealloc(b, 200, 8)
dealloc(page, 8K, 4K)  # early pages are never freed, as in the tutorial
dealloc(c, 100, 8)
expect owner_of(a) == null
expect used_bytes() == used  # the global allocator's byte heap is as it was

expect error NotAllocated { dealloc(a, 100, 8) }  # a double free is reported
print "switch done: {available_pages()} pages free"
