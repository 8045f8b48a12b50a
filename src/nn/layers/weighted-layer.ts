// The common part of Linear and Conv2d: a weight that is either a dense parameter or the output
// of a WeightGenerator (a compressed layer), plus an optional dense bias.

import { ArgumentError, ShapeError, formatShape } from '../../errors.js';
import type { Tensor } from '../../tensor.js';
import { noGrad } from '../../autograd/graph.js';
import { Module, Parameter } from '../module.js';
import { WeightGenerator } from '../weight-generator.js';

/**
 * The base of Linear and Conv2d: a weight that is a dense parameter or the output of a
 * WeightGenerator (a compressed layer), and an optional dense bias.
 *
 * @example
 * const fc1 = findLayer(model, 'fc1');   // a WeightedLayer
 * fc1.setWeightGenerator(new LowRankWeight(fc1.weightShape, 4));
 */
export abstract class WeightedLayer extends Module {
  /** The dense weight, or null while a generator makes it. */
  weight: Parameter | null = null;
  /** The dense bias, or null without one. */
  bias: Parameter | null = null;
  /** The generator of a compressed weight, or null for a dense weight. */
  generator: WeightGenerator | null = null;

  protected constructor(private readonly layerName: string) {
    super();
  }

  /** Shape of the weight, dense or generated. */
  get weightShape(): readonly number[] {
    if (this.generator !== null) return this.generator.shape;
    if (this.weight === null) throw new ArgumentError(`${this.layerName}: no weight`);
    return this.weight.shape;
  }

  /** The weight used by forward: the dense parameter, or the generator's output. */
  effectiveWeight(): Tensor {
    if (this.generator !== null) return this.generator.generate();
    if (this.weight === null) throw new ArgumentError(`${this.layerName}: no weight`);
    return this.weight;
  }

  /**
   * Replaces the weight by a generator of the same shape; its parameters become
   * weight.<name>. The bias stays dense.
   *
   * @example
   * fc.setWeightGenerator(new AdtnWeight(fc.weightShape, { depth: 8 }));
   */
  setWeightGenerator(generator: WeightGenerator): void {
    if (!(generator instanceof WeightGenerator)) throw new ArgumentError(`${this.layerName}.setWeightGenerator: expected a WeightGenerator`);
    const shape = this.weightShape;
    if (generator.shape.length !== shape.length || generator.shape.some((s, i) => s !== shape[i])) {
      throw new ShapeError(`${this.layerName}.setWeightGenerator: the generator makes a weight of shape ${formatShape(generator.shape)}, the layer needs ${formatShape(shape)}`);
    }
    this.unregisterModule('weight');
    this.replaceParameter('weight', null);
    this.weight = null;
    this.generator = generator;
    this.registerModule('weight', generator);
  }

  /** Decodes a generated weight once into a dense parameter (fast inference); returns it. */
  decodeWeight(): Parameter {
    if (this.generator === null) return this.weight!;
    const dense = noGrad(() => this.generator!.generate());
    this.unregisterModule('weight');
    this.generator = null;
    this.weight = this.registerParameter('weight', dense);
    dense.dispose();
    return this.weight;
  }
}
