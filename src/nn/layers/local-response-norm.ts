// Local response normalisation across channels (AlexNet, ZFNet), PyTorch's definition:
// b_c = a_c / (k + α/n · Σ_{c' in window(c)} a_{c'}²)^β, the window of n channels centred on c
// (n/2 before, (n-1)/2 after), zero-padded at the edges. Composed from primitives.

import { ArgumentError, ShapeError, formatShape } from '../../errors.js';
import type { Tensor } from '../../tensor.js';
import { add, div, mul, pow, square } from '../../ops/elementwise.js';
import { pad, slice } from '../../ops/movement.js';
import { Module } from '../module.js';

/**
 * Local response normalisation across the channels of [N, C, ...] (PyTorch's definition):
 * b_c = a_c / (k + α/n · Σ a_c'²)^β over a window of n = `size` channels centred on c, with
 * α 1e-4, β 0.75 and k 1 by default.
 *
 * @example
 * const lrn = new LocalResponseNorm(5);   // AlexNet's norm1 and norm2
 */
export class LocalResponseNorm extends Module {
  constructor(readonly size: number, readonly alpha = 1e-4, readonly beta = 0.75, readonly k = 1) {
    super();
    if (!Number.isInteger(size) || size < 1) throw new ArgumentError(`LocalResponseNorm: size must be a positive integer, got ${size}`);
  }

  forward(x: Tensor): Tensor {
    if (x.rank < 3) throw new ShapeError(`LocalResponseNorm: expected [N, C, ...], got ${formatShape(x.shape)}`);
    const C = x.shape[1]!;
    const widths: [number, number][] = x.shape.map((_, d) => (d === 1 ? [Math.floor(this.size / 2), Math.floor((this.size - 1) / 2)] : [0, 0]));
    const padded = pad(square(x), widths);
    let windowSum = slice(padded, [null, [0, C]]);
    for (let j = 1; j < this.size; j++) windowSum = add(windowSum, slice(padded, [null, [j, j + C]]));
    return div(x, pow(add(mul(windowSum, this.alpha / this.size), this.k), this.beta));
  }
}
