// A literal transcription of bitmap_allocator's find_contiguous /
// check_contiguous over one bit per page, and of BitmapPageAllocator's
// checks, used only to check mm/bitmap_page_allocator.ts and its word-wise
// search. Returns an address, or the AllocError name.

export class NaiveBitmap {
  bits: Uint8Array; // 1 = free
  base = 0;
  total = 0;
  used = 0;
  constructor(readonly cap: number, readonly pageSize = 4096) {
    this.bits = new Uint8Array(cap);
  }

  init(start: number, size: number): void {
    const end = Math.floor((start + size) / this.pageSize) * this.pageSize;
    const s = Math.ceil(start / this.pageSize) * this.pageSize;
    this.total = (end - s) / this.pageSize;
    this.base = Math.floor(s / 0x4000_0000) * 0x4000_0000;
    const idx = (s - this.base) / this.pageSize;
    this.bits.fill(1, idx, idx + this.total);
  }

  next(key: number): number {
    for (let i = key; i < this.cap; i++) if (this.bits[i]) return i;
    return -1;
  }

  find(size: number, alignLog2: number): number {
    const align = 2 ** alignLog2;
    if (this.cap < align || this.next(0) < 0) return -1;
    let base = Math.ceil(this.next(0) / align) * align;
    let offset = base;
    while (offset < this.cap) {
      const nx = this.next(offset);
      if (nx < 0) return -1;
      if (nx !== offset) {
        base = Math.ceil(nx / align) * align;
        offset = base;
        continue;
      }
      offset++;
      if (offset - base === size) return base;
    }
    return -1;
  }

  check(base: number, size: number, alignLog2: number): boolean {
    const align = 2 ** alignLog2;
    if (this.cap < align || this.next(0) < 0 || base % align !== 0) return false;
    let offset = base;
    while (offset < this.cap) {
      if (this.next(offset) !== offset) return false;
      offset++;
      if (offset - base === size) return true;
    }
    return false;
  }

  #alignLog2(align: number): number | string {
    if (align > 0x4000_0000 || align % this.pageSize !== 0) return "InvalidParam";
    const pages = align / this.pageSize;
    if (pages === 0 || (pages & (pages - 1)) !== 0) return "InvalidParam";
    return Math.log2(pages);
  }

  allocPages(n: number, align: number): number | string {
    const a = this.#alignLog2(align);
    if (typeof a === "string") return a;
    if (n > this.total - this.used) return "NoMemory";
    if (n === 0) return "InvalidParam";
    const idx = n === 1 ? this.next(0) : this.find(n, a);
    if (idx < 0) return "NoMemory";
    this.bits.fill(0, idx, idx + n);
    this.used += n;
    return this.base + idx * this.pageSize;
  }

  allocPagesAt(at: number, n: number, align: number): number | string {
    if (align > 0x4000_0000 || align % this.pageSize !== 0) return "InvalidParam";
    if (at % align !== 0 || at % this.pageSize !== 0) return "InvalidParam";
    const a = this.#alignLog2(align);
    if (typeof a === "string") return a;
    const idx = (at - this.base) / this.pageSize;
    if (idx < 0 || !this.check(idx, n, a)) return "NoMemory";
    this.bits.fill(0, idx, idx + n);
    this.used += n;
    return at;
  }

  deallocPages(pos: number, n: number): void {
    const idx = (pos - this.base) / this.pageSize;
    this.bits.fill(1, idx, idx + n);
    this.used -= n;
  }
}
