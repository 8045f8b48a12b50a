// Module and Parameter: the PyTorch-like building blocks of networks. A module owns named
// parameters (trainable tensors), buffers (state such as running statistics) and child modules;
// names join with dots ('features.0.weight') as in a PyTorch state dict (the names of our own
// buffers, such as BatchNorm's runningMean and runningVar, are this library's, not PyTorch's).

import { ArgumentError, DtypeError, ShapeError, formatShape, optionsObject } from '../errors.js';
import { Tensor } from '../tensor.js';
import { noGrad } from '../autograd/graph.js';
import { runForward } from './inference-step.js';

/**
 * A trainable tensor: shares the storage of the tensor it wraps, requires gradients, and is
 * owned by its module (never released automatically).
 *
 * @example
 * const w = new Parameter(randn([10, 784], { std: 0.05 }));
 */
export class Parameter extends Tensor {
  constructor(data: Tensor) {
    if (!(data instanceof Tensor)) throw new ArgumentError('Parameter: expected a Tensor');
    if (data.released) throw data.releasedError();
    data.storage!.retain();
    super(data.storage!, data.shape, data.dtype, 'parameter', false);
    this.requiresGrad_(true);
  }
}

/**
 * The base of layers and models: owns named parameters, buffers and child modules (dotted names as
 * in a PyTorch state dict) and a training / evaluation mode; subclasses implement forward().
 *
 * @example
 * class Double extends Module { forward(x: Tensor): Tensor { return x.mul(2); } }
 * model.eval(); model.numParameters();
 */
export abstract class Module {
  /** Training mode (dropout active, batch statistics) or evaluation mode. */
  training = true;
  private readonly ownParameters = new Map<string, Parameter>();
  private readonly ownBuffers = new Map<string, Tensor>();
  private readonly optionalBuffers = new Set<Tensor>();
  private readonly children = new Map<string, Module>();

  constructor() {
    // Every forward() call goes through runForward: a top-level call under noGrad is an inference
    // step (README "Memory"). The subclass's method is on the prototype; this own property wraps it.
    const forward = (this as unknown as { forward: (...args: unknown[]) => Tensor }).forward;
    Object.defineProperty(this, 'forward', {
      value: (...args: unknown[]) => runForward(this, () => this.parameters(), (...a: unknown[]) => forward.apply(this, a), args),
      writable: true,
      configurable: true,
    });
  }

  /** The layer's computation. */
  abstract forward(x: Tensor): Tensor;

  /** Same as forward(). */
  call(x: Tensor): Tensor {
    return this.forward(x);
  }

  protected registerParameter(name: string, value: Tensor): Parameter {
    const p = value instanceof Parameter ? value : new Parameter(value);
    this.ownParameters.set(name, p);
    return p;
  }

  /** Replaces a registered parameter (used when a layer's weight is swapped, e.g. by compression). */
  protected replaceParameter(name: string, value: Tensor | null): void {
    if (value === null) this.ownParameters.delete(name);
    else this.registerParameter(name, value);
  }

  /**
   * A tensor that is state but not a parameter (running statistics, a random generator's state).
   * An `optional` buffer may be missing from a state dict loaded strictly (it keeps its value):
   * state added to a layer after checkpoints of it were written.
   */
  protected registerBuffer(name: string, value: Tensor, options: { optional?: boolean } = {}): Tensor {
    value.keep();
    this.ownBuffers.set(name, value);
    if (options.optional === true) this.optionalBuffers.add(value);
    return value;
  }

  protected registerModule<M extends Module>(name: string, module: M): M {
    if (!(module instanceof Module)) throw new ArgumentError(`registerModule: ${name} is not a Module`);
    this.children.set(name, module);
    return module;
  }

  /** Removes a child module (used when a generated weight is swapped or decoded). */
  protected unregisterModule(name: string): void {
    this.children.delete(name);
  }

  /** Child modules with their names. */
  namedChildren(): [string, Module][] {
    return [...this.children];
  }

