# interface: DMA
# level: contract
platform aarch64-raspi4
final_init()

contract "bus = phys + the platform's bus offset" {
  let d = alloc_coherent(8K, 4K)
  expect d.bus_addr == virt_to_phys(d.cpu_addr) + bus_offset
  expect d.cpu_addr % 4K == 0
  dealloc_coherent(d)
}

contract "coherent pages are uncached until freed" {
  let d = alloc_coherent(16K, 16K)
  expect memory_attribute(d.cpu_addr) == "uncached" && memory_attribute(d.cpu_addr + 12K) == "uncached"
  dealloc_coherent(d)
  expect memory_attribute(d.cpu_addr) == "normal"
}

contract "small buffers are aligned and freed once" {
  let d = alloc_coherent(100, 64)
  expect d.cpu_addr % 64 == 0
  dealloc_coherent(d)
  expect error NotAllocated { dealloc_coherent(d) }
}
