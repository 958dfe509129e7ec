/**
 * Metadata buffers of allocators a replay is done with, handed to the next
 * one it makes (its next pass): the buddy's page metadata and the slab
 * table, zeroed again as new ones are. Internal to the models; not part of
 * mmsim's API.
 *
 * @module
 */

/** Metadata buffers of allocators that are done (`BuddyPages.recycle`, `BuddySlabGlobalAllocator.recycle`), at most four. */
const spareBuffers: ArrayBuffer[] = [];

/** A spare buffer of `bytes`, zeroed (as a new one is), if there is one. */
export function spareBuffer(bytes: number): ArrayBuffer | undefined {
  const i = spareBuffers.findIndex((b) => b.byteLength === bytes);
  if (i < 0) return undefined;
  const [buf] = spareBuffers.splice(i, 1);
  new Uint8Array(buf).fill(0);
  return buf;
}

/** Keeps `buf` for {@linkcode spareBuffer}. */
export function keepBuffer(buf: ArrayBuffer): void {
  if (spareBuffers.length >= 4) spareBuffers.shift();
  spareBuffers.push(buf);
}
