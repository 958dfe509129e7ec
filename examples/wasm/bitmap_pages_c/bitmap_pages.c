/*
 * A bitmap page allocator in C, for mmsim's WebAssembly ABI (the page
 * family). One bit per 4 KiB page, first fit at the requested alignment,
 * up to four regions of up to 256 MiB each (the bitmaps are statics, as in
 * ArceOS's BitmapPageAllocator).
 *
 * Build (see `deno task wasm`):
 *   clang --target=wasm32-unknown-unknown -O2 -nostdlib -Wl,--no-entry \
 *     -I ../../../abi/c -o bitmap_pages.wasm bitmap_pages.c
 *
 * SPDX-License-Identifier: MIT
 */
#include "mmsim_allocator.h"

#define PAGE 4096u
#define MAX_REGIONS 4
#define MAX_PAGES 65536u /* 256 MiB */

struct region {
  size_t base;  /* first page's address */
  size_t pages; /* page count */
  unsigned char bits[MAX_PAGES / 8];
};

static struct region regions[MAX_REGIONS];
static unsigned region_count;
static size_t total_pages, used_pages;
static unsigned error;

unsigned mmsim_abi_version(void) { return MMSIM_ABI_VERSION; }
unsigned last_error(void) { return error; }

static size_t fail(unsigned code) {
  error = code;
  return 0;
}

static int used(const struct region *r, size_t i) { return (r->bits[i / 8] >> (i % 8)) & 1; }

static void mark(struct region *r, size_t first, size_t n, int on) {
  for (size_t i = first; i < first + n; i++) {
    if (on) r->bits[i / 8] |= (unsigned char)(1u << (i % 8));
    else r->bits[i / 8] &= (unsigned char)~(1u << (i % 8));
  }
}

static int valid_align(size_t align) {
  return align >= PAGE && (align & (align - 1)) == 0;
}

unsigned page_add_memory(size_t start, size_t size) {
  size_t base = (start + PAGE - 1) & ~(size_t)(PAGE - 1);
  size_t end = start + size;
  if (end < start) return fail(MMSIM_INVALID_PARAM), MMSIM_INVALID_PARAM;
  end &= ~(size_t)(PAGE - 1);
  for (unsigned k = 0; k < region_count; k++) {
    size_t s = regions[k].base, e = s + regions[k].pages * PAGE;
    if (s < end && base < e) return fail(MMSIM_MEMORY_OVERLAP), MMSIM_MEMORY_OVERLAP;
  }
  if (end <= base) return fail(MMSIM_INVALID_PARAM), MMSIM_INVALID_PARAM;
  if (region_count == MAX_REGIONS) return fail(MMSIM_NO_MEMORY), MMSIM_NO_MEMORY;
  size_t pages = (end - base) / PAGE;
  if (pages > MAX_PAGES) pages = MAX_PAGES;
  struct region *r = &regions[region_count++];
  r->base = base;
  r->pages = pages;
  mark(r, 0, pages, 0);
  total_pages += pages;
  return 0;
}

void page_init(size_t start, size_t size) { page_add_memory(start, size); }

size_t page_alloc_pages(size_t num_pages, size_t align_pow2) {
  if (num_pages == 0 || !valid_align(align_pow2)) return fail(MMSIM_INVALID_PARAM);
  size_t step = align_pow2 / PAGE;
  for (unsigned k = 0; k < region_count; k++) {
    struct region *r = &regions[k];
    /* The first page whose address is aligned; candidates are every step pages from it. */
    size_t first = ((align_pow2 - r->base % align_pow2) % align_pow2) / PAGE;
    size_t i = first;
    while (i + num_pages <= r->pages) {
      size_t j = 0;
      while (j < num_pages && !used(r, i + j)) j++;
      if (j == num_pages) {
        mark(r, i, num_pages, 1);
        used_pages += num_pages;
        return r->base + i * PAGE;
      }
      /* Page i + j is taken: the next candidate is the first one past it. */
      i = first + ((i + j + 1 - first) + step - 1) / step * step;
    }
  }
  return fail(MMSIM_NO_MEMORY);
}

size_t page_alloc_pages_at(size_t base, size_t num_pages, size_t align_pow2) {
  if (num_pages == 0 || !valid_align(align_pow2) || base % align_pow2 != 0) {
    return fail(MMSIM_INVALID_PARAM);
  }
  for (unsigned k = 0; k < region_count; k++) {
    struct region *r = &regions[k];
    if (base < r->base || base >= r->base + r->pages * PAGE) continue;
    size_t i = (base - r->base) / PAGE;
    if (i + num_pages > r->pages) return fail(MMSIM_NO_MEMORY);
    for (size_t j = 0; j < num_pages; j++) {
      if (used(r, i + j)) return fail(MMSIM_NO_MEMORY);
    }
    mark(r, i, num_pages, 1);
    used_pages += num_pages;
    return base;
  }
  return fail(MMSIM_NO_MEMORY);
}

void page_dealloc_pages(size_t pos, size_t num_pages) {
  for (unsigned k = 0; k < region_count; k++) {
    struct region *r = &regions[k];
    if (pos < r->base || pos >= r->base + r->pages * PAGE) continue;
    size_t i = (pos - r->base) / PAGE;
    if (i + num_pages > r->pages) return;
    mark(r, i, num_pages, 0);
    used_pages -= num_pages;
    return;
  }
}

size_t page_total_pages(void) { return total_pages; }
size_t page_used_pages(void) { return used_pages; }
size_t page_available_pages(void) { return total_pages - used_pages; }
