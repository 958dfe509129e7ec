# out_of_memory_2026.mms: out_of_memory.mms on today's ArceOS. The classic
# axalloc grows its byte heap by doubling (next_power_of_two of what it
# has) from the page allocator on every miss, so the kernel panics while
# memory is still free: the next doubling does not fit. ax-alloc 0.8's
# TLSF mode has no second allocator and no growth: one TLSF holds all free
# RAM from the start and serves bytes and pages alike, so allocation fails
# only when the RAM is really used up.
platform riscv64-qemu-virt
kernel arceos = "2026-tlsf"
final_init()
let free_at_start = available_bytes()

expect error NoMemory { alloc_pages(phys_memory_size / 4K + 1, 4K) }  # alloc_pages reports errors
let blocks = 0
proc grow() {
  repeat phys_memory_size / 1M {
    alloc(1M, 8)
    blocks = blocks + 1
    if blocks % 32 == 0 { print "{blocks} MiB allocated, {available_bytes() / 1K} KiB free" }
  }
}
expect error KernelPanic { grow() }
print "the panic came after {blocks} MiB of {free_at_start / 1M} MiB free"
expect free_at_start - blocks * 1M < 4M "the panic comes with less than 4 MiB left (TLSF headers, a pool per RAM region)"
expect error KernelHalted { alloc(8, 8) } "a panicked kernel has halted"
