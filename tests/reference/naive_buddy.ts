// A literal transcription of buddy_system_allocator::Heap<32> (alloc, dealloc,
// add_to_heap) with plain arrays and linear scans, used only to check that the
// indexed model in mm/buddy_heap.ts returns the same addresses. Free lists
// are arrays whose end is the list's head.

import { log2Floor, lowestSetBit, nextPowerOfTwo, prevPowerOfTwo } from "../../hal/int.ts";

export class NaiveBuddy {
  lists: number[][] = Array.from({ length: 32 }, () => []);
  allocated = 0;
  total = 0;

  addToHeap(start: number, end: number): void {
    start = Math.ceil(start / 8) * 8;
    end = Math.floor(end / 8) * 8;
    let cur = start;
    while (cur + 8 <= end) {
      const size = Math.min(lowestSetBit(cur), prevPowerOfTwo(end - cur), 2 ** 31);
      this.total += size;
      this.lists[log2Floor(size)].push(cur);
      cur += size;
    }
  }

  alloc(size: number, align: number): number | null {
    const block = Math.max(nextPowerOfTwo(size), align, 8);
    const cls = log2Floor(block);
    for (let i = cls; i < 32; i++) {
      if (this.lists[i].length === 0) continue;
      for (let j = i; j > cls; j--) {
        const b = this.lists[j].pop()!;
        this.lists[j - 1].push(b + 2 ** (j - 1));
        this.lists[j - 1].push(b);
      }
      this.allocated += block;
      return this.lists[cls].pop()!;
    }
    return null;
  }

  dealloc(ptr: number, size: number, align: number): void {
    const block = Math.max(nextPowerOfTwo(size), align, 8);
    let cls = log2Floor(block);
    this.lists[cls].push(ptr);
    let cur = ptr;
    while (cls < 31) {
      const bit = 2 ** cls;
      const buddy = Math.floor(cur / bit) % 2 === 1 ? cur - bit : cur + bit;
      const list = this.lists[cls];
      // Scan from the head (the array's end), like the linked list's iter_mut.
      let found = -1;
      for (let k = list.length - 1; k >= 0; k--) {
        if (list[k] === buddy) {
          found = k;
          break;
        }
      }
      if (found < 0) break;
      list.splice(found, 1);
      list.pop(); // the block pushed just before
      cur = Math.min(cur, buddy);
      cls++;
      this.lists[cls].push(cur);
    }
    this.allocated -= block;
  }
}
