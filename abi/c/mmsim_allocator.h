/*
 * mmsim's WebAssembly allocator ABI, version 1, for C.
 * See docs/WASM_ABI.md in mmsim.
 *
 * Every integer is a wasm i32 read as unsigned (size_t on wasm32). Build
 * with: clang --target=wasm32-unknown-unknown -O2 -nostdlib \
 *   -Wl,--no-entry -I abi/c -o mine.wasm mine.c
 * A module imports nothing: no libc, no runtime. Define the functions of
 * one family (byte_* or page_*) or both, plus mmsim_abi_version and
 * last_error; MMSIM_EXPORT makes each an export under its own name.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef MMSIM_ALLOCATOR_H
#define MMSIM_ALLOCATOR_H

#include <stddef.h>

#define MMSIM_ABI_VERSION 1

/* last_error() after a failed call. */
#define MMSIM_INVALID_PARAM 1
#define MMSIM_MEMORY_OVERLAP 2
#define MMSIM_NO_MEMORY 3
#define MMSIM_NOT_ALLOCATED 4

/* Exports a function from the module under its own name. */
#define MMSIM_EXPORT(name) __attribute__((export_name(#name))) name

unsigned MMSIM_EXPORT(mmsim_abi_version)(void);
unsigned MMSIM_EXPORT(last_error)(void);

/* Byte allocator (ArceOS ByteAllocator). Failures: 0 (alloc) or an error code (add_memory). */
void MMSIM_EXPORT(byte_init)(size_t start, size_t size);
unsigned MMSIM_EXPORT(byte_add_memory)(size_t start, size_t size);
size_t MMSIM_EXPORT(byte_alloc)(size_t size, size_t align);
void MMSIM_EXPORT(byte_dealloc)(size_t ptr, size_t size, size_t align);
size_t MMSIM_EXPORT(byte_total_bytes)(void);
size_t MMSIM_EXPORT(byte_used_bytes)(void);
size_t MMSIM_EXPORT(byte_available_bytes)(void);

/* Page allocator (ArceOS PageAllocator, 4 KiB pages; align_pow2 in bytes). */
void MMSIM_EXPORT(page_init)(size_t start, size_t size);
unsigned MMSIM_EXPORT(page_add_memory)(size_t start, size_t size);
size_t MMSIM_EXPORT(page_alloc_pages)(size_t num_pages, size_t align_pow2);
size_t MMSIM_EXPORT(page_alloc_pages_at)(size_t base, size_t num_pages, size_t align_pow2);
void MMSIM_EXPORT(page_dealloc_pages)(size_t pos, size_t num_pages);
size_t MMSIM_EXPORT(page_total_pages)(void);
size_t MMSIM_EXPORT(page_used_pages)(void);
size_t MMSIM_EXPORT(page_available_pages)(void);

#endif
