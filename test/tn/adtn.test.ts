// The ADTN weight: plans (shapes, parameter counts, padding, layouts), the fused circuit against a
// generic einsum implementation, gradients in float64 (with and without checkpoint recomputation).

import { describe, expect, it } from 'vitest';
import { expectSameWithAllThreads } from '../helpers/thread-equality.js';
import {
  AdtnWeight, adtnParameterCount, memoryStats, applyCircuit, brickWall, einsum, gradcheck, noGrad, planAdtn, randn, sitesFor, tensor, type CircuitSpec, type Tensor,
} from '../../src/index.js';
import { planCircuitPasses } from '../../src/ops/circuit-passes.js';

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

// The same circuit through the generic path: the state as a [d]*Q tensor, each gate an einsum.
function circuitByEinsum(state: Tensor, gates: Tensor, spec: CircuitSpec): Tensor {
  const d = spec.localDim;
  const Q = spec.sites;
  let psi = state.reshape(new Array(Q).fill(d));
  for (const step of spec.steps) {
    if (step.kind === 'activation') {
      psi = step.activation === 'relu' ? psi.relu() : step.activation === 'tanh' ? psi.tanh()
        : step.activation === 'sigmoid' ? psi.sigmoid() : step.activation === 'leakyRelu' ? psi.leakyRelu(step.slope) : psi;
      continue;
    }
    const q = step.site;
    const inLabels = LETTERS.slice(0, Q);
    const o1 = 'y', o2 = 'z';
    const gate = gates.slice([step.gate]).reshape([d, d, d, d]);
    const outLabels = inLabels.slice(0, q) + o1 + o2 + inLabels.slice(q + 2);
    psi = einsum(`${inLabels},${o1}${o2}${inLabels[q]}${inLabels[q + 1]}->${outLabels}`, psi, gate);
  }
  return psi.reshape([d ** Q]);
}

