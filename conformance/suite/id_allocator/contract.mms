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

contract "alignments up to the capacity: 128 and past it are honoured too" {
  let ids = subject()
  let live = blocks()
  for k in 0..13 {
    let align = 1 << k
    if align <= subject_size / 2 {
      let id = ids.alloc_id(1, align)
      expect id % align == 0 "alloc_id(1, {align}) gave {id}, not aligned to {align}"
      expect id >= subject_base && id < subject_base + subject_size "alloc_id(1, {align}) gave {id}, outside"
      expect live.add(id, 1) "IDs handed out twice"
    }
  }
}
