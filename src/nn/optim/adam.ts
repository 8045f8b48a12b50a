import { ArgumentError, optionsObject } from '../../errors.js';
import type { Tensor } from '../../tensor.js';
import { kernelsFor } from '../../ops/kernel-set.js';
import { Optimizer } from './optimizer.js';

/** Options of Adam and AdamW (PyTorch's, with its defaults). */
export interface AdamOptions {
  /** Learning rate (default 1e-3). */
  lr?: number;
  /** Decay rates of the first and second moments (default [0.9, 0.999]). */
  betas?: [number, number];
  /** Added to the denominator (default 1e-8). */
  eps?: number;
  /** Adam: L2 penalty added to the gradient (default 0); AdamW: decoupled decay (default 0.01). */
  weightDecay?: number;
}

/**
 * Adam (Kingma & Ba) with optional L2 weight decay added to the gradient; one fused kernel pass
 * per parameter. As in PyTorch, each parameter counts its own steps (the bias correction starts
 * when the parameter first has a gradient, not when the optimizer was created). A restored state
 * (loadStateDict) continues every parameter that has saved moments from the saved stepCount.
 *
 * @example
 * const opt = new Adam(model.parameters(), { lr: 1e-3 });
 */
export class Adam extends Optimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  protected decoupled = false;

  constructor(params: Iterable<Tensor>, options: AdamOptions = {}) {
    super(params, optionsObject(new.target.name, options).lr ?? 1e-3);
    options = optionsObject(new.target.name, options);
    [this.beta1, this.beta2] = options.betas ?? [0.9, 0.999];
    this.eps = options.eps ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 0;
    for (const [name, b] of [['beta1', this.beta1], ['beta2', this.beta2]] as const) {
      if (!(b >= 0 && b < 1)) throw new ArgumentError(`${this.constructor.name}: ${name} must be in [0, 1), got ${b}`);
    }
    if (!(this.eps > 0)) throw new ArgumentError(`${this.constructor.name}: eps must be > 0, got ${this.eps}`);
    if (!(this.weightDecay >= 0)) throw new ArgumentError(`${this.constructor.name}: weightDecay must be >= 0, got ${this.weightDecay}`);
  }

  /** Steps taken by each parameter (absent: none yet). */
  private readonly parameterSteps = new Map<Tensor, number>();

  step(): void {
    this.stepCount++;
    for (const p of this.params) {
      const g = p.grad;
      if (g === null) continue;
      const t = (this.parameterSteps.get(p) ?? 0) + 1;
      this.parameterSteps.set(p, t);
      const bias1 = 1 - this.beta1 ** t;
      const bias2 = 1 - this.beta2 ** t;
      const m = this.stateTensor(p, 'm');
      const v = this.stateTensor(p, 'v');
      kernelsFor(p.dtype).adamStep(p.ptr, g.ptr, m.ptr, v.ptr, p.size, this.lr, this.beta1, this.beta2, this.eps,
        this.weightDecay, +this.decoupled, bias1, bias2);
      p.storage!.version++;
    }
  }

  override loadStateDict(state: ReadonlyMap<string, Tensor>, stepCount: number, lr = this.lr): void {
    super.loadStateDict(state, stepCount, lr);
    this.parameterSteps.clear();
    this.params.forEach((p, i) => {
      if (state.has(`${i}.m`)) this.parameterSteps.set(p, stepCount);
    });
  }
}

/**
 * AdamW (Loshchilov & Hutter): weight decay decoupled from the gradient (default 0.01).
 *
 * @example
 * const opt = new AdamW(model.parameters(), { lr: 1e-3, weightDecay: 0.05 });
 */
export class AdamW extends Adam {
  constructor(params: Iterable<Tensor>, options: AdamOptions = {}) {
    super(params, { ...optionsObject('AdamW', options), weightDecay: optionsObject('AdamW', options).weightDecay ?? 0.01 });
    this.decoupled = true;
  }
}
