//! Export a `no_std` allocator under mmsim's WebAssembly allocator ABI
//! (version 1; see `docs/WASM_ABI.md` in mmsim).
//!
//! The traits are shaped like the ArceOS `allocator` crate's
//! (`BaseAllocator`, `ByteAllocator`, `PageAllocator`, `AllocError`), so an
//! allocator written for ArceOS needs only a thin wrapper. Implement them,
//! then export the implementation with [`export_byte_allocator!`] or
//! [`export_page_allocator!`] (or both) and build a `cdylib` for
//! `wasm32-unknown-unknown`:
//!
//! ```ignore
//! #![no_std]
//! use mmsim_abi::{export_byte_allocator, AllocResult, BaseAllocator, ByteAllocator};
//! pub struct Mine { /* ... */ }
//! impl Mine { pub const fn new() -> Self { Mine { /* ... */ } } }
//! impl BaseAllocator for Mine { /* init, add_memory */ }
//! impl ByteAllocator for Mine { /* alloc, dealloc, total_bytes, ... */ }
//! export_byte_allocator!(Mine, Mine::new());
//! ```
//!
//! Works with rustc 1.63 and later.
#![no_std]

use core::sync::atomic::{AtomicU32, Ordering};

/// The ABI version this crate exports.
pub const ABI_VERSION: u32 = 1;

/// Why an allocator call failed (the ArceOS `allocator` crate's variants).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AllocError {
    /// An argument is invalid (a bad alignment, zero pages, ...).
    InvalidParam,
    /// Memory added overlaps memory the allocator already has.
    MemoryOverlap,
    /// Not enough free memory.
    NoMemory,
    /// Freeing something that is not allocated.
    NotAllocated,
}

impl AllocError {
    /// The code `last_error()` reports: 1 to 4.
    pub const fn code(self) -> u32 {
        match self {
            AllocError::InvalidParam => 1,
            AllocError::MemoryOverlap => 2,
            AllocError::NoMemory => 3,
            AllocError::NotAllocated => 4,
        }
    }
}

/// A result with an [`AllocError`].
pub type AllocResult<T = ()> = Result<T, AllocError>;

/// What every allocator can do: take memory.
pub trait BaseAllocator {
    /// Starts managing `[start, start + size)`.
    fn init(&mut self, start: usize, size: usize);
    /// Adds `[start, start + size)`.
    fn add_memory(&mut self, start: usize, size: usize) -> AllocResult;
}

/// A byte-granularity allocator (ArceOS `ByteAllocator`).
pub trait ByteAllocator: BaseAllocator {
    /// Allocates a block for `layout`.
    fn alloc(&mut self, layout: core::alloc::Layout) -> AllocResult<core::ptr::NonNull<u8>>;
    /// Frees a block `alloc` gave for the same layout.
    fn dealloc(&mut self, pos: core::ptr::NonNull<u8>, layout: core::alloc::Layout);
    /// Bytes managed.
    fn total_bytes(&self) -> usize;
    /// Bytes allocated.
    fn used_bytes(&self) -> usize;
    /// Bytes free.
    fn available_bytes(&self) -> usize;
}

/// A page-granularity allocator (ArceOS `PageAllocator`, 4 KiB pages under this ABI).
pub trait PageAllocator: BaseAllocator {
    /// The page size: 4096 under ABI version 1.
    const PAGE_SIZE: usize;
    /// Allocates `num_pages` pages aligned to `align_pow2` bytes.
    fn alloc_pages(&mut self, num_pages: usize, align_pow2: usize) -> AllocResult<usize>;
    /// Allocates `num_pages` pages starting exactly at `base`.
    fn alloc_pages_at(&mut self, base: usize, num_pages: usize, align_pow2: usize)
        -> AllocResult<usize>;
    /// Frees pages `alloc_pages` gave.
    fn dealloc_pages(&mut self, pos: usize, num_pages: usize);
    /// Pages managed.
    fn total_pages(&self) -> usize;
    /// Pages allocated.
    fn used_pages(&self) -> usize;
    /// Pages free.
    fn available_pages(&self) -> usize;
}

static LAST_ERROR: AtomicU32 = AtomicU32::new(0);

/// Records `e` for `last_error()` and returns the ABI's failure value, 0.
#[doc(hidden)]
pub fn fail(e: AllocError) -> usize {
    LAST_ERROR.store(e.code(), Ordering::Relaxed);
    0
}

/// 0 for success, else the error's code (what `*_add_memory` returns).
#[doc(hidden)]
pub fn status(r: AllocResult) -> u32 {
    match r {
        Ok(()) => 0,
        Err(e) => {
            fail(e);
            e.code()
        }
    }
}

/// `mmsim_abi_version()`: the ABI version.
#[no_mangle]
pub extern "C" fn mmsim_abi_version() -> u32 {
    ABI_VERSION
}

/// `last_error()`: why the last failed call failed.
#[no_mangle]
pub extern "C" fn last_error() -> u32 {
    LAST_ERROR.load(Ordering::Relaxed)
}

