# out_of_memory.mms: the heap doubles on every miss until the page allocator
# is exhausted; then the kernel panics (handle_alloc_error).
platform riscv64-qemu-virt
kernel byte_allocator = buddy
final_init()

expect error NoMemory { alloc_pages(200M / 4K, 4K) }   # alloc_pages reports errors
# Each miss grows the heap by next_power_of_two(total): 32 KiB, 64 KiB, ...
# so the kernel panics with memory still free: the next doubling does not fit.
let blocks = 0
proc grow() {
  repeat 200 {
    alloc(1M, 8)
    blocks = blocks + 1
    if blocks % 16 == 0 { print "{blocks} MiB allocated, {available_pages()} pages free" }
  }
}
expect error KernelPanic { grow() }
expect blocks < 64 "the panic comes before the 124 MiB of free RAM is used"
