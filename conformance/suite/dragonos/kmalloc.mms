# interface: Kmalloc
# level: contract
platform x86_64-qemu-q35

contract "objects are aligned to their power-of-two size and never overlap" {
  let live = blocks()
  repeat 300 {
    if live.count > 0 && rand(0, 2) == 0 {
      let p = live.pick()
      kfree(p)
      live.remove(p)
    } else {
      let size = rand(1, 70000)
      let p = kmalloc(size)
      let cls = 32
      while cls < size { cls = cls * 2 }
      expect p % cls == 0 "{size} bytes -> a {cls}-byte object on a {cls}-byte boundary"
      expect live.add(p, cls) "objects overlap"
    }
  }
}

contract "kzalloc zeroes, 0 bytes and over 1 MiB give null, kfree(null) is a no-op" {
  let p = kmalloc(512)
  fill(p, 512, 0xff)
  kfree(p)
  let z = kzalloc(512)
  expect read64(z) == 0 && read64(z + 504) == 0
  expect kmalloc(1M + 1) == null
  let zero = kmalloc(0)
  expect zero != null && zero % 32 == 0 "kmalloc(0): the C original's first cache, 32 bytes"
  kfree(zero)
  kfree(null)
  kfree(z)
}

contract "bad frees are reported and change nothing" {
  let p = kmalloc(256)
  let st = mm_stat()
  expect error InvalidFree { kfree(p + 8) }
  expect error ECANNOT_FREE_MEM { kfree(0x1234_5678) }
  kfree(p)
  expect error DoubleFree { kfree(p) }
  expect mm_stat().cache_used == st.cache_used - 256
}

contract "mm_stat adds up" {
  let s = mm_stat()
  expect s.total == s.used + s.free && s.available == s.free + s.cache_free && s.shared == 0
}
