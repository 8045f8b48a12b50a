// Weight initialisers (seeded). fanIn and fanOut follow PyTorch: for a weight [out, in, ...k],
// fanIn = in·Π k and fanOut = out·Π k.
//
//   kaimingUniform / kaimingNormal (He et al.): std = gain / sqrt(fan), gain = sqrt(2) for ReLU.
//   xavierUniform / xavierNormal (Glorot): std = gain·sqrt(2 / (fanIn + fanOut)).
//   Uniform variants draw from [-sqrt(3)·std, sqrt(3)·std).
// PyTorch's default for Linear and Conv2d (kaiming uniform with a = sqrt(5)) is
// uniform(-1/sqrt(fanIn), 1/sqrt(fanIn)), for weights and biases alike: defaultUniform.

import { ArgumentError, optionsObject } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { rand, randn } from '../tensor/creation.js';
import { checkShape } from '../tensor/shape.js';
import type { Dtype } from '../tensor/dtype.js';

/** Options of the weight initialisers: seed, dtype, gain and (for Kaiming) the fan that sets the scale. */
export interface InitOptions {
  seed?: number;
  dtype?: Dtype;
  /** Gain (default sqrt(2) for Kaiming, 1 for Xavier). */
  gain?: number;
  /** 'fanIn' (default) or 'fanOut' for Kaiming. */
  mode?: 'fanIn' | 'fanOut';
}

/**
 * [fanIn, fanOut] of a weight shape.
 *
 * @example
 * fans([10, 784]);      // [784, 10]
 * fans([6, 1, 5, 5]);   // [25, 150]
 */
export function fans(shapeIn: readonly number[]): [number, number] {
  const shape = checkShape('init', shapeIn);
  if (shape.length < 2) throw new ArgumentError(`init: fan-in and fan-out need a weight of rank >= 2, got rank ${shape.length}`);
  const receptive = shape.slice(2).reduce((p, s) => p * s, 1);
  return [shape[1]! * receptive, shape[0]! * receptive];
}

function uniformWithStd(shape: readonly number[], std: number, options: InitOptions): Tensor {
  const bound = Math.sqrt(3) * std;
  return rand([...shape], { low: -bound, high: bound, seed: options.seed, dtype: options.dtype });
}

/**
 * Kaiming (He) uniform weights: uniform on [-sqrt(3)·std, sqrt(3)·std) with std = gain / sqrt(fan),
 * gain sqrt(2) and fan = fanIn by default. The shape needs rank >= 2 (see fans).
 *
 * @example
 * const w = kaimingUniform([256, 784], { seed: 1 });   // std sqrt(2 / 784)
 */
export function kaimingUniform(shape: readonly number[], optionsIn: InitOptions = {}): Tensor {
  const options = optionsObject('kaimingUniform', optionsIn);
  const [fanIn, fanOut] = fans(shape);
  return uniformWithStd(shape, (options.gain ?? Math.SQRT2) / Math.sqrt(options.mode === 'fanOut' ? fanOut : fanIn), options);
}

/**
 * Kaiming (He) normal weights: N(0, std²) with std = gain / sqrt(fan), gain sqrt(2) and fan = fanIn
 * by default. The shape needs rank >= 2 (see fans).
 *
 * @example
 * kaimingNormal([256, 512], { seed: 1 });                  // std sqrt(2 / 512)
 * kaimingNormal([64, 3, 3, 3], { mode: 'fanOut', seed: 2 });   // std sqrt(2 / (64·9))
 */
export function kaimingNormal(shape: readonly number[], optionsIn: InitOptions = {}): Tensor {
  const options = optionsObject('kaimingNormal', optionsIn);
  const [fanIn, fanOut] = fans(shape);
  const std = (options.gain ?? Math.SQRT2) / Math.sqrt(options.mode === 'fanOut' ? fanOut : fanIn);
  return randn([...shape], { std, seed: options.seed, dtype: options.dtype });
}

/**
 * Xavier (Glorot) uniform weights: uniform on [-sqrt(3)·std, sqrt(3)·std) with
 * std = gain·sqrt(2 / (fanIn + fanOut)), gain 1 by default. The shape needs rank >= 2 (see fans).
 *
 * @example
 * const w = xavierUniform([300, 200], { seed: 3 });   // std sqrt(2 / 500)
 */
export function xavierUniform(shape: readonly number[], optionsIn: InitOptions = {}): Tensor {
  const options = optionsObject('xavierUniform', optionsIn);
  const [fanIn, fanOut] = fans(shape);
  return uniformWithStd(shape, (options.gain ?? 1) * Math.sqrt(2 / (fanIn + fanOut)), options);
}

/**
 * Xavier (Glorot) normal weights: N(0, std²) with std = gain·sqrt(2 / (fanIn + fanOut)), gain 1 by
 * default. The shape needs rank >= 2 (see fans).
 *
 * @example
 * const w = xavierNormal([84, 120], { seed: 4, dtype: 'float64' });   // std sqrt(2 / 204)
 */
export function xavierNormal(shape: readonly number[], optionsIn: InitOptions = {}): Tensor {
  const options = optionsObject('xavierNormal', optionsIn);
  const [fanIn, fanOut] = fans(shape);
  return randn([...shape], { std: (options.gain ?? 1) * Math.sqrt(2 / (fanIn + fanOut)), seed: options.seed, dtype: options.dtype });
}

/**
 * uniform(-1/sqrt(fanIn), 1/sqrt(fanIn)): PyTorch's default for Linear and Conv2d.
 *
 * @example
 * const bias = defaultUniform([10], 784, { seed: 1 });   // uniform on [-1/28, 1/28)
 */
export function defaultUniform(shape: readonly number[], fanIn: number, optionsIn: InitOptions = {}): Tensor {
  const options = optionsObject('defaultUniform', optionsIn);
  const bound = 1 / Math.sqrt(fanIn);
  return rand([...shape], { low: -bound, high: bound, seed: options.seed, dtype: options.dtype });
}
