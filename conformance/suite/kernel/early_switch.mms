# interface: EarlyAllocator
# level: contract
early_init(_skernel - 1M, 1M)

contract "bytes grow up, pages grow down, within the early region" {
  let a = alloc(10, 1)
  let b = alloc(10, 8)
  expect b % 8 == 0 && b > a
  let p = alloc(8K, 4K)
  expect p % 4K == 0 && p >= _skernel - 1M && p + 8K <= _skernel
  expect owner_of(p) == "early-pages" && owner_of(a) == "early-bytes"
  dealloc(a, 10, 1)
  dealloc(b, 10, 8)
  expect used_bytes() == 0 "the byte area resets when the count reaches zero"
}

contract "live early allocations survive final_init and go back to their owner" {
  let keep = alloc(64, 8)
  final_init()
  expect owner_of(keep) == "early-bytes"
  let g = alloc(64, 8)
  expect owner_of(g) == "global-bytes"
  dealloc(keep, 64, 8)
  dealloc(g, 64, 8)
  expect owner_of(keep) == null && owner_of(g) == null
  expect error NotAllocated { dealloc(keep, 64, 8) }
}
