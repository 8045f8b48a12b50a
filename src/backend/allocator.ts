// Allocator for tensor storage in WebAssembly linear memory.
//
// The region [base, top) is carved into blocks; [top, capacity) is untouched. Every block starts
// and ends on a 16-byte boundary (the alignment of v128 loads). Freed blocks are coalesced with
// free neighbours at once; a free block that reaches `top` is given back to the untouched region.
// Free blocks are indexed by start and by end (for coalescing) and sit in one bin each: an exact
// size bin up to SMALL_LIMIT bytes (training loops free and reallocate the same sizes every step,
// so these hits are O(1)), a power-of-two class above. A request takes an exact hit, else a best
// fit among a few blocks of its own class, else any block of the first larger non-empty bin (all
// of which fit), so no request scans blocks that cannot hold it.
// Growth asks the owner to grow memory; the wasm32 ceiling of 4 GiB is checked before asking.
//
// Addresses are unsigned numbers in [0, 2^32]; only `top` and a live block's end reach 2^32. The
// PointerMaps hold 32-bit keys, which is enough: their keys are block starts and the ends of free
// blocks, all below top (a free block that reaches top is merged into it), so below 2^32.

import { OutOfMemoryError } from '../errors.js';
import { PointerMap } from './pointer-map.js';

export const ALIGNMENT = 16;
export const WASM_PAGE_BYTES = 65536;
/** wasm32 linear memory ends at 2^32 bytes (65536 pages). */
export const MAX_MEMORY_BYTES = 2 ** 32;
// Scanning more candidates than this within one size class is not worth the best fit.
const MAX_BEST_FIT_SCAN = 16;
// Free blocks up to this size live in exact-size bins.
const SMALL_LIMIT = 4096;
const SMALL_BINS = SMALL_LIMIT / ALIGNMENT;

/** What memoryStats() reports about the kernel module's linear memory. */
export interface AllocatorStats {
  /** Bytes in live blocks (after rounding up to the alignment). */
  bytesInUse: number;
  /** Highest bytesInUse seen since creation or the last resetPeak(). */
  peakBytesInUse: number;
  /** Number of live blocks. */
  liveBlocks: number;
  /** Bytes in free blocks waiting for reuse. */
  freeBytes: number;
  /** Size of the whole linear memory. */
  memoryBytes: number;
}

/** What the allocator needs from the memory it manages. */
export interface GrowableMemory {
  /** Current size of linear memory in bytes. */
  byteLength(): number;
  /** Grows linear memory by `pages` pages; throws if the engine refuses. */
  grow(pages: number): void;
}

// Bin index: 1..SMALL_BINS for exact small sizes, then one per power of two above SMALL_LIMIT.
function binOf(bytes: number): number {
  if (bytes <= SMALL_LIMIT) return bytes / ALIGNMENT;
  return SMALL_BINS + 32 - Math.clz32(bytes / SMALL_LIMIT);
}

export class Allocator {
  private top: number;
  private readonly live = new PointerMap();
  private readonly freeByStart = new PointerMap();
  private readonly freeByEnd = new PointerMap();
  // bins[b] is a stack of free block starts; binSlot maps a free start to its index in its bin.
  private readonly bins: number[][] = [];
  private readonly binSlot = new PointerMap();
  private inUse = 0;
  private peak = 0;
  private freeTotal = 0;

  constructor(
    private readonly base: number,
    private readonly memory: GrowableMemory,
  ) {
    this.top = Math.ceil(base / ALIGNMENT) * ALIGNMENT;
  }

  /**
   * Reserves `bytes` (rounded up to 16) and returns the 16-byte aligned byte offset. `owner` (the
   * operation asking) opens the message of an OutOfMemoryError.
   */
  alloc(bytes: number, owner = 'alloc'): number {
    if (!Number.isFinite(bytes) || bytes < 0) {
      throw new OutOfMemoryError(`${owner}: expected a byte count >= 0, got ${bytes}`);
    }
    const size = Math.max(ALIGNMENT, Math.ceil(bytes / ALIGNMENT) * ALIGNMENT);
    const ptr = this.takeFree(size) ?? this.takeFromTop(size, owner);
    this.live.set(ptr, size);
    this.inUse += size;
    if (this.inUse > this.peak) this.peak = this.inUse;
    return ptr;
  }

