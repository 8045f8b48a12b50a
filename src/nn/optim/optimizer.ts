// The optimizer base: a list of parameters, a learning rate that schedules may change, and
// per-parameter state tensors (momentum, moments) owned by the optimizer.

import { ArgumentError, ShapeError, formatShape, describeValue } from '../../errors.js';
import { noGrad } from '../../autograd/graph.js';
import { Tensor } from '../../tensor.js';
import { zerosLike } from '../../tensor/creation.js';

/**
 * The base of SGD, Adam and AdamW: the parameters, a learning rate that schedules may change, and
 * per-parameter state tensors (momentum, moments) that stateDict() and loadStateDict() save and
 * restore. The constructor throws ArgumentError for no parameters, a tensor that does not require
 * gradients, or a learning rate that is not positive.
 *
 * @example
 * optimizer.zeroGrad(); loss.backward(); optimizer.step();
 * const state = optimizer.stateDict();   // with optimizer.stepCount and optimizer.lr for a checkpoint
 */
export abstract class Optimizer {
  /** The parameters updated, in constructor order. */
  readonly params: Tensor[];
  /** Current learning rate (schedules set it). */
  lr: number;
  /** Learning rate the optimizer was created with. */
  readonly initialLr: number;
  /** Number of step() calls so far. */
  stepCount = 0;
  private readonly state = new Map<Tensor, Map<string, Tensor>>();

  constructor(params: Iterable<Tensor>, lr: number) {
    const name = this.constructor.name;
    if (params === null || typeof params !== 'object' || typeof (params as Iterable<Tensor>)[Symbol.iterator] !== 'function') {
      throw new ArgumentError(`${name}: params must be an array (or iterable) of tensors, e.g. model.parameters(), got ${describeValue(params)}`);
    }
    this.params = [...params];
    const stranger = this.params.find((p) => !(p instanceof Tensor));
    if (stranger !== undefined) throw new ArgumentError(`${name}: every parameter must be a Tensor, got ${describeValue(stranger)}`);
    if (this.params.length === 0) throw new ArgumentError(`${this.constructor.name}: no parameters to optimize`);
    for (const p of this.params) {
      if (!p.requiresGrad) throw new ArgumentError(`${this.constructor.name}: every parameter must require gradients`);
    }
    if (!(lr > 0) || !Number.isFinite(lr)) throw new ArgumentError(`${this.constructor.name}: lr must be a positive number, got ${lr}`);
    this.lr = lr;
    this.initialLr = lr;
  }

  /** Applies one update to every parameter that has a gradient. */
  abstract step(): void;

  /** Sets every parameter's gradient to null. */
  zeroGrad(): void {
    for (const p of this.params) p.grad = null;
  }

  /** A zero-initialised state tensor of a parameter's shape, created on first use. */
  protected stateTensor(p: Tensor, name: string): Tensor {
    let entries = this.state.get(p);
    if (entries === undefined) {
      entries = new Map();
      this.state.set(p, entries);
    }
    let t = entries.get(name);
    if (t === undefined) {
      t = zerosLike(p).keep();
      entries.set(name, t);
    }
    return t;
  }

  /**
   * The state tensors keyed '<parameter index>.<name>' (parameters in constructor order), for
   * checkpoints; with stepCount and lr they resume training exactly.
   */
  stateDict(): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    this.params.forEach((p, i) => {
      for (const [name, t] of this.state.get(p) ?? []) out.set(`${i}.${name}`, t);
    });
    return out;
  }

  /** Restores state saved by stateDict() (for the same parameters in the same order). */
  loadStateDict(state: ReadonlyMap<string, Tensor>, stepCount: number, lr = this.lr): void {
    if (!Number.isInteger(stepCount) || stepCount < 0) throw new ArgumentError(`${this.constructor.name}.loadStateDict: stepCount must be a non-negative integer, got ${stepCount}`);
    // All or nothing: every entry is checked before any state is written.
    const copies: [Tensor, string, Tensor][] = [];
    for (const [key, source] of state) {
      const match = /^(\d+)\.(\w+)$/.exec(key);
      const p = match === null ? undefined : this.params[Number(match[1])];
      if (p === undefined) throw new ArgumentError(`${this.constructor.name}.loadStateDict: unexpected key ${JSON.stringify(key)} (${this.params.length} parameters)`);
      if (source.dtype !== p.dtype || source.size !== p.size || source.rank !== p.rank || source.shape.some((s, i) => s !== p.shape[i])) {
        throw new ShapeError(`${this.constructor.name}.loadStateDict: ${key} has ${source.dtype} ${formatShape(source.shape)}, parameter ${match![1]} is ${p.dtype} ${formatShape(p.shape)}`);
      }
      copies.push([p, match![2]!, source]);
    }
    noGrad(() => {
      for (const [p, name, source] of copies) this.stateTensor(p, name).assign(source);
    });
    this.stepCount = stepCount;
    this.lr = lr;
  }

  /** Whether a state tensor exists already. */
  protected hasState(p: Tensor, name: string): boolean {
    return this.state.get(p)?.has(name) ?? false;
  }
}
