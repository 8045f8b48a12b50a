// One ADTN for several layers (the paper's variant): the weights of the layers, flattened and
// concatenated, are the entries of one circuit's output, so the layers share its gates. Each
// layer's generator (an AdtnPart) reads its slice and multiplies it by a learned scale of its own
// (the layers' natural scales differ). The circuit runs once per training step: its output is
// cached until a gate changes (an optimizer step bumps the storage version) or the gradient mode
// changes, and both layers' slices come from the same output, so the backward pass accumulates
// their gradients into the shared gates.

import { ArgumentError, ShapeError, formatShape, optionsObject } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { isGradEnabled, noGrad } from '../autograd/graph.js';
import { tensor } from '../tensor/creation.js';
import { parseDtype } from '../tensor/dtype.js';
import { tidy } from '../tensor/lifetime.js';
import { sizeOf } from '../tensor/shape.js';
import { exp, mul } from '../ops/elementwise.js';
import { reshape, slice } from '../ops/movement.js';
import { adtnInitialTensors, applyAdtn, planAdtn, type AdtnOptions, type AdtnPlan } from '../tn/adtn.js';
import { Module, type Parameter } from '../nn/module.js';
import { WeightGenerator } from '../nn/weight-generator.js';
import { standardDeviation } from './generators.js';

/**
 * The circuit shared by several layers: its flat output holds their weights one after another.
 * Build it with the weight shapes, then hand `part(i)` to layer i (see compressLayersShared).
 *
 * @example
 * const shared = new SharedAdtn([[1024, 784], [10, 1024]], { depth: 8 });
 * fc1.setWeightGenerator(shared.part(0));
 * fc2.setWeightGenerator(shared.part(1));   // 2,432 gate parameters for both, plus two scales
 */
export class SharedAdtn extends Module {
  readonly plan: AdtnPlan;
  readonly shapes: readonly (readonly number[])[];
  /** Where each weight starts in the circuit's output. */
  readonly offsets: readonly number[];
  readonly gates: Parameter;
  private readonly initial: Tensor;
  private readonly parts: AdtnPart[];
  private cached: { output: Tensor; version: number; grad: boolean } | null = null;

  constructor(shapes: readonly (readonly number[])[], options: Omit<AdtnOptions, 'layout' | 'scale' | 'targetStd'> & { targetStds?: readonly number[] } = {}) {
    super();
    options = optionsObject('SharedAdtn', options);
    if (!Array.isArray(shapes) || shapes.length === 0) throw new ArgumentError('SharedAdtn: expected at least one weight shape');
    for (const shape of shapes) {
      if (!Array.isArray(shape) || shape.length === 0 || shape.some((s) => !Number.isInteger(s) || s < 1)) {
        throw new ShapeError(`SharedAdtn: weight shapes must be positive integers, got ${Array.isArray(shape) ? formatShape(shape) : String(shape)}`);
      }
    }
    this.shapes = shapes.map((s) => Object.freeze([...s]));
    const sizes = this.shapes.map((s) => sizeOf(s));
    this.offsets = sizes.map((_, i) => sizes.slice(0, i).reduce((a, b) => a + b, 0));
    const total = sizes.reduce((a, b) => a + b, 0);
    this.plan = planAdtn([total], { ...options, layout: 'flat', scale: 'none' });
    const dtype = parseDtype('SharedAdtn', options.dtype);
    const { initial, gates } = adtnInitialTensors(this.plan, options.seed, dtype);
    this.initial = initial;
    this.gates = this.registerParameter('gates', gates);
    gates.dispose();
    // Each part's scale gives its slice the target standard deviation (default Kaiming's) at the start.
    const spreads = noGrad(() => tidy(() => {
      const out = this.output().toArray();
      return sizes.map((n, i) => standardDeviation(out.subarray(this.offsets[i]!, this.offsets[i]! + n)));
    }));
    const targets = options.targetStds;
    if (targets !== undefined && (targets.length !== shapes.length || targets.some((t) => !(t > 0) || !Number.isFinite(t)))) {
      throw new ArgumentError(`SharedAdtn: targetStds must be ${shapes.length} positive numbers, got ${JSON.stringify(targets)}`);
    }
    this.parts = this.shapes.map((shape, i) => {
      const fanIn = shape.length >= 2 ? sizeOf(shape.slice(1)) : shape[0]!;
      const target = targets?.[i] ?? Math.sqrt(2 / fanIn);
      return new AdtnPart(this, i, spreads[i]! > 0 ? target / spreads[i]! : 1, dtype);
    });
  }

  /**
   * The circuit's output (all weights, unscaled), computed once per change of the gates: reused
   * while the gates' storage version, the gradient mode and the output itself are unchanged and,
   * with gradients, while its graph has not been consumed by a backward pass (two backward passes
   * between optimizer steps, as in gradient accumulation, each get a graph of their own).
   */
  output(): Tensor {
    const version = this.gates.storage!.version;
    const grad = isGradEnabled();
    const c = this.cached;
    const graphUsable = !grad || c === null || c.output.node === null || !c.output.node.freed;
    if (c !== null && !c.output.released && c.version === version && c.grad === grad && graphUsable) return c.output;
    const output = applyAdtn(this.plan, this.gates, null, this.initial);
    this.cached = { output, version, grad };
    return output;
  }

  /** The generator of weight i. */
  part(i: number): AdtnPart {
    const part = this.parts[i];
    if (part === undefined) throw new ArgumentError(`SharedAdtn.part: index ${i} is not one of the ${this.parts.length} weights`);
    return part;
  }

  /** The shared circuit is not a layer: use part(i).generate(). */
  forward(): Tensor {
    throw new ArgumentError('SharedAdtn: it has no forward pass of its own; layers use part(i).generate()');
  }
}

/**
 * One layer's weight from a SharedAdtn: its slice of the shared output times its own learned
 * scale (parameter weight.scale, or weight.logScale with normalised gates; the shared gates
 * appear as weight.shared.gates under the first layer that holds them).
 *
 * @example
 * const part = shared.part(1);   // an AdtnPart of a SharedAdtn; not built directly
 * part.generate();               // [10, 1024]: its slice of the shared output times part.scale
 */
export class AdtnPart extends WeightGenerator {
  readonly method = 'adtn';
  readonly shape: readonly number[];
  readonly scale: Parameter;

  constructor(readonly shared: SharedAdtn, readonly index: number, initialScale: number, dtype: 'float32' | 'float64') {
    super();
    this.shape = shared.shapes[index]!;
    this.registerModule('shared', shared);
    // With normalised gates the scale is learned as its logarithm (weight.logScale).
    const logarithmic = shared.plan.normalizeGates;
    const scale = tensor(logarithmic ? Math.log(initialScale) : initialScale, { dtype });
    this.scale = this.registerParameter(logarithmic ? 'logScale' : 'scale', scale);
    scale.dispose();
  }

  generate(): Tensor {
    const start = this.shared.offsets[this.index]!;
    const entries = slice(this.shared.output(), [[start, start + sizeOf(this.shape)]]);
    return mul(reshape(entries, [...this.shape]), this.shared.plan.normalizeGates ? exp(this.scale) : this.scale);
  }
}