  /** Releases a block returned by alloc. Freeing an unknown or already freed pointer throws. */
  free(ptr: number): void {
    const size = this.live.get(ptr);
    if (size === undefined) {
      throw new OutOfMemoryError(`free: ${ptr} is not a live block (double free?)`);
    }
    this.live.delete(ptr);
    this.inUse -= size;
    let start = ptr;
    let end = ptr + size;
    const before = this.freeByEnd.get(start);
    if (before !== undefined) {
      this.removeFree(before, start - before);
      start = before;
    }
    const afterSize = this.freeByStart.get(end);
    if (afterSize !== undefined) {
      this.removeFree(end, afterSize);
      end += afterSize;
    }
    if (end === this.top) this.top = start;
    else this.addFree(start, end - start);
  }

  /** Size in bytes of a live block (rounded), or undefined. */
  sizeOf(ptr: number): number | undefined {
    return this.live.get(ptr);
  }

  stats(): AllocatorStats {
    return {
      bytesInUse: this.inUse,
      peakBytesInUse: this.peak,
      liveBlocks: this.live.size,
      freeBytes: this.freeTotal,
      memoryBytes: this.memory.byteLength(),
    };
  }

  resetPeak(): void {
    this.peak = this.inUse;
  }

  private takeFree(size: number): number | undefined {
    const own = binOf(size);
    let found = -1;
    let foundSize = 0;
    const candidates = this.bins[own];
    if (candidates !== undefined && candidates.length > 0) {
      if (size <= SMALL_LIMIT) {
        found = candidates[candidates.length - 1]!;
        foundSize = size;
      } else {
        // Best fit among a few blocks of the request's own class (they may be too small).
        let scanned = 0;
        for (const start of candidates) {
          const blockSize = this.freeByStart.get(start)!;
          if (blockSize >= size && (found < 0 || blockSize < foundSize)) {
            found = start;
            foundSize = blockSize;
            if (blockSize === size) break;
          }
          if (++scanned >= MAX_BEST_FIT_SCAN) break;
        }
      }
    }
    // Every block of a larger bin fits.
    for (let b = own + 1; found < 0 && b < this.bins.length; b++) {
      const bin = this.bins[b];
      if (bin === undefined || bin.length === 0) continue;
      found = bin[bin.length - 1]!;
      foundSize = this.freeByStart.get(found)!;
    }
    if (found < 0) return undefined;
    this.removeFree(found, foundSize);
    if (foundSize > size) this.addFree(found + size, foundSize - size);
    return found;
  }

  private takeFromTop(size: number, owner: string): number {
    // A free block touching the top is extended instead of leaving it behind.
    const tail = this.freeByEnd.get(this.top);
    const start = tail ?? this.top;
    if (tail !== undefined) this.removeFree(tail, this.top - tail);
    const end = start + size;
    if (end > MAX_MEMORY_BYTES) {
      if (tail !== undefined) this.addFree(tail, this.top - tail);
      throw new OutOfMemoryError(
        `${owner}: ${size} bytes do not fit in WebAssembly memory: ${this.inUse} bytes in use, ` +
          `the wasm32 limit is 4 GiB`,
      );
    }
    this.ensureCapacity(end, tail, owner);
    this.top = end;
    return start;
  }

  private ensureCapacity(end: number, tail: number | undefined, owner: string): void {
    const capacity = this.memory.byteLength();
    if (end <= capacity) return;
    // Grow geometrically (x1.5) to amortise, but never past the ceiling.
    const wanted = Math.min(MAX_MEMORY_BYTES, Math.max(end, Math.floor(capacity * 1.5)));
    const pages = Math.ceil((wanted - capacity) / WASM_PAGE_BYTES);
    const minimumPages = Math.ceil((end - capacity) / WASM_PAGE_BYTES);
    try {
      this.memory.grow(pages);
    } catch {
      try {
        this.memory.grow(minimumPages);
      } catch (error) {
        if (tail !== undefined) this.addFree(tail, this.top - tail);
        throw new OutOfMemoryError(
          `${owner}: WebAssembly memory could not grow from ${capacity} to ${end} bytes ` +
            `(${this.inUse} bytes in use): ${(error as Error).message}`,
        );
      }
    }
  }

  private addFree(start: number, size: number): void {
    this.freeByStart.set(start, size);
    this.freeByEnd.set(start + size, start);
    const b = binOf(size);
    while (this.bins.length <= b) this.bins.push([]);
    const bin = this.bins[b]!;
    this.binSlot.set(start, bin.length);
    bin.push(start);
    this.freeTotal += size;
  }

  private removeFree(start: number, size: number): void {
    this.freeByStart.delete(start);
    this.freeByEnd.delete(start + size);
    // Swap-remove from the bin's stack.
    const bin = this.bins[binOf(size)]!;
    const at = this.binSlot.get(start)!;
    const last = bin.pop()!;
    if (last !== start) {
      bin[at] = last;
      this.binSlot.set(last, at);
    }
    this.binSlot.delete(start);
    this.freeTotal -= size;
  }
}