  /** This module and every descendant with dotted names ('' for this one), depth first. */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [[prefix, this]];
    for (const [name, child] of this.children) out.push(...child.namedModules(prefix === '' ? name : `${prefix}.${name}`));
    return out;
  }

  /** Every parameter with its dotted name, depth first, each tensor once. */
  namedParameters(prefix = ''): [string, Parameter][] {
    const out: [string, Parameter][] = [];
    const seen = new Set<Tensor>();
    const visit = (m: Module, path: string): void => {
      for (const [name, p] of m.ownParameters) {
        if (!seen.has(p)) {
          seen.add(p);
          out.push([path + name, p]);
        }
      }
      for (const [name, child] of m.children) visit(child, `${path}${name}.`);
    };
    visit(this, prefix);
    return out;
  }

  parameters(): Parameter[] {
    return this.namedParameters().map(([, p]) => p);
  }

  namedBuffers(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const visit = (m: Module, path: string): void => {
      for (const [name, b] of m.ownBuffers) out.push([path + name, b]);
      for (const [name, child] of m.children) visit(child, `${path}${name}.`);
    };
    visit(this, prefix);
    return out;
  }

  /** Total number of trainable numbers. */
  numParameters(): number {
    return this.parameters().reduce((s, p) => s + p.size, 0);
  }

  /** Sets training mode on this module and every descendant; returns this. */
  train(mode = true): this {
    const visit = (m: Module): void => {
      m.training = mode;
      for (const child of m.children.values()) visit(child);
    };
    visit(this);
    return this;
  }

  /** Evaluation mode (dropout off, running statistics); returns this. */
  eval(): this {
    return this.train(false);
  }

  /** Sets every parameter's gradient to null. */
  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null;
  }

  /** Parameters and buffers by dotted name (the tensors themselves, not copies). */
  stateDict(): Map<string, Tensor> {
    return new Map<string, Tensor>([...this.namedParameters(), ...this.namedBuffers()]);
  }

  /**
   * Copies values into this module's parameters and buffers. With `strict` (default) every
   * key must match; shapes and dtypes must always match. All or nothing: every entry is checked
   * before any value is copied.
   */
  loadStateDict(state: ReadonlyMap<string, Tensor> | Record<string, Tensor>, optionsIn: { strict?: boolean } = {}): void {
    const options = optionsObject('loadStateDict', optionsIn);
    const entries = state instanceof Map ? state : new Map(Object.entries(state));
    const own = this.stateDict();
    const strict = options.strict ?? true;
    if (strict) {
      const optional = new Set(this.namedModules().flatMap(([, m]) => [...m.optionalBuffers]));
      const missing = [...own.entries()].filter(([k, t]) => !entries.has(k) && !optional.has(t)).map(([k]) => k);
      const unexpected = [...entries.keys()].filter((k) => !own.has(k));
      if (missing.length > 0 || unexpected.length > 0) {
        throw new ArgumentError(`loadStateDict: missing keys [${missing.join(', ')}], unexpected keys [${unexpected.join(', ')}]`);
      }
    }
    const copies: [Tensor, Tensor][] = [];
    for (const [key, target] of own) {
      const source = entries.get(key);
      if (source === undefined) continue;
      if (!(source instanceof Tensor)) throw new ArgumentError(`loadStateDict: ${key} is not a Tensor`);
      if (source.dtype !== target.dtype) throw new DtypeError(`loadStateDict: ${key} is ${source.dtype}, the module has ${target.dtype}`);
      if (source.rank !== target.rank || source.shape.some((s, i) => s !== target.shape[i])) {
        throw new ShapeError(`loadStateDict: ${key} has shape ${formatShape(source.shape)}, the module has ${formatShape(target.shape)}`);
      }
      copies.push([target, source]);
    }
    noGrad(() => {
      for (const [target, source] of copies) target.assign(source);
    });
  }
}
