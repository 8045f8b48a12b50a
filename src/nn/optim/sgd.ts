import { ArgumentError, optionsObject } from '../../errors.js';
import type { Tensor } from '../../tensor.js';
import { kernelsFor } from '../../ops/kernel-set.js';
import { Optimizer } from './optimizer.js';

/** Options of SGD (PyTorch's definition); the learning rate is required. */
export interface SGDOptions {
  lr: number;
  /** Default 0 (plain SGD). */
  momentum?: number;
  /** Default 0. */
  dampening?: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay?: number;
  /** Nesterov momentum (default false; needs momentum > 0 and dampening 0). */
  nesterov?: boolean;
}

// SGD has no default learning rate: its options are required.
function requiredOptions(options: SGDOptions | undefined): SGDOptions {
  if (options === undefined) throw new ArgumentError('SGD: options with a learning rate are required, e.g. { lr: 0.1, momentum: 0.9 }');
  return optionsObject('SGD', options);
}

/**
 * Stochastic gradient descent with momentum, Nesterov momentum and weight decay (PyTorch's
 * definition), one fused kernel pass per parameter.
 *
 * @example
 * const opt = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
 * loss.backward(); opt.step(); opt.zeroGrad();
 */
export class SGD extends Optimizer {
  readonly momentum: number;
  readonly dampening: number;
  readonly weightDecay: number;
  readonly nesterov: boolean;

  constructor(params: Iterable<Tensor>, options: SGDOptions) {
    super(params, requiredOptions(options).lr);
    options = requiredOptions(options);
    this.momentum = options.momentum ?? 0;
    this.dampening = options.dampening ?? 0;
    this.weightDecay = options.weightDecay ?? 0;
    this.nesterov = options.nesterov ?? false;
    if (!(this.momentum >= 0)) throw new ArgumentError(`SGD: momentum must be >= 0, got ${this.momentum}`);
    if (!(this.weightDecay >= 0)) throw new ArgumentError(`SGD: weightDecay must be >= 0, got ${this.weightDecay}`);
    if (this.nesterov && (this.momentum <= 0 || this.dampening !== 0)) throw new ArgumentError('SGD: Nesterov momentum needs momentum > 0 and dampening 0');
  }

  step(): void {
    this.stepCount++;
    for (const p of this.params) {
      const g = p.grad;
      if (g === null) continue;
      const first = this.momentum !== 0 && !this.hasState(p, 'momentum');
      const buffer = this.momentum !== 0 ? this.stateTensor(p, 'momentum') : g;
      kernelsFor(p.dtype).sgdStep(p.ptr, g.ptr, buffer.ptr, p.size, this.lr, this.momentum, this.dampening, this.weightDecay, +this.nesterov, +first);
      p.storage!.version++;
    }
  }
}
