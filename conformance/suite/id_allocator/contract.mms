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

contract "ranges of every size and start: each ID inside, every ID can be taken, at any alignment" {
  repeat 12 {
    let start = rand(0, 3) * rand(1, 5000)
    let size = rand(1, 5000)
    if rand(0, 2) == 0 { size = rand(1, 70) }
    let ids = try_subject(start, size)
    if ids != null {
      expect ids.size == size "size {ids.size} of {size} IDs"
      let live = blocks()
      let align = 1
      while align <= size {
        let id = ids.alloc_id(1, align)
        expect id % align == 0 "alloc_id(1, {align}) gave {id}, not aligned to {align}"
        expect id >= start && id < start + size "alloc_id(1, {align}) gave {id}, outside [{start}, {start + size})"
        expect live.add(id, 1) "alloc_id(1, {align}) gave {id}, an ID already taken"
        ids.dealloc_id(id, 1)
        live.remove(id)
        align = align * 2
      }
      let n = 0
      while n < size {
        let id = ids.alloc_id(1, 1)
        expect id >= start && id < start + size "alloc_id(1, 1) gave {id}, outside [{start}, {start + size})"
        expect live.add(id, 1) "alloc_id(1, 1) gave {id}, an ID already taken"
        n = n + 1
      }
      expect error NoMemory { ids.alloc_id(1, 1) } "all {size} IDs are taken"
      expect ids.used == size && ids.available == 0
    }
  }
}
