# interface: IdAllocator
# level: contract

contract "IDs are unique, aligned and counted" {
  let ids = subject()
  let live = blocks()
  repeat 100 {
    let n = rand(1, 4)
    let align = 1 << rand(0, 2)
    let id = ids.alloc_id(n, align)
    expect id % align == 0
    expect live.add(id, n) "IDs handed out twice"
    expect ids.is_allocated(id)
  }
  expect ids.used == live.total && ids.available == ids.size - ids.used
}

contract "a fixed ID is taken once, and comes back when freed" {
  let ids = subject()
  ids.alloc_fixed_id(7)
  expect error NoMemory { ids.alloc_fixed_id(7) }
  ids.dealloc_id(7, 1)
  expect !ids.is_allocated(7)
  ids.alloc_fixed_id(7)
}
