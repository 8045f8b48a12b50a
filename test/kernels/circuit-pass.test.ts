import { describe, expect, it } from 'vitest';
import { BUILDS, DTYPES, Harness, expectClose } from '../helpers/kernel-harness.js';
import { PROGRAM_WORDS, writeProgram, type CircuitPass } from '../../src/ops/circuit-passes.js';
import type { CircuitSpec, CircuitStep } from '../../src/ops/circuit.js';
import { UnaryOp } from '../../src/backend/kernel-codes.js';

// A pass in the window [lo, hi] of a state of `sites` sites of dimension d, with W columns per
// gathered block (the last window, hi = sites - 1, is contiguous and has W = 1), over the steps:
// gates on sites inside the window (their gate index is their position) and activations.
interface PassCase {
  label: string;
  d: number;
  sites: number;
  lo: number;
  hi: number;
  W: number;
  steps: CircuitStep[];
}

function passOf(c: PassCase): CircuitPass {
  const { d, sites, lo, hi, W } = c;
  const rows = d ** (hi - lo + 1);
  const rowStride = d ** (sites - hi - 1);
  const chunks = rowStride / W;
  return { steps: c.steps.map((_, i) => i), lo, hi, rows, width: W, rowStride, chunks, highStride: d ** (sites - lo), blocks: d ** lo * chunks };
}

const gate = (site: number, g: number): CircuitStep => ({ kind: 'gate', gate: g, site });
const act = (activation: 'relu' | 'leakyRelu' | 'tanh' | 'sigmoid' | 'identity', slope?: number): CircuitStep =>
  slope === undefined ? { kind: 'activation', activation } : { kind: 'activation', activation, slope };

// Every layout the gate kernels take inside a block (B a multiple of the lanes, B = 1, B = 2, odd),
// gathered blocks with rows of 1, 2, 4 and 16 columns (the copy's scalar and vector paths),
// windows with and without sites below them (several high indices), each activation, a gate used
// twice, a pass of one step, and local dimension 3 (D = 9).
const CASES: PassCase[] = [
  { label: 'contiguous, whole state, Q=5', d: 2, sites: 5, lo: 0, hi: 4, W: 1, steps: [gate(0, 0), gate(2, 1), act('relu'), gate(1, 2), gate(3, 3)] },
  { label: 'contiguous, high sites apart, Q=7', d: 2, sites: 7, lo: 3, hi: 6, W: 1, steps: [gate(3, 0), gate(5, 1), gate(4, 2), act('tanh'), gate(3, 0)] },
  { label: 'gathered, W=8 of 16, Q=8', d: 2, sites: 8, lo: 0, hi: 3, W: 8, steps: [gate(0, 0), gate(2, 1), gate(1, 2), act('leakyRelu', 0.1), gate(0, 3)] },
  { label: 'gathered, W=16 of 64, Q=10, an activation first', d: 2, sites: 10, lo: 0, hi: 3, W: 16, steps: [act('relu'), gate(0, 0), gate(2, 1), gate(1, 2)] },
  { label: 'gathered, W=4, middle window, Q=9', d: 2, sites: 9, lo: 2, hi: 5, W: 4, steps: [gate(2, 0), gate(4, 1), act('sigmoid'), gate(3, 2)] },
  { label: 'gathered, W=2, Q=6', d: 2, sites: 6, lo: 1, hi: 3, W: 2, steps: [gate(1, 0), gate(2, 1), act('identity')] },
  { label: 'gathered, W=1, Q=5', d: 2, sites: 5, lo: 0, hi: 2, W: 1, steps: [gate(0, 0), act('relu'), gate(1, 1)] },
  { label: 'one gate, gathered, W=8, Q=7', d: 2, sites: 7, lo: 0, hi: 1, W: 8, steps: [gate(0, 0)] },
  { label: 'an activation only, contiguous', d: 2, sites: 4, lo: 1, hi: 3, W: 1, steps: [act('tanh')] },
  { label: 'd=3, contiguous, Q=4', d: 3, sites: 4, lo: 1, hi: 3, W: 1, steps: [gate(1, 0), gate(2, 1), act('relu'), gate(1, 2)] },
  { label: 'd=3, gathered, W=3 of 9, Q=5', d: 3, sites: 5, lo: 0, hi: 2, W: 3, steps: [gate(0, 0), gate(1, 1), act('tanh')] },
];

