# remote_frees.mms: ArceOS 2026's buddy-slab allocator on four CPUs. CPU 0
# allocates 256-byte buffers (a driver's receive path); CPUs 1 to 3 consume
# and free them. A free on another CPU cannot touch CPU 0's slab lists: the
# object goes on its slab's remote-free list and stays there, parked, until
# CPU 0 allocates from that slab again (or frees into it) and drains it.
platform riscv64-qemu-virt
kernel arceos = "2026-buddy-slab"
cpus 4
final_init()

let N = 60                  # four slabs of 15 buffers (one page each)
let ring = alloc(N * 8, 8)  # CPU 0's ring of buffer pointers
for i in 0..N { write64(ring + i * 8, alloc(256, 8)) }
let pages = used_pages()
print "CPU 0 allocated {N} buffers: {pages} pages in use"

# The consumers free a third each, interleaved in an order drawn from --seed.
parallel {
  cpu 1 { for i in 0..20 { dealloc(read64(ring + i * 8), 256, 8) } }
  cpu 2 { for i in 20..40 { dealloc(read64(ring + i * 8), 256, 8) } }
  cpu 3 { for i in 40..60 { dealloc(read64(ring + i * 8), 256, 8) } }
}
print percpu_slabinfo()
expect remote_pending(0) == N "every buffer is parked on CPU 0's slabs"
expect used_pages() == pages "no slab page came back: to CPU 0 they are still full"

# CPU 0 allocates again: the first full slab with remote frees is drained
# (15 buffers back at once) and its lowest free buffer handed out.
let b = alloc(256, 8)
expect remote_pending(0) == N - 15 "one slab drained"
let reused = false
for i in 0..N { if read64(ring + i * 8) == b { reused = true } }
expect reused "the drained buffer is one CPU 1 to 3 freed"
print "after one allocation on CPU 0: {remote_pending(0)} buffers still parked"

# A consumer allocating for itself uses its own slab, never CPU 0's parked buffers.
on cpu 2 {
  let own = alloc(256, 8)
  expect remote_pending(0) == N - 15 "CPU 2 does not drain CPU 0's slabs"
  dealloc(own, 256, 8)
}

# CPU 0 drains the rest as it allocates, then frees everything itself:
# emptied slabs go back to the buddy (one empty slab per class is kept).
for i in 0..N { write64(ring + i * 8, alloc(256, 8)) }
expect remote_pending() == 0 "drained"
dealloc(b, 256, 8)
for i in 0..N { dealloc(read64(ring + i * 8), 256, 8) }
dealloc(ring, N * 8, 8)
print percpu_slabinfo()
print "all freed on CPU 0: {used_pages()} pages in use (the cached empty slabs)"
expect used_pages() < pages
