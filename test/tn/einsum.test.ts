// einsum against a naive reference on random specifications (2-6 operands, repeated and
// broadcast indices, ellipsis), both dtypes; gradients; malformed specifications.

import { describe, expect, it } from 'vitest';
import { ArgumentError, ShapeError, contractPath, einsum, gradcheck, randn, tensor, zeros, type Dtype, type Tensor } from '../../src/index.js';
import { parseEinsum } from '../../src/tn/einsum-spec.js';
import { describePath, planContraction } from '../../src/tn/contract-path.js';
import { seededRandom } from '../helpers/kernel-harness.js';

// The definition: sum over every assignment of every label of the product of the operands.
function naiveEinsum(spec: string, tensors: Tensor[]): { shape: number[]; values: Float64Array } {
  const parsed = parseEinsum(spec, tensors.map((t) => t.shape));
  const labels = [...parsed.sizes.keys()];
  const sizes = labels.map((l) => parsed.sizes.get(l)!);
  const data = tensors.map((t) => t.toArray());
  const outShape = parsed.output.map((l) => parsed.sizes.get(l)!);
  const out = new Float64Array(outShape.reduce((p, s) => p * s, 1));
  const value = new Map<string, number>();
  const assignment = new Array<number>(labels.length).fill(0);
  const total = sizes.reduce((p, s) => p * s, 1);
  for (let n = 0; n < total; n++) {
    labels.forEach((l, i) => value.set(l, assignment[i]!));
    let term = 1;
    tensors.forEach((t, k) => {
      let flat = 0;
      parsed.inputs[k]!.forEach((l, axis) => {
        flat = flat * t.shape[axis]! + (t.shape[axis] === 1 ? 0 : value.get(l)!);
      });
      term *= data[k]![flat]!;
    });
    let o = 0;
    parsed.output.forEach((l, i) => {
      o = o * outShape[i]! + value.get(l)!;
    });
    out[o]! += term;
    for (let i = labels.length - 1; i >= 0; i--) {
      if (++assignment[i]! < sizes[i]!) break;
      assignment[i] = 0;
    }
  }
  return { shape: outShape, values: out };
}

function expectMatchesNaive(spec: string, tensors: Tensor[], dtype: Dtype): void {
  const result = einsum(spec, ...tensors);
  const want = naiveEinsum(spec, tensors);
  expect(result.shape, spec).toEqual(want.shape);
  const got = result.toArray();
  const tol = dtype === 'float32' ? 1e-4 : 1e-11;
  want.values.forEach((w, i) => expect(Math.abs(got[i]! - w), `${spec} [${i}]`).toBeLessThanOrEqual(tol * (1 + Math.abs(w)) * 4));
}

const FIXED: [string, number[][]][] = [
  ['ij,jk->ik', [[3, 4], [4, 5]]],
  ['ij,jk', [[3, 4], [4, 5]]],
  ['ii->i', [[4, 4]]],
  ['ii', [[4, 4]]],
  ['iij->j', [[3, 3, 2]]],
  ['ij->ji', [[2, 5]]],
  ['ij->', [[2, 5]]],
  ['i,i->', [[6], [6]]],
  ['i,j->ij', [[3], [4]]],
  ['bij,bjk->bik', [[2, 3, 4], [2, 4, 5]]],
  ['bij,jk->bik', [[2, 3, 4], [4, 5]]],
  ['...ij,...jk->...ik', [[2, 1, 3, 4], [5, 4, 2]]],
  ['...i,...i', [[3, 4], [4]]],
  ['i...->...', [[3, 2, 2]]],
  ['ij,ij->ij', [[3, 1], [3, 4]]],
  ['ab,bc,cd,da->', [[3, 4], [4, 5], [5, 2], [2, 3]]],
  ['pi,qj,ijkl,rk,sl->pqrs', [[2, 3], [2, 3], [3, 3, 3, 3], [2, 3], [2, 3]]],
  ['abc,cd,de->abe', [[2, 3, 4], [4, 2], [2, 3]]],
  ['a,ab,abc->c', [[2], [2, 3], [2, 3, 4]]],
  ['ijk,jil->kl', [[2, 3, 4], [3, 2, 5]]],
];

