# kmalloc_slabinfo.mms: DragonOS's kmalloc caches, their growth, and the
# /proc/slabinfo and buddyinfo views.
platform x86_64-qemu-q35

let obj = kmalloc(80)  # rounded to a 128-byte object
expect obj % 128 == 0
let z = kzalloc(3000)  # a zeroed 4 KiB object
expect read64(z) == 0
let zero = kmalloc(0)  # a 32-byte object, as the C original gives
expect zero != null && zero % 32 == 0
kfree(zero)
expect kmalloc(2M) == null  # over 1 MiB

# Fill the 1 MiB cache's first slab (2 objects per 2 MiB page) and one more.
let big1 = kmalloc(1M)
let big2 = kmalloc(1M)
let big3 = kmalloc(1M)  # a new slab: its header is kmalloc'ed too
let st = mm_stat()
print "mm_stat: used {st.used}, cache_used {st.cache_used}, cache_free {st.cache_free}"
expect st.cache_used >= 3 * 1M + 128 + 4K
print slabinfo()

kfree(big3)
kfree(big2)
kfree(big1)  # the emptied slab goes back to the zone
kfree(obj)
kfree(z)
expect error DoubleFree { kfree(z) }
expect error ECANNOT_FREE_MEM { kfree(0x1234_5678) }
expect error InvalidFree { let q = kmalloc(256); kfree(q + 8) }
kfree(null)  # does nothing
print buddyinfo()
print meminfo()
