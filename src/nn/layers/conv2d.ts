import { ArgumentError, optionsObject } from '../../errors.js';
import type { Tensor } from '../../tensor.js';
import type { Dtype } from '../../tensor/dtype.js';
import { conv2d, pair, type Pair } from '../../ops/conv.js';
import { defaultUniform, kaimingUniform } from '../init.js';
import { WeightedLayer } from './weighted-layer.js';

/** Options of Conv2d; stride, padding and dilation are one number or [rows, columns]. */
export interface Conv2dLayerOptions {
  /** Default 1. */
  stride?: Pair;
  /** Zero padding on each side (default 0). */
  padding?: Pair;
  /** Default 1. */
  dilation?: Pair;
  /** Only 1 is supported. */
  groups?: number;
  /** Whether the layer has a bias (default true). */
  bias?: boolean;
  dtype?: Dtype;
  /** Seed of the weight; the bias uses seed + 1. */
  seed?: number;
  /** 'default' (PyTorch's uniform ±1/sqrt(fanIn)) or 'kaiming' (He uniform, for ReLU nets). */
  init?: 'default' | 'kaiming';
}

/**
 * 2-D convolution layer, weight [out, in, KH, KW].
 *
 * @example
 * const conv = new Conv2d(1, 6, 5, { padding: 2 });   // [N, 1, 28, 28] -> [N, 6, 28, 28]
 */
export class Conv2d extends WeightedLayer {
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly dilation: [number, number];

  constructor(readonly inChannels: number, readonly outChannels: number, kernelSize: Pair, options: Conv2dLayerOptions = {}) {
    super('Conv2d');
    options = optionsObject('Conv2d', options);
    for (const [name, v] of [['inChannels', inChannels], ['outChannels', outChannels]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new ArgumentError(`Conv2d: ${name} must be a positive integer, got ${v}`);
    }
    if ((options.groups ?? 1) !== 1) throw new ArgumentError(`Conv2d: groups must be 1, got ${options.groups}`);
    this.kernelSize = pair('Conv2d', 'kernel size', kernelSize, 1, 1);
    this.stride = pair('Conv2d', 'stride', options.stride, 1, 1);
    this.padding = pair('Conv2d', 'padding', options.padding, 0, 0);
    this.dilation = pair('Conv2d', 'dilation', options.dilation, 1, 1);
    const shape = [outChannels, inChannels, ...this.kernelSize];
    const fanIn = inChannels * this.kernelSize[0] * this.kernelSize[1];
    const seed = options.seed;
    const weight = options.init === 'kaiming' ? kaimingUniform(shape, { seed, dtype: options.dtype }) : defaultUniform(shape, fanIn, { seed, dtype: options.dtype });
    this.weight = this.registerParameter('weight', weight);
    this.bias = options.bias === false ? null
      : this.registerParameter('bias', defaultUniform([outChannels], fanIn, { seed: seed === undefined ? undefined : seed + 1, dtype: options.dtype }));
  }

  forward(x: Tensor): Tensor {
    return conv2d(x, this.effectiveWeight(), this.bias, { stride: this.stride, padding: this.padding, dilation: this.dilation });
  }
}
