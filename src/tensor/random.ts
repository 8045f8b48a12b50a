// Seeded pseudo-random numbers that are identical on every machine: xoshiro128** on 32-bit
// integer arithmetic (Math.imul, >>>), seeded through splitmix32, with uniform doubles built from
// 53 random bits and normals from the Box–Muller transform (both outputs used, in order).

import { ArgumentError } from '../errors.js';

/**
 * A seedable random generator (xoshiro128**, seeded by splitmix32): uniform, normal and 32-bit
 * integer draws; its state can be read and restored (getState/setState).
 *
 * @example
 * const g = new RandomGenerator(42);
 * g.uniform();   // the same value for every run seeded with 42
 */
export class RandomGenerator {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spareNormal: number | undefined;

  constructor(seed: number) {
    this.reseed(seed);
  }

  /** Restarts the sequence from a seed (any finite number; its integer part modulo 2^32 is used). */
  reseed(seed: number): void {
    if (typeof seed !== 'number' || !Number.isFinite(seed)) {
      throw new ArgumentError(`random: seed must be a finite number, got ${String(seed)}`);
    }
    let x = Math.trunc(seed) >>> 0;
    const next = (): number => {
      // splitmix32
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
    this.spareNormal = undefined;
  }

  /** The generator's state: four unsigned 32-bit words (xoshiro128). */
  getState(): [number, number, number, number] {
    return [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0];
  }

  /** Continues the sequence from a state returned by getState. */
  setState(state: readonly number[]): void {
    if (state.length !== 4 || state.some((w) => !Number.isInteger(w) || w < 0 || w > 0xffffffff) || state.every((w) => w === 0)) {
      throw new ArgumentError(`random: a state is four unsigned 32-bit integers, not all zero; got [${state.join(', ')}]`);
    }
    [this.s0, this.s1, this.s2, this.s3] = state.map((w) => w | 0) as [number, number, number, number];
    this.spareNormal = undefined;
  }

  /** Next 32 random bits as an unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Standard normal. */
  normal(): number {
    if (this.spareNormal !== undefined) {
      const z = this.spareNormal;
      this.spareNormal = undefined;
      return z;
    }
    let u = this.uniform();
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Integer in [0, n) without modulo bias. */
  integer(n: number): number {
    return Math.floor(this.uniform() * n);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

const DEFAULT_SEED = 0x2545f491;
const globalGenerator = new RandomGenerator(DEFAULT_SEED);

/** The generator used when an operation is given no seed. */
export function defaultGenerator(): RandomGenerator {
  return globalGenerator;
}

/**
 * Reseeds the default generator, so runs that pass no explicit seeds repeat exactly.
 *
 * @example
 * manualSeed(42);
 * const a = randn([2, 3]); // the same numbers on every machine
 */
export function manualSeed(seed: number): void {
  globalGenerator.reseed(seed);
}

/** The generator for an operation: a fresh one from an explicit seed, else the default one. */
export function generatorFor(op: string, seed: number | undefined): RandomGenerator {
  if (seed === undefined) return globalGenerator;
  if (typeof seed !== 'number' || !Number.isFinite(seed)) {
    throw new ArgumentError(`${op}: seed must be a finite number, got ${String(seed)}`);
  }
  return new RandomGenerator(seed);
}