describe('einsum', () => {
  describe.each(['float32', 'float64'] as const)('%s', (dtype) => {
    it.each(FIXED)('%s matches the naive definition', (spec, shapes) => {
      const tensors = shapes.map((s, i) => randn(s, { dtype, seed: i + 1 }));
      expectMatchesNaive(spec, tensors, dtype);
    });

    it('matches the naive definition on 150 random specifications (2-6 operands, repeats, broadcasting)', () => {
      const random = seededRandom(dtype === 'float32' ? 1 : 2);
      const pool = 'abcdefgh';
      for (let trial = 0; trial < 150; trial++) {
        const sizes = new Map([...pool].map((l) => [l, 1 + Math.floor(random() * 3)]));
        const count = 2 + Math.floor(random() * 5);
        const terms: string[] = [];
        const shapes: number[][] = [];
        for (let k = 0; k < count; k++) {
          const rank = Math.floor(random() * 4);
          const labels = Array.from({ length: rank }, () => pool[Math.floor(random() * 5 + (k % 3))]!);
          // Repeated index within an operand sometimes (a diagonal).
          if (rank > 0 && random() < 0.15) labels.push(labels[0]!);
          terms.push(labels.join(''));
          // Size-1 broadcasting sometimes (not on a repeated index: a diagonal needs equal sizes).
          shapes.push(labels.map((l) => {
            const broadcast = random() < 0.1;
            return broadcast && labels.indexOf(l) === labels.lastIndexOf(l) ? 1 : sizes.get(l)!;
          }));
        }
        const used = [...new Set(terms.join(''))];
        const implicit = random() < 0.25;
        const output = used.filter(() => random() < 0.4).join('');
        const spec = implicit ? terms.join(',') : `${terms.join(',')}->${output}`;
        const tensors = shapes.map((s, i) => randn(s, { dtype, seed: trial * 10 + i }));
        expectMatchesNaive(spec, tensors, dtype);
      }
    });
  });

  it('is differentiable: gradcheck on a sample of specifications', () => {
    const cases: [string, number[][]][] = [
      ['ij,jk->ik', [[3, 4], [4, 2]]],
      ['ii->i', [[3, 3]]],
      ['bij,bjk', [[2, 2, 3], [2, 3, 2]]],
      ['...ij,...jk->...ik', [[2, 1, 2, 3], [3, 3, 2]]],
      ['ab,bc,ca->', [[2, 3], [3, 4], [4, 2]]],
      ['ij,ij->ij', [[2, 1], [2, 3]]],
      ['iij,jk->ik', [[2, 2, 3], [3, 2]]],
      ['pi,qj,ijkl,rk,sl->pqrs', [[2, 2], [2, 2], [2, 2, 2, 2], [2, 2], [2, 2]]],
    ];
    for (const [spec, shapes] of cases) {
      const inputs = shapes.map((s, i) => randn(s, { dtype: 'float64', seed: 7 + i, requiresGrad: true }));
      const result = gradcheck((...xs) => einsum(spec, ...xs), inputs);
      expect(result.ok, `${spec}: ${JSON.stringify(result.worst)}`).toBe(true);
    }
  });

  it('takes the operands of the last step in the order that yields the output order (values and gradients)', () => {
    // The last pairwise step of each spec gives [free of 2nd, free of 1st] as written; the operands swap roles.
    const cases: [string, number[][]][] = [
      ['de,ad->ae', [[3, 4], [5, 3]]],
      ['bkj,bij->bik', [[2, 4, 3], [2, 5, 3]]],
      ['ab,bc,cd,de->ae', [[3, 2], [2, 3], [3, 2], [2, 4]]],
    ];
    for (const [spec, shapes] of cases) {
      const inputs = shapes.map((s, i) => randn(s, { dtype: 'float64', seed: 40 + i, requiresGrad: true }));
      const want = naiveEinsum(spec, inputs);
      const got = einsum(spec, ...inputs, { optimize: 'optimal' });
      expect(got.shape).toEqual(want.shape);
      got.toArray().forEach((v, i) => expect(v).toBeCloseTo(want.values[i]!, 10));
      const result = gradcheck((...xs) => einsum(spec, ...xs, { optimize: 'optimal' }), inputs);
      expect(result.ok, `${spec}: ${JSON.stringify(result.worst)}`).toBe(true);
    }
  });

  it('gives the same result with every planner', () => {
    const ts = [[3, 4], [4, 5], [5, 6], [6, 2]].map((s, i) => randn(s, { dtype: 'float64', seed: i }));
    const ref = einsum('ab,bc,cd,de->ae', ...ts, { optimize: 'sequential' }).toArray();
    for (const optimize of ['optimal', 'greedy', 'auto'] as const) {
      const got = einsum('ab,bc,cd,de->ae', ...ts, { optimize }).toArray();
      got.forEach((v, i) => expect(v).toBeCloseTo(ref[i]!, 10));
    }
  });

  const MALFORMED: [string, number[][], typeof ArgumentError | typeof ShapeError, RegExp][] = [
    ['ij,j1->i', [[2, 2], [2, 2]], ArgumentError, /unknown character '1' .*at position 4 of 'ij,j1->i'/],
    ['ij,jk->ik', [[2, 2]], ArgumentError, /'ij,jk->ik' has 2 operands but 1 tensor was given/],
    ['ij,jk->ik', [[2, 3], [4, 5]], ShapeError, /index 'j' has size 3 in one operand and 4 in operand 1/],
    ['ij,jk->iz', [[2, 2], [2, 2]], ArgumentError, /output index 'z' does not appear in any operand at position 8/],
    ['ij->ii', [[2, 2]], ArgumentError, /output index 'i' repeated at position 5/],
    ['ijk->i', [[2, 2]], ArgumentError, /operand 0 has 3 subscripts but its shape \[2,2\] has rank 2 at position 0/],
    ['i..j->i', [[2, 2]], ArgumentError, /'\.' that is not part of '\.\.\.'/],
    ['...i...->i', [[2, 2]], ArgumentError, /more than one '\.\.\.'/],
    ['ij->i->j', [[2, 2]], ArgumentError, /more than one '->'/],
  ];
  it.each(MALFORMED)('rejects %s with a clear error', (spec, shapes, errorClass, pattern) => {
    const tensors = shapes.map((s) => randn(s));
    expect(() => einsum(spec, ...tensors)).toThrow(errorClass);
    expect(() => einsum(spec, ...tensors)).toThrow(pattern);
  });

  it('rejects mixed dtypes and non-tensors', () => {
    expect(() => einsum('i,i->', randn([2]), randn([2], { dtype: 'float64' }))).toThrow(/dtypes differ/);
    expect(() => einsum('i->', [1, 2] as unknown as Tensor)).toThrow(/must be a Tensor/);
    expect(() => einsum('i->', tensor([1]), tensor([2]))).toThrow(/1 operand but 2 tensors/);
  });
});

