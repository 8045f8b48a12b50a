import { describe, expect, it } from 'vitest';
import { PointerMap } from '../../src/backend/pointer-map.js';
import { seededRandom } from '../helpers/kernel-harness.js';

describe('PointerMap', () => {
  it('agrees with a JavaScript Map over a long random sequence of sets, gets and deletes', () => {
    const random = seededRandom(1);
    const ours = new PointerMap(4);
    const theirs = new Map<number, number>();
    for (let i = 0; i < 200_000; i++) {
      const key = Math.floor(random() * 5000) * 16 + (random() < 0.5 ? 0 : 2 ** 31);
      const r = random();
      if (r < 0.45) {
        const value = Math.floor(random() * 2 ** 32);
        ours.set(key, value);
        theirs.set(key, value);
      } else if (r < 0.8) {
        expect(ours.delete(key)).toBe(theirs.delete(key));
      } else {
        expect(ours.get(key)).toBe(theirs.get(key));
      }
    }
    expect(ours.size).toBe(theirs.size);
    for (const [k, v] of theirs) expect(ours.get(k)).toBe(v);
  });

  it('stays fast when one key is deleted and re-added over and over (no tombstones)', () => {
    const map = new PointerMap();
    for (let i = 0; i < 200_000; i++) map.set(16 * i, 16);
    const start = performance.now();
    for (let i = 0; i < 200_000; i++) {
      const key = 16 * (199_999 - (i % 2));
      map.delete(key);
      map.set(key, 16);
    }
    expect(performance.now() - start).toBeLessThan(1000);
    expect(map.size).toBe(200_000);
  });
});