#[cfg(all(feature = "panic_handler", target_arch = "wasm32"))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

/// Exports `$ty`, a [`ByteAllocator`] built by the constant expression
/// `$init`, as the ABI's `byte_*` functions.
#[macro_export]
macro_rules! export_byte_allocator {
    ($ty:ty, $init:expr) => {
        static mut MMSIM_BYTE_ALLOCATOR: $ty = $init;

        fn mmsim_byte_allocator() -> &'static mut $ty {
            // The module is single-threaded: one call at a time.
            unsafe { &mut *core::ptr::addr_of_mut!(MMSIM_BYTE_ALLOCATOR) }
        }

        #[no_mangle]
        pub extern "C" fn byte_init(start: usize, size: usize) {
            $crate::BaseAllocator::init(mmsim_byte_allocator(), start, size)
        }

        #[no_mangle]
        pub extern "C" fn byte_add_memory(start: usize, size: usize) -> u32 {
            $crate::status($crate::BaseAllocator::add_memory(mmsim_byte_allocator(), start, size))
        }

        #[no_mangle]
        pub extern "C" fn byte_alloc(size: usize, align: usize) -> usize {
            match core::alloc::Layout::from_size_align(size, align) {
                Ok(layout) => match $crate::ByteAllocator::alloc(mmsim_byte_allocator(), layout) {
                    Ok(p) => p.as_ptr() as usize,
                    Err(e) => $crate::fail(e),
                },
                Err(_) => $crate::fail($crate::AllocError::InvalidParam),
            }
        }

        #[no_mangle]
        pub extern "C" fn byte_dealloc(ptr: usize, size: usize, align: usize) {
            if let (Some(p), Ok(layout)) = (
                core::ptr::NonNull::new(ptr as *mut u8),
                core::alloc::Layout::from_size_align(size, align),
            ) {
                $crate::ByteAllocator::dealloc(mmsim_byte_allocator(), p, layout)
            }
        }

        #[no_mangle]
        pub extern "C" fn byte_total_bytes() -> usize {
            $crate::ByteAllocator::total_bytes(mmsim_byte_allocator())
        }

        #[no_mangle]
        pub extern "C" fn byte_used_bytes() -> usize {
            $crate::ByteAllocator::used_bytes(mmsim_byte_allocator())
        }

        #[no_mangle]
        pub extern "C" fn byte_available_bytes() -> usize {
            $crate::ByteAllocator::available_bytes(mmsim_byte_allocator())
        }
    };
}

/// Exports `$ty`, a [`PageAllocator`] built by the constant expression
/// `$init`, as the ABI's `page_*` functions.
#[macro_export]
macro_rules! export_page_allocator {
    ($ty:ty, $init:expr) => {
        static mut MMSIM_PAGE_ALLOCATOR: $ty = $init;

        fn mmsim_page_allocator() -> &'static mut $ty {
            // The module is single-threaded: one call at a time.
            unsafe { &mut *core::ptr::addr_of_mut!(MMSIM_PAGE_ALLOCATOR) }
        }

        #[no_mangle]
        pub extern "C" fn page_init(start: usize, size: usize) {
            $crate::BaseAllocator::init(mmsim_page_allocator(), start, size)
        }

        #[no_mangle]
        pub extern "C" fn page_add_memory(start: usize, size: usize) -> u32 {
            $crate::status($crate::BaseAllocator::add_memory(mmsim_page_allocator(), start, size))
        }

        #[no_mangle]
        pub extern "C" fn page_alloc_pages(num_pages: usize, align_pow2: usize) -> usize {
            match $crate::PageAllocator::alloc_pages(mmsim_page_allocator(), num_pages, align_pow2) {
                Ok(p) => p,
                Err(e) => $crate::fail(e),
            }
        }

        #[no_mangle]
        pub extern "C" fn page_alloc_pages_at(base: usize, num_pages: usize, align_pow2: usize) -> usize {
            match $crate::PageAllocator::alloc_pages_at(
                mmsim_page_allocator(),
                base,
                num_pages,
                align_pow2,
            ) {
                Ok(p) => p,
                Err(e) => $crate::fail(e),
            }
        }

        #[no_mangle]
        pub extern "C" fn page_dealloc_pages(pos: usize, num_pages: usize) {
            $crate::PageAllocator::dealloc_pages(mmsim_page_allocator(), pos, num_pages)
        }

        #[no_mangle]
        pub extern "C" fn page_total_pages() -> usize {
            $crate::PageAllocator::total_pages(mmsim_page_allocator())
        }

        #[no_mangle]
        pub extern "C" fn page_used_pages() -> usize {
            $crate::PageAllocator::used_pages(mmsim_page_allocator())
        }

        #[no_mangle]
        pub extern "C" fn page_available_pages() -> usize {
            $crate::PageAllocator::available_pages(mmsim_page_allocator())
        }
    };
}
