import { ArgumentError, ShapeError, formatShape } from '../../errors.js';
import type { Tensor } from '../../tensor.js';
import { pad } from '../../ops/movement.js';
import { Module } from '../module.js';

/**
 * Pads the last two axes of [N, C, H, W] with zeros: `top`, `bottom`, `left`, `right` rows and
 * columns. The zoo's networks use it to bring smaller images (28 x 28) to the size they were
 * designed for (32 x 32).
 *
 * @example
 * new ZeroPad2d([2, 2, 2, 2]).forward(x);   // [N, 1, 28, 28] -> [N, 1, 32, 32]
 */
export class ZeroPad2d extends Module {
  readonly padding: readonly [number, number, number, number];

  constructor(padding: number | readonly [number, number, number, number]) {
    super();
    const p = typeof padding === 'number' ? [padding, padding, padding, padding] as const : padding;
    if (!Array.isArray(p) || p.length !== 4 || p.some((v) => !Number.isInteger(v) || v < 0)) {
      throw new ArgumentError(`ZeroPad2d: padding must be a non-negative integer or four of them [top, bottom, left, right], got ${JSON.stringify(padding)}`);
    }
    this.padding = [p[0], p[1], p[2], p[3]];
  }

  /** The padding that brings an image of height x width to (at least) target x target, centred. */
  static toSize(height: number, width: number, target: number): ZeroPad2d {
    const extra = (n: number) => Math.max(0, target - n);
    const [h, w] = [extra(height), extra(width)];
    return new ZeroPad2d([Math.floor(h / 2), h - Math.floor(h / 2), Math.floor(w / 2), w - Math.floor(w / 2)]);
  }

  forward(x: Tensor): Tensor {
    if (x.rank !== 4) throw new ShapeError(`ZeroPad2d: expected input [N, C, H, W], got ${formatShape(x.shape)}`);
    const [top, bottom, left, right] = this.padding;
    return pad(x, [[0, 0], [0, 0], [top, bottom], [left, right]]);
  }
}
