//! A linked-list first-fit byte allocator, for mmsim's WebAssembly ABI.
//!
//! Its bookkeeping lives in the memory it manages, as a kernel heap's does:
//! every free block starts with a node (its size and the next free block),
//! and the list is kept in address order so that a freed block merges with
//! free neighbours. Blocks are multiples of two words and start two-word
//! aligned, so every remainder can hold a node.
//!
//! Build (see `deno task wasm`):
//! rustc --edition 2021 --crate-type cdylib --target wasm32-unknown-unknown \
//!   -C opt-level=2 -C panic=abort --extern mmsim_abi=libmmsim_abi.rlib src/lib.rs
#![no_std]

use core::alloc::Layout;
use core::mem::size_of;
use core::ptr::{null_mut, NonNull};
use mmsim_abi::{export_byte_allocator, AllocError, AllocResult, BaseAllocator, ByteAllocator};

/// The granule: a node's size, two words.
const UNIT: usize = 2 * size_of::<usize>();
/// The most regions `add_memory` takes.
const MAX_REGIONS: usize = 16;

/// A free block's header, written at its start.
struct Node {
    size: usize,
    next: *mut Node,
}

/// The allocator: the head of the free list and its statistics.
pub struct FirstFit {
    head: *mut Node,
    regions: [(usize, usize); MAX_REGIONS],
    region_count: usize,
    total: usize,
    used: usize,
}

const fn round_up(n: usize, to: usize) -> usize {
    (n + to - 1) & !(to - 1)
}

impl FirstFit {
    /// An allocator with no memory.
    pub const fn new() -> Self {
        FirstFit { head: null_mut(), regions: [(0, 0); MAX_REGIONS], region_count: 0, total: 0, used: 0 }
    }

    /// Puts `[start, start + size)` on the free list, merging with its neighbours.
    unsafe fn insert(&mut self, start: usize, size: usize) {
        let mut prev: *mut Node = null_mut();
        let mut cur = self.head;
        while !cur.is_null() && (cur as usize) < start {
            prev = cur;
            cur = (*cur).next;
        }
        let node = start as *mut Node;
        node.write(Node { size, next: cur });
        if !cur.is_null() && start + size == cur as usize {
            (*node).size += (*cur).size;
            (*node).next = (*cur).next;
        }
        if prev.is_null() {
            self.head = node;
        } else if prev as usize + (*prev).size == start {
            (*prev).size += (*node).size;
            (*prev).next = (*node).next;
        } else {
            (*prev).next = node;
        }
    }
}

impl BaseAllocator for FirstFit {
    fn init(&mut self, start: usize, size: usize) {
        let _ = self.add_memory(start, size);
    }

    fn add_memory(&mut self, start: usize, size: usize) -> AllocResult {
        let end = start.checked_add(size).ok_or(AllocError::InvalidParam)?;
        for &(s, e) in &self.regions[..self.region_count] {
            if s < end && start < e {
                return Err(AllocError::MemoryOverlap);
            }
        }
        if self.region_count == MAX_REGIONS {
            return Err(AllocError::NoMemory);
        }
        let s = round_up(start, UNIT);
        let e = end & !(UNIT - 1);
        if e <= s {
            return Err(AllocError::InvalidParam);
        }
        self.regions[self.region_count] = (start, end);
        self.region_count += 1;
        self.total += size;
        unsafe { self.insert(s, e - s) };
        Ok(())
    }
}

impl ByteAllocator for FirstFit {
    fn alloc(&mut self, layout: Layout) -> AllocResult<NonNull<u8>> {
        let size = round_up(layout.size().max(1), UNIT);
        let align = layout.align().max(UNIT);
        unsafe {
            let mut prev: *mut Node = null_mut();
            let mut cur = self.head;
            while !cur.is_null() {
                let b = cur as usize;
                let bs = (*cur).size;
                let next = (*cur).next;
                let p = round_up(b, align);
                if p >= b && p - b <= bs && bs - (p - b) >= size {
                    // Unlink the block, then give back what is left before and after.
                    if prev.is_null() {
                        self.head = next;
                    } else {
                        (*prev).next = next;
                    }
                    if p > b {
                        self.insert(b, p - b);
                    }
                    if b + bs > p + size {
                        self.insert(p + size, b + bs - (p + size));
                    }
                    self.used += layout.size();
                    return Ok(NonNull::new_unchecked(p as *mut u8));
                }
                prev = cur;
                cur = next;
            }
        }
        Err(AllocError::NoMemory)
    }

    fn dealloc(&mut self, pos: NonNull<u8>, layout: Layout) {
        let size = round_up(layout.size().max(1), UNIT);
        unsafe { self.insert(pos.as_ptr() as usize, size) };
        self.used -= layout.size();
    }

    fn total_bytes(&self) -> usize {
        self.total
    }

    fn used_bytes(&self) -> usize {
        self.used
    }

    fn available_bytes(&self) -> usize {
        self.total - self.used
    }
}

export_byte_allocator!(FirstFit, FirstFit::new());