describe.each(BUILDS)('circuit pass kernels (%s build)', (build) => {
  const h = new Harness(build, 33);

  describe.each(DTYPES)('%s', (dtype) => {
    const S = h.suffix(dtype);
    const bytes = h.bytes(dtype);
    const rel = dtype === 'float32' ? 3e-5 : 1e-12;

    it.each(CASES)('$label: forward and backward match the reference on a range of blocks, and leave the others alone', (c) => {
      const pass = passOf(c);
      // A case named "gathered" really gathers (rows apart), the others are contiguous.
      expect(pass.width < pass.rowStride, 'gathered').toBe(c.label.includes('gathered'));
      const spec: CircuitSpec = { sites: c.sites, localDim: c.d, steps: c.steps };
      const D = c.d * c.d;
      const n = c.d ** c.sites;
      const gateCount = Math.max(1, ...c.steps.map((s) => (s.kind === 'gate' ? s.gate + 1 : 0)));
      const program = h.alloc('float64', (c.steps.length * PROGRAM_WORDS) / 2);
      writeProgram(spec, pass, bytes, h.module.i32, program / 4);
      // Gates near the identity keep values of order 1 through the steps.
      const gateValues = Float64Array.from({ length: gateCount * D * D }, (_, i) => (i % (D + 1) === 0 ? 1 : 0) + 0.3 * Math.sin(7 * i + 1));
      const gates = h.fromValues(dtype, gateValues);
      const input = h.random_(dtype, n), gradOut = h.random_(dtype, n);
      // Blocks [first, first + count): all but the first when there are several.
      const first = pass.blocks > 1 ? 1 : 0;
      const count = pass.blocks - first;
      const geometry = [D, pass.rows, pass.width, pass.rowStride, pass.chunks, pass.highStride, first, count] as const;
      const blockSize = pass.rows * pass.width;

      const SENTINEL = 4321.5;
      const sentinelBlock = (elements: number) => h.fromValues(dtype, new Float64Array(elements).fill(SENTINEL));
      const out = sentinelBlock(n), outRef = sentinelBlock(n);
      const scratch = h.alloc(dtype, 2 * blockSize);
      h.k[`circuitPass${S}`](out, input, gates, program, c.steps.length, ...geometry, scratch);
      h.ref[`circuitPass${S}`](outRef, input, gates, program, c.steps.length, ...geometry, 0);
      const kernelValues = h.read(dtype, out, n);
      const refValues = h.read(dtype, outRef, n);
      expectClose(kernelValues, refValues, rel, rel, 'circuitPass');
      // Entries outside the blocks asked for keep the sentinel (as in the reference's output).
      for (let i = 0; i < n; i++) if (refValues[i] === SENTINEL) expect(kernelValues[i], `entry ${i} outside the blocks`).toBe(SENTINEL);
      if (first > 0) expect(refValues.filter((v) => v === SENTINEL).length).toBe(n - count * blockSize);

      const dInput = sentinelBlock(n), dInputRef = sentinelBlock(n);
      const dGates = h.fromValues(dtype, new Float64Array(gateCount * D * D).fill(0.25));
      const dGatesRef = h.fromValues(dtype, new Float64Array(gateCount * D * D).fill(0.25));
      const backwardScratch = h.alloc(dtype, (c.steps.length + 3) * blockSize + D * D);
      h.k[`circuitPassBackward${S}`](dInput, dGates, gradOut, input, gates, program, c.steps.length, ...geometry, backwardScratch);
      h.ref[`circuitPassBackward${S}`](dInputRef, dGatesRef, gradOut, input, gates, program, c.steps.length, ...geometry, 0);
      expectClose(h.read(dtype, dInput, n), h.read(dtype, dInputRef, n), rel, rel, 'circuitPassBackward state');
      // Gate gradients sum over every block's entries: float32 error grows like the square root of their number.
      expectClose(h.read(dtype, dGates, gateCount * D * D), h.read(dtype, dGatesRef, gateCount * D * D), rel * 4, rel * 4 * Math.sqrt(n), 'circuitPassBackward gates');
      h.free(program, gates, input, gradOut, out, outRef, scratch, dInput, dInputRef, dGates, dGatesRef, backwardScratch);
    });
  });

  it('a gathered pass equals its steps run one gate at a time over the whole state, bit for bit (float32)', () => {
    const c = CASES[2]!;
    expect(c.label).toMatch(/gathered/);
    const pass = passOf(c);
    const spec: CircuitSpec = { sites: c.sites, localDim: 2, steps: c.steps };
    const n = 2 ** c.sites;
    const program = h.alloc('float64', (c.steps.length * PROGRAM_WORDS) / 2);
    writeProgram(spec, pass, 4, h.module.i32, program / 4);
    const gates = h.random_('float32', 4 * 16), input = h.random_('float32', n);
    const out = h.alloc('float32', n), scratch = h.alloc('float32', 2 * pass.rows * pass.width);
    h.k.circuitPassF32(out, input, gates, program, c.steps.length, 4, pass.rows, pass.width, pass.rowStride, pass.chunks, pass.highStride, 0, pass.blocks, scratch);
    // Step by step over the whole state with the single-gate kernels.
    let current = h.clone('float32', input, n);
    for (const step of c.steps) {
      const next = h.alloc('float32', n);
      if (step.kind === 'gate') h.k.applyGateF32(next, current, gates + step.gate * 64, 2 ** step.site, 4, 2 ** (c.sites - step.site - 2), 0);
      else h.k.unaryF32(UnaryOp.leakyRelu, next, current, n, step.slope ?? 0, 0);
      h.free(current);
      current = next;
    }
    expect(Array.from(h.read('float32', out, n))).toEqual(Array.from(h.read('float32', current, n)));
    h.free(program, gates, input, out, scratch, current);
  });
});
