# out_of_memory.mms: the heap doubles on every miss until the page allocator
# is exhausted; then the kernel panics (handle_alloc_error).
platform riscv64-qemu-virt
kernel arceos = "classic"  # the seed documents' ArceOS (axalloc over the allocator crate 0.1)
kernel byte_allocator = buddy
final_init()

expect error NoMemory { alloc_pages(phys_memory_size / 4K + 1, 4K) }  # alloc_pages reports errors
# Each miss grows the heap by next_power_of_two(total): 32 KiB, 64 KiB, ...
# so the kernel panics with memory still free: the next doubling does not fit.
let blocks = 0
proc grow() {
  repeat phys_memory_size / 1M {
    alloc(1M, 8)
    blocks = blocks + 1
    if blocks % 16 == 0 { print "{blocks} MiB allocated, {available_pages()} pages free" }
  }
}
expect error KernelPanic { grow() }
expect blocks * 1M < phys_memory_size "the panic comes before the free RAM is used up"
