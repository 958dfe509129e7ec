# interface: PerCpuGlobalAllocator
# level: contract
# ArceOS 2026's global allocators (ax-alloc 0.8) on a kernel with four CPUs
# and RAM across 4 GiB: what any global allocator of a multi-CPU kernel must
# keep, whichever CPU allocates and whichever frees.
cpus 4
ram 6G
final_init()

contract "blocks on every CPU are aligned and never overlap" {
  let live = blocks()
  repeat 400 {
    on cpu rand(0, 3) {
      if live.count > 0 && rand(0, 2) == 0 {
        let p = live.pick()
        dealloc(p, live.size_of(p), 16)
        live.remove(p)
      } else {
        let size = rand(1, 3000)
        if rand(0, 9) == 0 { size = rand(3000, 100000) }
        let p = alloc(size, 16)
        expect p % 16 == 0 "alloc({size}, 16) on CPU {cpu()} aligned"
        expect live.add(p, size) "alloc({size}, 16) on CPU {cpu()} overlaps a live block"
      }
    }
  }
  while live.count > 0 {
    let p = live.pick()
    on cpu rand(0, 3) { dealloc(p, live.size_of(p), 16) }
    live.remove(p)
  }
}

contract "objects freed on other CPUs come back to their owner: nothing is lost" {
  let n = 200
  let ring = alloc(n * 8, 8)
  let before = used_bytes()
  for i in 0..n { write64(ring + i * 8, alloc(96, 8)) }
  let filled = used_bytes()
  # Every object freed on a CPU other than the one that allocated it.
  for i in 0..n {
    on cpu 1 + i % 3 { dealloc(read64(ring + i * 8), 96, 8) }
  }
  # The owner allocates the same again: the remote frees are found and reused.
  let seen = blocks()
  for i in 0..n { write64(ring + i * 8, alloc(96, 8)) }
  expect used_bytes() == filled "after {n} remote frees the owner needed more memory for the same {n} objects"
  for i in 0..n { dealloc(read64(ring + i * 8), 96, 8) }
  expect used_bytes() <= filled && used_bytes() >= before
  dealloc(ring, n * 8, 8)
}

contract "an object freed on another CPU is the next one its owner gets" {
  let a = alloc(48, 8)
  on cpu 2 { dealloc(a, 48, 8) }
  let c = alloc(48, 8)
  expect c == a "the owner reuses the object CPU 2 freed before anything else"
  dealloc(c, 48, 8)
}

contract "DMA32 pages lie below 4 GiB physical (or the allocator has none)" {
  if allocator_name() == "TLSF" {
    # ax-alloc 0.8 in tlsf mode: unimplemented!(), as the real code.
    expect error KernelPanic { alloc_dma32_pages(1, 0) }
  } else {
    repeat 50 {
      let n = rand(1, 64)
      let d = alloc_dma32_pages(n, 0)
      expect virt_to_phys(d) + n * PAGE_SIZE <= 4G "alloc_dma32_pages({n}) ends past 4 GiB"
      dealloc_pages(d, n)
    }
  }
}