describe('einsum edge cases', () => {
  it('broadcasts a size-1 axis against a size-0 one', () => {
    expect(einsum('ij,ij->i', zeros([0, 3]), tensor([[1, 2, 3]])).shape).toEqual([0]);
  });

  it('requires equal sizes for an index repeated within one operand', () => {
    expect(() => einsum('ii->i', tensor([[1, 2, 3]]))).toThrow(ShapeError);
    expect(() => einsum('ii->i', tensor([[1, 2, 3]]))).toThrow(/index 'i' is repeated in operand 0 of 'ii->i' with sizes 1 and 3/);
  });

  it('returns plans the caller may change without touching the cache', () => {
    const plan = contractPath('ab,bc->ac', [2, 3], [3, 4]);
    plan.path.push([0, 1]);
    expect(contractPath('ab,bc->ac', [2, 3], [3, 4]).path).toEqual([[0, 1]]);
    expect(einsum('ab,bc->ac', randn([2, 3], { seed: 1 }), randn([3, 4], { seed: 2 })).shape).toEqual([2, 4]);
  });

  it('checks options also for one operand', () => {
    const a = randn([2, 3], { seed: 1 });
    expect(() => einsum('ij->ji', a, { optimize: 'bogus' as never })).toThrow(/optimize must be 'auto', 'optimal', 'greedy' or 'sequential'/);
    expect(() => einsum('ij->ji', a, { memoryLimit: -5 })).toThrow(/memoryLimit must be a positive number/);
  });
});

