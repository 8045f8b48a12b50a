// A hash map from 16-byte aligned pointers (below 2^32) to unsigned 32-bit values, for the
// allocator. Open addressing with linear probing and backward-shift deletion: a delete leaves no
// tombstone, so freeing and re-allocating the same pointer millions of times keeps every probe
// short. (V8's Map keeps deleted entries in their bucket chains until a rehash; this exact
// pattern, one pointer freed and reused per step, made Map lookups linear in the step count.)

const EMPTY = 0xffffffff; // never a key: keys are multiples of 16

export class PointerMap {
  private keys: Uint32Array;
  private values: Uint32Array;
  private mask: number;
  private shift: number;
  private count = 0;

  constructor(initialCapacity = 64) {
    let capacity = 16;
    while (capacity < initialCapacity * 2) capacity *= 2;
    this.keys = new Uint32Array(capacity).fill(EMPTY);
    this.values = new Uint32Array(capacity);
    this.mask = capacity - 1;
    this.shift = 32 - Math.log2(capacity);
  }

  get size(): number {
    return this.count;
  }

  // Fibonacci hashing of the pointer's 16-byte granule index (the product's high bits).
  private slot(key: number): number {
    return Math.imul(key >>> 4, 0x9e3779b1) >>> this.shift;
  }

  get(key: number): number | undefined {
    for (let i = this.slot(key); ; i = (i + 1) & this.mask) {
      const k = this.keys[i]!;
      if (k === key) return this.values[i]!;
      if (k === EMPTY) return undefined;
    }
  }

  has(key: number): boolean {
    return this.get(key) !== undefined;
  }

  set(key: number, value: number): void {
    if ((this.count + 1) * 2 > this.keys.length) this.grow();
    for (let i = this.slot(key); ; i = (i + 1) & this.mask) {
      const k = this.keys[i]!;
      if (k === key) {
        this.values[i] = value;
        return;
      }
      if (k === EMPTY) {
        this.keys[i] = key;
        this.values[i] = value;
        this.count++;
        return;
      }
    }
  }

  delete(key: number): boolean {
    let i = this.slot(key);
    for (; ; i = (i + 1) & this.mask) {
      const k = this.keys[i]!;
      if (k === key) break;
      if (k === EMPTY) return false;
    }
    // Backward shift: move later entries of the probe run into the gap when that keeps them
    // reachable from their home slot.
    let gap = i;
    for (let j = (i + 1) & this.mask; ; j = (j + 1) & this.mask) {
      const k = this.keys[j]!;
      if (k === EMPTY) break;
      const home = this.slot(k);
      const reachable = gap <= j ? home <= gap || home > j : home <= gap && home > j;
      if (reachable) {
        this.keys[gap] = k;
        this.values[gap] = this.values[j]!;
        gap = j;
      }
    }
    this.keys[gap] = EMPTY;
    this.count--;
    return true;
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldValues = this.values;
    this.keys = new Uint32Array(oldKeys.length * 2).fill(EMPTY);
    this.values = new Uint32Array(oldKeys.length * 2);
    this.mask = this.keys.length - 1;
    this.shift--;
    this.count = 0;
    for (let i = 0; i < oldKeys.length; i++) {
      if (oldKeys[i] !== EMPTY) this.set(oldKeys[i]!, oldValues[i]!);
    }
  }
}