describe('ADTN plan and weight', () => {
  it('has the paper\'s parameter count and pads non-power-of-two shapes', () => {
    const g = new AdtnWeight([256, 256], { depth: 8, seed: 1 });
    expect(g.plan.sites).toBe(16);
    expect(g.gates.shape).toEqual([8 * 15, 4, 4]);
    expect(g.numParameters()).toBe(16 * 8 * 15 + 1);
    expect(adtnParameterCount(g.plan)).toBe(16 * 8 * 15 + 1);
    expect(g.generate().shape).toEqual([256, 256]);
    const odd = new AdtnWeight([3, 5], { depth: 2, scale: 'none', seed: 2 });
    expect(odd.plan.sites).toBe(4); // 15 entries padded to 16
    expect(odd.numParameters()).toBe(16 * 2 * 3);
    expect(odd.generate().shape).toEqual([3, 5]);
    expect(sitesFor(1, 2)).toBe(2);
    expect(sitesFor(7840, 2)).toBe(13);
    expect(planAdtn([10], { localDim: 3, depth: 1 }).sites).toBe(3);
  });

  it('plans are pure: the same shape and options give the same plan, and nothing is allocated', () => {
    const before = memoryStats();
    const a = planAdtn([1024, 784], { depth: 8 });
    expect(memoryStats().bytesInUse).toBe(before.bytesInUse);
    expect(memoryStats().liveBlocks).toBe(before.liveBlocks);
    expect(planAdtn([1024, 784], { depth: 8 })).toEqual(a);
    expect(a.gateCount).toBe(8 * 19);
    expect(a.circuit.steps.filter((s) => s.kind === 'activation')).toHaveLength(7);
    expect(a.scale).toEqual({ kind: 'learned', targetStd: Math.sqrt(2 / 784) });
  });

  it('groups of axes interleave their digits, most significant first', () => {
    // [[4, 4]]: sites hold a1 b1 a0 b0, so W[a, b] is the output at a1·8 + b1·4 + a0·2 + b0.
    const plan = planAdtn([4, 4], { layout: [[4, 4]], depth: 2, scale: 'none' });
    expect(plan.readout?.digitOrder).toEqual([0, 2, 1, 3]);
    const g = new AdtnWeight([4, 4], { layout: [[4, 4]], depth: 2, scale: 'none', seed: 4, dtype: 'float64' });
    const w = noGrad(() => g.generate()).toArray();
    const initial = tensor([1, ...new Array<number>(15).fill(0)], { dtype: 'float64' });
    const state = noGrad(() => applyCircuit(initial, g.gates, g.plan.circuit)).toArray();
    for (let a = 0; a < 4; a++) {
      for (let b = 0; b < 4; b++) expect(w[a * 4 + b]).toBe(state[(a >> 1) * 8 + (b >> 1) * 4 + (a & 1) * 2 + (b & 1)]);
    }
    // Axes of different lengths pair digits of equal weight: [[16, 32]] holds b₄ a₃ b₃ a₂ b₂ a₁ b₁ a₀ b₀.
    expect(planAdtn([16, 32], { layout: [[16, 32]] }).readout?.digitOrder).toEqual([1, 3, 5, 7, 0, 2, 4, 6, 8]);
    // A layer reading 28 x 28 images: rows on 10 sites, then y and x digits alternating, padding sliced away.
    const image = planAdtn([1024, 784], { layout: [[1024], [28, 28]] });
    expect(image.sites).toBe(20);
    expect(image.readout?.padded).toEqual([1024, 32, 32]);
    const morton = new AdtnWeight([8, 36], { layout: [[8], [6, 6]], depth: 2, seed: 5, dtype: 'float64' });
    expect(morton.generate().shape).toEqual([8, 36]);
    expect(gradcheck(() => morton.generate(), morton.parameters()).ok).toBe(true);
  });

  it('schedules a brick wall: even pairs, odd pairs, activation between layers', () => {
    const steps = brickWall(5, 2, 'relu', 0.01);
    expect(steps.map((s) => (s.kind === 'gate' ? `g${s.gate}@${s.site}` : s.activation))).toEqual([
      'g0@0', 'g1@2', 'g2@1', 'g3@3', 'relu', 'g4@0', 'g5@2', 'g6@1', 'g7@3',
    ]);
  });

  it('initial weights have the target standard deviation (Kaiming by default)', () => {
    const g = new AdtnWeight([64, 128], { depth: 4, seed: 3 });
    const w = Array.from(g.generate().toArray());
    const mean = w.reduce((s, v) => s + v, 0) / w.length;
    const std = Math.sqrt(w.reduce((s, v) => s + (v - mean) ** 2, 0) / w.length);
    expect(std).toBeCloseTo(Math.sqrt(2 / 128), 4);
    const near = new AdtnWeight([4, 4], { init: 'identity', scale: 'none', noise: 0, depth: 3, activation: 'identity' });
    expect(Array.from(near.generate().toArray())).toEqual([1, ...new Array(15).fill(0)]); // the initial state
  });

  it('starts from the product of the local vectors, site 0 varying slowest', () => {
    // Identity gates and no activation: the output is the initial state ⊗_q local (d = 3, 3 sites).
    const local = [0.5, -2, 3];
    const g = new AdtnWeight([27], { localDim: 3, initialState: local, init: 'identity', noise: 0, scale: 'none', activation: 'identity', dtype: 'float64' });
    expect(g.plan.sites).toBe(3);
    const want: number[] = [];
    for (const a of local) for (const b of local) for (const c of local) want.push(a * b * c);
    expect(Array.from(g.generate().toArray())).toEqual(want);
  });

  describe.each(['float32', 'float64'] as const)('fused circuit against the generic einsum path (%s)', (dtype) => {
    // The last column: bytes of a pass's blocks. Small blocks split the state into several windows
    // of sites, with gathered blocks (rows of a few columns) below the last one.
    const cases: [number, number, 'relu' | 'tanh' | 'identity' | 'sigmoid' | 'leakyRelu', number, number | undefined][] = [
      [5, 2, 'relu', 2, undefined], [6, 3, 'tanh', 2, undefined], [4, 1, 'identity', 2, undefined], [7, 2, 'sigmoid', 2, undefined],
      [5, 2, 'leakyRelu', 2, undefined], [3, 2, 'relu', 3, undefined],
      [9, 2, 'relu', 2, 64], [10, 3, 'leakyRelu', 2, 256], [8, 2, 'tanh', 2, 32], [7, 2, 'sigmoid', 2, 128], [6, 2, 'relu', 3, 128], [12, 2, 'identity', 2, 1024],
    ];
    it.each(cases)('Q=%i, M=%i, %s, local dimension %i, blocks of %s bytes', (Q, M, activation, d, blockBytes) => {
      const spec: CircuitSpec = { sites: Q, localDim: d, steps: brickWall(Q, M, activation, 0.1), ...(blockBytes === undefined ? {} : { blockBytes }) };
      const gates = randn([M * (Q - 1), d * d, d * d], { dtype, seed: Q * 10 + M, std: 0.6 });
      const state = randn([d ** Q], { dtype, seed: 99 });
      const fused = applyCircuit(state, gates, spec).toArray();
      const generic = circuitByEinsum(state, gates, spec).toArray();
      const tol = dtype === 'float32' ? 1e-4 : 1e-12;
      fused.forEach((v, i) => expect(Math.abs(v - generic[i]!)).toBeLessThanOrEqual(tol * (1 + Math.abs(generic[i]!))));
    });
  });

  it.each(['relu', 'tanh', 'sigmoid', 'leakyRelu', 'identity'] as const)('passes gradcheck in float64 (Q=4, M=2, %s), state and gates', (activation) => {
    const spec: CircuitSpec = { sites: 4, localDim: 2, steps: brickWall(4, 2, activation, 0.2) };
    const gates = randn([6, 4, 4], { dtype: 'float64', seed: 5, std: 0.7, requiresGrad: true });
    const state = randn([16], { dtype: 'float64', seed: 6, requiresGrad: true });
    const result = gradcheck((s, g) => applyCircuit(s, g, spec), [state, gates]);
    expect(result.ok, JSON.stringify(result.worst)).toBe(true);
  });

  it.each(['relu', 'tanh', 'leakyRelu'] as const)('passes gradcheck in float64 over several windows with gathered blocks (Q=8, M=2, %s)', (activation) => {
    const spec: CircuitSpec = { sites: 8, localDim: 2, steps: brickWall(8, 2, activation, 0.2), blockBytes: 64 };
    expect(planCircuitPasses(spec, 8).some((pass) => pass.width < pass.rowStride), 'some pass gathers its blocks').toBe(true);
    const gates = randn([14, 4, 4], { dtype: 'float64', seed: 15, std: 0.6, requiresGrad: true });
    const state = randn([256], { dtype: 'float64', seed: 16, requiresGrad: true });
    const result = gradcheck((s, g) => applyCircuit(s, g, spec), [state, gates]);
    expect(result.ok, JSON.stringify(result.worst)).toBe(true);
  });

  it('plans passes that run every step once, in an order that respects every shared site', () => {
    for (const [Q, M, blockBytes] of [[20, 8, undefined], [24, 2, undefined], [16, 3, 256], [9, 4, 32], [5, 2, undefined]] as const) {
      const spec: CircuitSpec = { sites: Q, localDim: 2, steps: brickWall(Q, M, 'relu', 0), ...(blockBytes === undefined ? {} : { blockBytes }) };
      const passes = planCircuitPasses(spec, 4);
      const order = passes.flatMap((pass) => pass.steps);
      expect([...order].sort((a, b) => a - b)).toEqual(spec.steps.map((_, i) => i));
      // Two steps that touch a common site run in the spec's order.
      const position = new Map(order.map((s, i) => [s, i]));
      const touches = (s: number) => { const step = spec.steps[s]!; return step.kind === 'gate' ? [step.site, step.site + 1] : null; };
      for (let a = 0; a < spec.steps.length; a++) {
        for (let b = a + 1; b < spec.steps.length; b++) {
          const ta = touches(a), tb = touches(b);
          if (ta === null || tb === null || ta.some((site) => tb.includes(site))) expect(position.get(a)!, `steps ${a} and ${b}`).toBeLessThan(position.get(b)!);
        }
      }
      // Each pass's gates lie in its window, and its blocks tile the state.
      for (const pass of passes) {
        for (const s of pass.steps) {
          const step = spec.steps[s]!;
          if (step.kind === 'gate') expect(step.site >= pass.lo && step.site + 1 <= pass.hi).toBe(true);
        }
        expect(pass.blocks * pass.rows * pass.width).toBe(2 ** Q);
      }
      // Far fewer passes than gates; FC-2's fc1 circuit (Q = 20) makes two per layer and one more.
      if (blockBytes === undefined && Q >= 20) expect(passes.length).toBeLessThanOrEqual((M * (Q - 1)) / 4);
      if (Q === 20) expect(passes).toHaveLength(2 * M + 1);
    }
  });

  // Qubits (Q = 16, every pass has blocks to split) and 16 x 16 gates (d = 4, the wider kernels).
  it.each([
    { d: 2, sites: 16, std: 0.5, seed: 21 },
    { d: 4, sites: 8, std: 0.25, seed: 23 },
  ])('splits a circuit of local dimension $d over the threads with bitwise the same results and gradients as one thread', async ({ d, sites, std, seed }) => {
    const spec: CircuitSpec = { sites, localDim: d, steps: brickWall(sites, 2, 'relu', 0) };
    if (d === 2) expect(planCircuitPasses(spec, 4).every((pass) => pass.blocks > 1), 'every pass has blocks to split').toBe(true);
    const gates = randn([2 * (sites - 1), d * d, d * d], { seed, std, requiresGrad: true });
    const state = randn([d ** sites], { seed: seed + 1, requiresGrad: true });
    await expectSameWithAllThreads(() => applyCircuit(state, gates, spec), (out) => {
      gates.grad = null;
      state.grad = null;
      out.square().sum().backward();
      return [out, gates.grad!, state.grad!];
    }, `the d = ${d} passes`);
  });

  it('gives the same gradients when the backward pass recomputes from checkpoints', () => {
    const spec: CircuitSpec = { sites: 5, localDim: 2, steps: brickWall(5, 3, 'relu', 0) };
    const gradients = [Infinity, 1].map((budget) => {
      const gates = randn([12, 4, 4], { dtype: 'float64', seed: 8, requiresGrad: true });
      const state = randn([32], { dtype: 'float64', seed: 9, requiresGrad: true });
      applyCircuit(state, gates, { ...spec, checkpointBytes: budget }).square().sum().backward();
      return [Array.from(gates.grad!.toArray()), Array.from(state.grad!.toArray())];
    });
    expect(gradients[1]).toEqual(gradients[0]);
    const gates = randn([12, 4, 4], { dtype: 'float64', seed: 8, requiresGrad: true });
    const checked = gradcheck((g) => applyCircuit(tensor(new Float64Array(32).fill(0.2)), g, { ...spec, checkpointBytes: 1 }), [gates]);
    expect(checked.ok).toBe(true);
  });

  it('normalised gates: the output does not depend on the gates\' scale, orthogonal gates are unchanged, gradients check', () => {
    const g = new AdtnWeight([8, 8], { depth: 3, seed: 12, dtype: 'float64', normalizeGates: true, scale: 'none' });
    const plain = new AdtnWeight([8, 8], { depth: 3, seed: 12, dtype: 'float64', scale: 'none' });
    const w = Array.from(noGrad(() => g.generate()).toArray());
    // The initial gates are orthogonal (Frobenius norm √D): normalising changes nothing.
    Array.from(noGrad(() => plain.generate()).toArray()).forEach((v, i) => expect(v).toBeCloseTo(w[i]!, 12));
    noGrad(() => g.gates.assign(g.gates.mul(tensor(Float64Array.from({ length: g.plan.gateCount }, (_, k) => 0.3 + k), { shape: [g.plan.gateCount, 1, 1] }))));
    Array.from(noGrad(() => g.generate()).toArray()).forEach((v, i) => expect(v).toBeCloseTo(w[i]!, 12));
    const learned = new AdtnWeight([3, 4], { depth: 2, seed: 13, dtype: 'float64', normalizeGates: true });
    const result = gradcheck(() => learned.generate(), learned.parameters());
    expect(result.ok, JSON.stringify(result.worst)).toBe(true);
    expect(() => planAdtn([4], { normalizeGates: 'yes' as never })).toThrow(/normalizeGates must be true or false/);
  });

  it('the weight passes gradcheck through gates and learned scale (float64, padded shape)', () => {
    const g = new AdtnWeight([3, 4], { depth: 2, seed: 11, dtype: 'float64' });
    const result = gradcheck(() => g.generate(), g.parameters());
    expect(result.ok, JSON.stringify(result.worst)).toBe(true);
  });

  it('reports clear errors for bad circuits and options', () => {
    const gates = randn([1, 4, 4]);
    expect(() => applyCircuit(randn([8]), gates, { sites: 3, localDim: 2, steps: [{ kind: 'gate', gate: 0, site: 2 }] })).toThrow(/does not fit 3 sites/);
    expect(() => applyCircuit(randn([7]), gates, { sites: 3, localDim: 2, steps: [] })).toThrow(/2\^3 = 8 entries/);
    expect(() => applyCircuit(randn([8]), gates, { sites: 3, localDim: 2, steps: [{ kind: 'gate', gate: 4, site: 0 }] })).toThrow(/gate index 4/);
    expect(() => new AdtnWeight([0, 3])).toThrow(/positive integers/);
    expect(() => new AdtnWeight([4], { depth: 0 })).toThrow(/depth/);
    expect(() => planAdtn([4], { depth: 1e7 })).toThrow(/depth must be an integer in \[1, 4096\]/);
    expect(() => planAdtn([4], { localDim: 1000 })).toThrow(/localDim must be an integer in \[2, 64\]/);
    expect(() => new AdtnWeight([4], { initialState: [1, 0, 0] })).toThrow(/initialState/);
    expect(() => new AdtnWeight([4], { scale: 'big' as never })).toThrow(/scale/);
    expect(() => planAdtn([4], { init: 'zeros' as never })).toThrow(/init must be/);
    expect(() => planAdtn([4], { activation: 'gelu' as never })).toThrow(/activation must be/);
  });
});
