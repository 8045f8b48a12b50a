// The op families of issue 14 as a workload for the large-memory tests: each family runs on small
// tensors of awkward sizes (so every SIMD tail runs) through the public API of one copy of the
// library, and records its results by name with the addresses of the tensors involved.

import type { Tensor } from '../../src/index.js';

export type Lib = typeof import('../../src/index.js');

/** Records results by name and the byte addresses of the tensors that produced them. */
export class Recorder {
  readonly results = new Map<string, unknown>();
  readonly addresses: number[] = [];

  constructor(private readonly L: Lib) {}

  /** Notes the tensor's address and returns it. */
  at<T extends Tensor>(t: T): T {
    this.addresses.push(t.ptr);
    return t;
  }

  /** A tensor is read out (and its address noted); typed arrays become arrays; anything else is kept. */
  put(name: string, value: unknown): void {
    if (value instanceof this.L.Tensor) {
      this.at(value);
      this.results.set(name, Array.from(value.toArray()));
    } else if (ArrayBuffer.isView(value)) {
      this.results.set(name, Array.from(value as unknown as ArrayLike<number>));
    } else {
      this.results.set(name, value);
    }
  }
}

export const FAMILIES: Record<string, (L: Lib, r: Recorder) => void> = {
  creation(L, r) {
    r.put('tensor', L.tensor([1, 2, 3]));
    r.put('tensor nested float64', L.tensor([[1.5, -2], [3, 4.25]], { dtype: 'float64' }));
    r.put('tensor from typed array', L.tensor(new Float32Array([0.5, 7, -3, 9, 11]), { shape: [5] }));
    r.put('zeros', L.zeros([7]));
    r.put('ones float64', L.ones([3, 5], { dtype: 'float64' }));
    r.put('full', L.full([9], 2.5));
    r.put('arange', L.arange(0, 10, 3));
    r.put('arange float64', L.arange(-2, 3, 0.5, { dtype: 'float64' }));
    r.put('eye', L.eye(4, 5));
    r.put('eye float64', L.eye(3, 3, { dtype: 'float64' }));
    r.put('rand', L.rand([17], { seed: 3 }));
    r.put('randn', L.randn([8, 16], { seed: 5 }));
    r.put('randn float64', L.randn([13], { seed: 6, dtype: 'float64' }));
    const base = r.at(L.randn([2, 3], { seed: 7 }));
    r.put('zerosLike', L.zerosLike(base));
    r.put('onesLike', L.onesLike(base));
    r.put('fullLike', L.fullLike(base, -4));
    r.put('randnLike', L.randnLike(base, { seed: 8 }));
    r.put('oneHot', L.oneHot([1, 3, 0, 3], 5));
    r.put('oneHot float64', L.oneHot([2, 0], 3, { dtype: 'float64' }));
  },

  readOut(L, r) {
    r.put('item float32', r.at(L.tensor([4.25])).item());
    r.put('item float64', r.at(L.tensor([-1.125], { dtype: 'float64' })).item());
    r.put('item of a sum', r.at(L.randn([33], { seed: 9 }).sum()).item());
    r.put('toNested', r.at(L.tensor([[1, 2, 3], [4, 5, 6]])).toNested());
    r.put('toString', L.zeros([2]).toString());
    const x = r.at(L.randn([5], { seed: 10 }));
    r.put('astype float64', x.astype('float64'));
    r.put('astype back', x.astype('float64').astype('float32'));
    r.put('clone', x.clone());
  },

  scalarOperands(L, r) {
    r.put('ones.add(1)', L.ones([4]).add(1));
    r.put('ones float64 .mul(3)', L.ones([5], { dtype: 'float64' }).mul(3));
    const x = r.at(L.arange(0, 7));
    r.put('10 - x', L.sub(10, x));
    r.put('x / 2', x.div(2));
    r.put('x ** 2', L.pow(x, 2));
    r.put('2 ** x', L.pow(2, x));
    r.put('maximum(x, 3)', L.maximum(x, 3));
    r.put('x > 2', x.gt(2));
  },

  elementwise(L, r) {
    const a = r.at(L.randn([3, 5], { seed: 11 }));
    const b = r.at(L.randn([5], { seed: 12 }));
    const c = r.at(L.randn([3, 1], { seed: 13 }));
    r.put('a + b (broadcast)', a.add(b));
    r.put('a * c (broadcast)', a.mul(c));
    r.put('minimum(a, c)', L.minimum(a, c));
    r.put('exp', a.exp());
    r.put('tanh', a.tanh());
    r.put('relu', a.relu());
    r.put('sigmoid float64', r.at(L.randn([9], { seed: 14, dtype: 'float64' })).sigmoid());
    const x = r.at(L.randn([4, 6], { seed: 15, requiresGrad: true }));
    x.mul(b.slice([[0, 1]]).expand([6])).tanh().sum().backward();
    r.put('grad through broadcast and tanh', x.grad!);
  },

  reductions(L, r) {
    const x = r.at(L.randn([6, 7, 5], { seed: 16, requiresGrad: true }));
    r.put('sum', x.sum());
    r.put('sum axis 1', x.sum(1));
    r.put('mean axes 0,2', x.mean([0, 2]));
    const m = x.max(1);
    r.put('max axis 1', m);
    m.sum().backward();
    r.put('max backward', x.grad!);
    r.put('argmax axis 2', L.argmax(x, 2));
    r.put('argmax axis 0', x.argmax(0));
    r.put('min', L.min(x, 2));
    r.put('logsumexp', L.logsumexp(x, 1));
    r.put('softmax', L.softmax(x, -1));
  },

  movement(L, r) {
    const x = r.at(L.randn([17, 33], { seed: 17 }));
    r.put('transpose', x.transpose());
    r.put('permute', r.at(L.randn([3, 4, 5], { seed: 18, dtype: 'float64' })).permute([2, 0, 1]));
    r.put('slice', x.slice([[2, 9], [1, 30, 3]]));
    r.put('concat', L.concat([x.slice([[0, 2]]), x.slice([[5, 6]])], 0));
    r.put('stack', L.stack([L.ones([3]), L.arange(0, 3)], 1));
    r.put('pad', L.pad(L.ones([2, 3]), [[1, 0], [2, 1]], -1));
    r.put('expand + clone', L.arange(0, 4).reshape([4, 1]).expand([4, 3]).clone());
    const g = r.at(L.randn([5, 6], { seed: 19, requiresGrad: true }));
    g.slice([[1, 4], [0, 6, 2]]).square().sum().backward();
    r.put('slice backward', g.grad!);
  },

  indexing(L, r) {
    const x = r.at(L.randn([5, 6], { seed: 20, requiresGrad: true }));
    const picked = L.indexSelect(x, 0, [2, 0, 2, 4]);
    r.put('indexSelect', picked);
    picked.mul(r.at(L.randn([4, 6], { seed: 21 }))).sum().backward();
    r.put('indexSelect backward (index add)', x.grad!);
    const y = r.at(L.randn([4, 7], { seed: 22, dtype: 'float64', requiresGrad: true }));
    const index = r.at(L.tensor([[0, 6, 6], [1, 1, 2], [5, 4, 3], [0, 0, 0]]));
    const gathered = L.gather(y, 1, index);
    r.put('gather', gathered);
    gathered.square().sum().backward();
    r.put('gather backward (scatter add)', y.grad!);
    const cond = r.at(L.tensor([1, 0, 1, 0, 0, 1]));
    r.put('where', L.where(cond, L.arange(0, 6), L.full([6], -1)));
  },

  gemm(L, r) {
    const a = r.at(L.randn([67, 129], { seed: 23, requiresGrad: true }));
    const b = r.at(L.randn([129, 131], { seed: 24, requiresGrad: true }));
    const c = L.matmul(a, b);
    r.put('matmul 67x129 @ 129x131', c);
    c.mul(r.at(L.randn([67, 131], { seed: 25 }))).sum().backward();
    r.put('matmul grad a (transposed B)', a.grad!);
    r.put('matmul grad b (transposed A)', b.grad!);
    r.put('matmul float64', L.matmul(r.at(L.randn([33, 20], { seed: 26, dtype: 'float64' })), r.at(L.randn([20, 41], { seed: 27, dtype: 'float64' }))));
    r.put('matmul narrow output', L.matmul(r.at(L.randn([100, 37], { seed: 28 })), r.at(L.randn([37, 3], { seed: 29 }))));
    r.put('matmul batched', L.matmul(r.at(L.randn([3, 17, 33], { seed: 30 })), r.at(L.randn([33, 19], { seed: 31 }))));
    r.put('einsum', L.einsum('ijk,kl->lij', r.at(L.randn([3, 4, 5], { seed: 32 })), r.at(L.randn([5, 6], { seed: 33 }))));
  },

  convolution(L, r) {
    for (const dtype of ['float32', 'float64'] as const) {
      const x = r.at(L.randn([2, 3, 9, 11], { seed: 34, dtype, requiresGrad: true }));
      const w = r.at(L.randn([4, 3, 3, 3], { seed: 35, dtype, requiresGrad: true }));
      const bias = r.at(L.randn([4], { seed: 36, dtype, requiresGrad: true }));
      const y = L.conv2d(x, w, bias, { stride: [2, 1], padding: 1 });
      r.put(`conv2d ${dtype}`, y);
      y.mul(r.at(L.randn(y.shape, { seed: 37, dtype }))).sum().backward();
      r.put(`conv2d grad x ${dtype}`, x.grad!);
      r.put(`conv2d grad weight ${dtype}`, w.grad!);
      r.put(`conv2d grad bias ${dtype}`, bias.grad!);
      // Stride 1 on an 11-wide map: by tap offsets on the padded pitch (conv-direct.ts).
      const xt = r.at(L.randn([2, 3, 9, 11], { seed: 39, dtype, requiresGrad: true }));
      const wt = r.at(L.randn([4, 3, 3, 3], { seed: 40, dtype, requiresGrad: true }));
      const yt = L.conv2d(xt, wt, null, { padding: 1 });
      r.put(`conv2d by taps ${dtype}`, yt);
      yt.mul(r.at(L.randn(yt.shape, { seed: 41, dtype }))).sum().backward();
      r.put(`conv2d by taps grad x ${dtype}`, xt.grad!);
      r.put(`conv2d by taps grad weight ${dtype}`, wt.grad!);
    }
    const p = r.at(L.randn([2, 3, 8, 7], { seed: 38, requiresGrad: true }));
    const pooled = L.maxPool2d(p, 3, { stride: 2, padding: 1 });
    r.put('maxPool2d', pooled);
    pooled.square().sum().backward();
    r.put('maxPool2d backward', p.grad!);
    r.put('avgPool2d', L.avgPool2d(p, 2));
  },

  gates(L, r) {
    const cases: [number, number, 'float32' | 'float64', number | undefined][] = [
      [10, 3, 'float32', undefined],
      [10, 3, 'float64', undefined],
      [13, 2, 'float32', 1], // state 32 KiB: the wide tiles; a budget of 1 byte recomputes from checkpoints
      [7, 2, 'float64', 1],
    ];
    for (const [Q, M, dtype, checkpointBytes] of cases) {
      const name = `circuit Q=${Q} M=${M} ${dtype}`;
      const spec = { sites: Q, localDim: 2, steps: L.brickWall(Q, M, 'tanh', 0), ...(checkpointBytes === undefined ? {} : { checkpointBytes }) };
      const state = r.at(L.randn([2 ** Q], { seed: Q, dtype, requiresGrad: true }));
      const gates = r.at(L.randn([M * (Q - 1), 4, 4], { seed: Q + 1, dtype, std: 0.6, requiresGrad: true }));
      const out = L.applyCircuit(state, gates, spec);
      r.put(name, out);
      out.mul(r.at(L.randn([2 ** Q], { seed: Q + 2, dtype }))).sum().backward();
      r.put(`${name} grad state`, state.grad!);
      r.put(`${name} grad gates`, gates.grad!);
    }
    const weight = new L.AdtnWeight([24, 20], { depth: 2, seed: 39, layout: [[24], [4, 5]] });
    for (const p of weight.parameters()) r.at(p);
    r.put('AdtnWeight', weight.generate());
  },

  optimizer(L, r) {
    for (const dtype of ['float32', 'float64'] as const) {
      const p = r.at(L.randn([37], { seed: 40, dtype, requiresGrad: true }));
      const q = r.at(L.randn([5, 3], { seed: 41, dtype, requiresGrad: true }));
      const target = r.at(L.randn([37], { seed: 42, dtype }));
      const adam = new L.Adam([p, q], { lr: 0.05, weightDecay: 0.01 });
      for (let step = 0; step < 3; step++) {
        p.grad = null;
        q.grad = null;
        p.sub(target).square().sum().add(q.tanh().sum()).backward();
        adam.step();
      }
      r.put(`Adam ${dtype} p`, p);
      r.put(`Adam ${dtype} q`, q);
    }
    const layer = new L.Linear(20, 7, { seed: 43 });
    for (const p of layer.parameters()) r.at(p);
    const sgd = new L.SGD(layer.parameters(), { lr: 0.1, momentum: 0.9, nesterov: true });
    const adamW = new L.AdamW(layer.parameters(), { lr: 0.01 });
    const input = r.at(L.randn([6, 20], { seed: 44 }));
    for (let step = 0; step < 2; step++) {
      for (const p of layer.parameters()) p.grad = null;
      L.crossEntropy(layer.forward(input), [0, 1, 2, 3, 4, 5]).backward();
      sgd.step();
      adamW.step();
    }
    layer.parameters().forEach((p, i) => r.put(`Linear parameter ${i} after SGD + AdamW`, p));
  },

  autogradAndData(L, r) {
    const x = r.at(L.randn([6], { seed: 45, dtype: 'float64', requiresGrad: true }));
    const checked = L.gradcheck((t) => t.tanh().mul(t).sum(), [x]);
    r.put('gradcheck', [checked.ok, checked.maxAbsError, checked.maxRelError]);
    const images = Uint8Array.from({ length: 7 * 2 * 3 * 3 }, (_, i) => (i * 37) % 256);
    const dataset = { images, labels: Int32Array.from([0, 1, 2, 3, 4, 5, 6]), shape: [2, 3, 3], classes: 7 };
    const loader = new L.DataLoader(dataset, { batchSize: 4, shuffle: true, seed: 46, mean: [0.5, 0.25], std: [0.5, 2] });
    let b = 0;
    for (const batch of loader) {
      r.put(`DataLoader batch ${b} x`, batch.x);
      r.put(`DataLoader batch ${b++} y`, batch.y);
    }
    const bytes = L.serializeSafetensors({ a: r.at(L.randn([3, 2], { seed: 47 })), b: r.at(L.arange(0, 5, 1, { dtype: 'float64' })) });
    for (const [name, t] of L.tensorsFromSafetensors(L.parseSafetensors(bytes).tensors)) r.put(`safetensors ${name}`, t);
  },
};