describe('planning bounds', () => {
  // A random connected network of n operands (each new operand shares a label with an earlier one, plus extra edges).
  function network(n: number, seed: number, extra: number): { spec: string; shapes: number[][] } {
    const random = seededRandom(seed);
    const letters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXY';
    const terms: string[][] = Array.from({ length: n }, () => []);
    let next = 0;
    const connect = (i: number, j: number): void => {
      if (i === j || next >= letters.length) return;
      terms[i]!.push(letters[next]!);
      terms[j]!.push(letters[next++]!);
    };
    for (let i = 1; i < n; i++) connect(i, Math.floor(random() * i));
    for (let e = 0; e < extra; e++) connect(Math.floor(random() * n), Math.floor(random() * n));
    terms[0]!.push('Z');
    const size = new Map<string, number>();
    for (const t of terms) for (const l of t) if (!size.has(l)) size.set(l, 2 + Math.floor(random() * 4));
    return { spec: `${terms.map((t) => t.join('')).join(',')}->Z`, shapes: terms.map((t) => t.map((l) => size.get(l)!)) };
  }

  it("'optimal' finds the minimum-flop path: equal to an exhaustive search over every pairwise path", () => {
    for (let seed = 1; seed <= 12; seed++) {
      const n = 3 + (seed % 3);
      const { spec, shapes } = network(n, seed, seed % 4);
      const terms = spec.split('->')[0]!.split(',').map((t) => [...t]);
      const sizes = new Map<string, number>();
      terms.forEach((t, i) => t.forEach((l, d) => sizes.set(l, shapes[i]![d]!)));
      const input = { inputs: terms, output: ['Z'], sizes };
      let best = Infinity;
      const search = (prefix: [number, number][], remaining: number): void => {
        if (remaining === 1) {
          best = Math.min(best, describePath(input, prefix, 'sequential').flops);
          return;
        }
        for (let i = 0; i < remaining; i++) for (let j = i + 1; j < remaining; j++) search([...prefix, [i, j]], remaining - 1);
      };
      search([], n);
      const plan = planContraction(input, 'optimal');
      expect(plan.optimizer, spec).toBe('optimal');
      expect(plan.flops, spec).toBe(best);
      expect(contractPath(spec, ...shapes, { optimize: 'optimal' }).flops, spec).toBe(best);
    }
  });

  it(`'optimal' plans exactly up to 14 operands and hands over to greedy beyond, saying so`, () => {
    const exact = network(14, 3, 10);
    expect(contractPath(exact.spec, ...exact.shapes, { optimize: 'optimal' }).optimizer).toBe('optimal');
    for (const n of [15, 25]) {
      const large = network(n, 5, 2 * n);
      const plan = contractPath(large.spec, ...large.shapes, { optimize: 'optimal' });
      expect(plan.optimizer).toBe('greedy');
      expect(plan.path).toHaveLength(n - 1);
      const result = einsum(large.spec, ...large.shapes.map((s, i) => randn(s, { seed: i, dtype: 'float64' })));
      expect(result.shape).toEqual([large.shapes[0]!.at(-1)]);
    }
  });
});
