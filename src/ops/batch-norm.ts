// Batch normalisation with the batch's statistics (training mode) as one primitive with fused
// kernels (kernels/batch-norm.ts): for x [N, C, ...], per channel c over the other axes,
//
//   y = (x - mean_c)·gamma_c/sqrt(var_c + eps) + beta_c      (var: the biased batch variance)
//
// Composed of primitives (mean, subtract, square, mean, multiply, add) the forward and backward
// passes read and write activations about fifteen times; fused, the forward visits each channel
// three times in a row (sum, squared deviations, normalisation: the later visits mostly hit
// cache) and writes y once, the backward visits dy and x twice and writes dx once. Not
// differentiable twice (like conv2d).

import { ArgumentError, ShapeError, formatShape } from '../errors.js';
import { Tensor } from '../tensor.js';
import { kernels } from '../backend/engine.js';
import { isGradEnabled, record } from '../autograd/graph.js';
import { sameDtype } from '../tensor/dtype.js';
import { tensor } from '../tensor/creation.js';
import { kernelsFor } from './kernel-set.js';
import { operand } from './operand.js';

/** What batchNormTraining saves for its backward: the batch statistics, per channel. */
export interface BatchNormSaved {
  mean: Float64Array;
  variance: Float64Array;
  eps: number;
  hasWeight: boolean;
  hasBias: boolean;
}

/** The normalised tensor and the batch statistics it used (for running statistics). */
export interface BatchNormResult {
  output: Tensor;
  /** Per-channel batch mean. */
  mean: Float64Array;
  /** Per-channel biased batch variance (divided by the count). */
  variance: Float64Array;
}

// [N, C, S]: the batch, the channels and the values per channel of one sample.
function layout(x: Tensor): [number, number, number] {
  const [N, C] = x.shape as [number, number];
  return [N, C, x.size / Math.max(1, N * C)];
}

// A float64 [C][2] block in wasm memory for the kernels' statistics or sums.
function pairs(C: number, owner: string): number {
  return kernels().allocator.alloc(Math.max(1, C) * 16, owner);
}

/**
 * Batch normalisation of x [N, C, ...] with the batch's per-channel mean and biased variance,
 * scaled by `weight` [C] and shifted by `bias` [C] (either may be null).
 *
 * @example
 * const { output, mean, variance } = batchNormTraining(x, gamma, beta, 1e-5);   // x: [N, C, H, W]
 */
export function batchNormTraining(x: Tensor, weight: Tensor | null, bias: Tensor | null, eps: number): BatchNormResult {
  const t = operand('batchNorm', x, 'input');
  if (t.rank < 2) throw new ShapeError(`batchNorm: input must be [N, C, ...], got ${formatShape(t.shape)}`);
  const [N, C, S] = layout(t);
  for (const [name, p] of [['weight', weight], ['bias', bias]] as const) {
    if (p === null) continue;
    operand('batchNorm', p, name);
    sameDtype('batchNorm', t.dtype, p.dtype);
    if (p.rank !== 1 || p.shape[0] !== C) throw new ShapeError(`batchNorm: ${name} must be [${C}], got ${formatShape(p.shape)}`);
  }
  if (typeof eps !== 'number' || !(eps >= 0) || !Number.isFinite(eps)) throw new ArgumentError(`batchNorm: eps must be a finite number >= 0, got ${eps}`);
  if (N * S === 0 && C > 0) throw new ArgumentError(`batchNorm: the input ${formatShape(t.shape)} has no values per channel to take statistics of`);
  const output = Tensor.empty(t.shape, t.dtype, 'batchNorm');
  let moments: Float64Array;
  try {
    const stats = pairs(C, 'batchNorm statistics');
    try {
      kernelsFor(t.dtype).batchNormForward(output.ptr, stats, t.ptr, weight?.ptr ?? 0, bias?.ptr ?? 0, eps, N, C, S, 0, C);
      moments = kernels().f64.slice(stats / 8, stats / 8 + 2 * C);
    } finally {
      kernels().allocator.free(stats);
    }
  } catch (error) {
    output.dispose();
    throw error;
  }
  const mean = new Float64Array(C), variance = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    mean[c] = moments[2 * c]!;
    variance[c] = moments[2 * c + 1]!;
  }
  const inputs = [t, ...(weight === null ? [] : [weight]), ...(bias === null ? [] : [bias])];
  record('batchNorm', inputs, output, { mean, variance, eps, hasWeight: weight !== null, hasBias: bias !== null });
  // Copies: the saved statistics stay as the backward needs them whatever the caller does.
  return { output, mean: mean.slice(), variance: variance.slice() };
}

/** @internal The backward of batchNormTraining: [dX, dWeight?, dBias?] in the order of its inputs. */
export function batchNormBackward(gradient: Tensor, x: Tensor, weight: Tensor | null, saved: BatchNormSaved, needs: boolean[]): (Tensor | null)[] {
  if (isGradEnabled()) throw new ArgumentError('backward: createGraph (second-order gradients) is not supported through batchNorm');
  const [N, C, S] = layout(x);
  const module = kernels();
  let stats = 0, sums = 0;
  let dX: Tensor | null = null;
  let totals: Float64Array;
  try {
    stats = pairs(C, 'batchNorm statistics');
    sums = pairs(C, 'batchNorm sums');
    dX = needs[0] ? Tensor.empty(x.shape, x.dtype, 'batchNorm gradient') : null;
    const statsView = module.f64.subarray(stats / 8, stats / 8 + 2 * C);
    for (let c = 0; c < C; c++) {
      statsView[2 * c] = saved.mean[c]!;
      statsView[2 * c + 1] = saved.variance[c]!;
    }
    kernelsFor(x.dtype).batchNormBackward(dX?.ptr ?? 0, sums, gradient.ptr, x.ptr, stats, weight?.ptr ?? 0, saved.eps, N, C, S, 0, C);
    totals = module.f64.slice(sums / 8, sums / 8 + 2 * C);
  } catch (error) {
    dX?.dispose();
    throw error;
  } finally {
    if (stats !== 0) module.allocator.free(stats);
    if (sums !== 0) module.allocator.free(sums);
  }
  const grads: (Tensor | null)[] = [dX];
  if (saved.hasWeight) {
    // dgamma_c = Σ dy·(x - mean)/sqrt(var + eps)
    const values = Float64Array.from({ length: C }, (_, c) => totals[2 * c + 1]! / Math.sqrt(saved.variance[c]! + saved.eps));
    grads.push(needs[grads.length] ? tensor(values, { dtype: x.dtype }) : null);
  }
  if (saved.hasBias) {
    const values = Float64Array.from({ length: C }, (_, c) => totals[2 * c]!);
    grads.push(needs[grads.length] ? tensor(values, { dtype: x.dtype }) : null);
  }
  return grads;
}
