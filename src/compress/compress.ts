// Compressing a model: replace chosen Linear / Conv2d layers by layers whose weight is generated
// (ADTN, low rank or TT-matrix), initialised by fitting the pretrained weight, by SVD, or at
// random; then fine-tune the whole model on the task as usual (the generators are modules, so
// model.parameters() holds their parameters). Parameter accounting compares every compressed
// layer with the dense weight it replaces.

import { ArgumentError, optionsObject } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { noGrad } from '../autograd/graph.js';
import { tidy } from '../tensor/lifetime.js';
import type { Module } from '../nn/module.js';
import { Flatten, Sequential } from '../nn/layers/sequential.js';
import { Linear } from '../nn/layers/linear.js';
import { zeros } from '../tensor/creation.js';
import { WeightedLayer } from '../nn/layers/weighted-layer.js';
import type { WeightGenerator } from '../nn/weight-generator.js';
import type { AdtnActivation, AdtnOptions } from '../tn/adtn.js';
import { AdtnWeight, LowRankWeight, TTWeight, standardDeviation } from './generators.js';
import { SharedAdtn } from './shared-adtn.js';
import { fitGenerator, relativeError, type FitGeneratorOptions, type FitGeneratorResult } from './fit.js';

/** A way to generate a weight: 'adtn' (a deep circuit of 2-site gates), 'lowrank' (W = U·V) or 'tt' (TT-matrix). */
export type CompressionMethod = 'adtn' | 'lowrank' | 'tt';
/**
 * How a generator starts: 'fit' (trained to reproduce the pretrained weight), 'svd' (truncated SVD or
 * TT-SVD of it; not for adtn) or 'random'.
 */
export type CompressionInit = 'fit' | 'svd' | 'random';
/**
 * Every CompressionMethod, in the order error messages list them.
 *
 * @example
 * COMPRESSION_METHODS.join(', ');   // 'adtn, lowrank, tt'
 */
export const COMPRESSION_METHODS: readonly CompressionMethod[] = ['adtn', 'lowrank', 'tt'];

/** How to compress a layer: the method, its size knobs, and the initialisation. */
export interface CompressionSpec {
  method: CompressionMethod;
  /** Default: 'fit' for adtn, 'svd' for lowrank and tt ('svd' does not exist for adtn). */
  init?: CompressionInit;
  /** adtn: number of layers M (default 8). */
  depth?: number;
  /** adtn, when several layers are compressed with one spec: M for particular layers (e.g. { fc2: 20 }). */
  layerDepths?: Readonly<Record<string, number>>;
  /** adtn: local dimension d (default 2). */
  localDim?: number;
  /** adtn: activation between layers (default 'relu'). */
  activation?: AdtnActivation;
  /** adtn: use the gates normalised (see AdtnOptions.normalizeGates; default false). */
  normalizeGates?: boolean;
  /**
   * adtn: how weight entries map to circuit outputs (default 'auto', see AdtnOptions). 'image'
   * keeps the geometry of what the layer reads: a convolution weight [OC, C, KH, KW] is read as
   * [[OC], [C], [KH, KW]] (kernel rows and columns interleaved), and a linear layer whose inputs
   * are a flattened image (`image`: [C, H, W]) as [[rows], [C], [H, W]] (the channel group left
   * out for one channel); other layers as 'auto'.
   */
  layout?: AdtnOptions['layout'] | 'image';
  /** adtn with layout 'image': the [channels, height, width] of the images a linear layer reads flattened. */
  image?: readonly [number, number, number];
  /** lowrank: the rank r (default 2). */
  rank?: number;
  /** tt: the inner ranks (default 6). */
  ttRanks?: number | readonly number[];
  /** tt: the number of cores (default 3). */
  ttCores?: number;
  seed?: number;
  /** Options of the 'fit' initialisation. */
  fit?: FitGeneratorOptions;
  /**
   * adtn: one circuit generates the weights of all the layers compressed together (their entries
   * concatenated, each layer with its own learned scale), the paper's variant. Recorded per layer
   * as the list of layers that share it.
   */
  shared?: boolean | readonly string[];
}

/**
 * The Linear or Conv2d layer at a dotted path, e.g. 'fc1' or 'features.0'.
 *
 * @example
 * findLayer(fc2(), 'fc1').weightShape;   // [1024, 784]
 */
export function findLayer(model: Module, name: string): WeightedLayer {
  const modules = new Map(model.namedModules());
  const found = modules.get(name);
  if (found instanceof WeightedLayer) return found;
  const available = weightedLayerNames(model);
  if (found === undefined) throw new ArgumentError(`compress: no layer named ${JSON.stringify(name)}; layers with weights: ${available.join(', ')}`);
  throw new ArgumentError(`compress: ${JSON.stringify(name)} is a ${found.constructor.name}, not a Linear or Conv2d layer; layers with weights: ${available.join(', ')}`);
}

/**
 * Dotted names of every Linear and Conv2d layer.
 *
 * @example
 * weightedLayerNames(lenet5());   // ['conv1', 'conv2', 'fc1', 'fc2', 'fc3']
 */
export function weightedLayerNames(model: Module): string[] {
  return model.namedModules().filter(([, m]) => m instanceof WeightedLayer).map(([n]) => n);
}

/**
 * The ADTN layout a spec asks for, for a weight of this shape ('image' resolved to groups of axes).
 *
 * @example
 * adtnLayoutFor([6, 1, 5, 5], { layout: 'image' });                           // [[6], [1], [5, 5]]
 * adtnLayoutFor([1024, 784], { layout: 'image', image: [1, 28, 28] });   // [[1024], [28, 28]]
 */
export function adtnLayoutFor(shape: readonly number[], spec: Pick<CompressionSpec, 'layout' | 'image'>): AdtnOptions['layout'] {
  if (spec.layout !== 'image') return spec.layout;
  if (shape.length === 4) return [[shape[0]!], [shape[1]!], [shape[2]!, shape[3]!]];
  const image = spec.image;
  if (shape.length === 2 && image !== undefined && image[0] * image[1] * image[2] === shape[1]) {
    return image[0] === 1 ? [[shape[0]!], [image[1], image[2]]] : [[shape[0]!], [image[0]], [image[1], image[2]]];
  }
  return 'auto';
}

/**
 * For each linear layer of a Sequential model that reads a flattened image or feature map, the
 * [channels, height, width] it reads (traced with one zero image of `inputShape`): FC-2's fc1
 * reads the [1, 28, 28] input, LeNet-5's fc1 the [16, 5, 5] maps. The 'image' layout uses them.
 *
 * @example
 * flattenedInputs(lenet5(), [1, 28, 28]).get('fc1');   // [16, 5, 5]
 */
export function flattenedInputs(model: Sequential, inputShape: readonly [number, number, number]): Map<string, [number, number, number]> {
  const found = new Map<string, [number, number, number]>();
  noGrad(() => tidy(() => {
    const dtype = model.parameters()[0]?.dtype ?? 'float32';
    let x = zeros([1, ...inputShape], { dtype });
    let pending: [number, number, number] | null = null;
    const wasTraining = model.training;
    model.eval();
    try {
      for (const [name, layer] of model.namedChildren()) {
        if (layer instanceof Flatten && x.rank === 4) pending = [x.shape[1]!, x.shape[2]!, x.shape[3]!];
        else if (layer instanceof Linear && pending !== null) {
          found.set(name, pending);
          pending = null;
        }
        x = layer.forward(x);
      }
    } finally {
      model.train(wasTraining);
    }
  }));
  return found;
}

/** The population standard deviation of a weight's entries. */
function spreadOf(w: Tensor): number {
  return noGrad(() => tidy(() => standardDeviation(w.toArray())));
}

/**
 * Makes (but does not install) the generator a spec asks for, for a weight of this shape.
 *
 * @example
 * makeGenerator([1024, 784], { method: 'adtn', depth: 8, init: 'random' });   // an AdtnWeight
 * makeGenerator([1024, 784], { method: 'lowrank', rank: 4 }, { pretrained });   // SVD start
 */
export function makeGenerator(shape: readonly number[], spec: CompressionSpec, optionsIn: { dtype?: Tensor['dtype']; pretrained?: Tensor } = {}): WeightGenerator {
  const options = optionsObject('makeGenerator', optionsIn);
  const init = spec.init ?? (spec.method === 'adtn' ? 'fit' : 'svd');
  if (!['fit', 'svd', 'random'].includes(init)) throw new ArgumentError(`compress: init must be 'fit', 'svd' or 'random', got ${JSON.stringify(init)}`);
  if (init !== 'random' && options.pretrained === undefined) throw new ArgumentError(`compress: init '${init}' needs the pretrained weight`);
  const svd = init === 'svd' ? options.pretrained : undefined;
  const dtype = options.dtype;
  switch (spec.method) {
    case 'adtn': {
      if (init === 'svd') throw new ArgumentError("compress: adtn has no 'svd' initialisation; use 'fit' or 'random'");
      // The generated weight starts with the spread of the weight it replaces (the layer's own
      // initialisation, or the trained weight): a larger start (Kaiming for a classifier layer
      // initialised smaller) made the first optimizer steps shrink deep circuits to zero.
      const spread = options.pretrained === undefined ? undefined : spreadOf(options.pretrained);
      return new AdtnWeight(shape, {
        depth: spec.depth ?? 8, localDim: spec.localDim, activation: spec.activation, layout: adtnLayoutFor(shape, spec), normalizeGates: spec.normalizeGates,
        seed: spec.seed, dtype, ...(spread !== undefined && spread > 0 ? { targetStd: spread } : {}),
      });
    }
    case 'lowrank':
      return new LowRankWeight(shape, spec.rank ?? 2, { seed: spec.seed, dtype, init: svd });
    case 'tt':
      return new TTWeight(shape, { ranks: spec.ttRanks ?? 6, cores: spec.ttCores, seed: spec.seed, dtype, init: svd });
    default:
      throw new ArgumentError(`compress: method must be one of ${COMPRESSION_METHODS.join(', ')}, got ${JSON.stringify((spec as { method: unknown }).method)}`);
  }
}

/** What compressLayer and compressLayers did to one layer: method, start, and parameters before and after. */
export interface LayerCompression {
  /** Dotted name of the layer, e.g. 'fc1'. */
  layer: string;
  method: CompressionMethod;
  init: CompressionInit;
  /** Entries of the dense weight replaced. */
  denseParameters: number;
  /** Parameters of the generator (a shared circuit's gates are counted with its first layer). */
  compressedParameters: number;
  /** Result of the 'fit' initialisation. */
  fit?: FitGeneratorResult;
  /** |G - W| / |W| right after initialisation. */
  relativeError: number;
  /**
   * The spec that rebuilds this generator's parameter shapes (with `init: 'random'`), e.g. to load
   * a checkpoint: TT-SVD may truncate the requested ranks to what the weight allows.
   */
  rebuildSpec: CompressionSpec;
}

/**
 * Replaces one layer's weight by a generator. The layer keeps its bias and behaves as before in
 * forward and backward; layer.decodeWeight() turns it back into a dense layer.
 *
 * @example
 * const model = fc2();
 * compressLayer(model, 'fc1', { method: 'adtn', depth: 8, init: 'fit', fit: { steps: 200 } });
 */
export function compressLayer(model: Module, name: string, given: CompressionSpec): LayerCompression {
  const layer = findLayer(model, name);
  // A per-layer depth becomes the layer's depth (and is what rebuilds it).
  const spec: CompressionSpec = given.layerDepths?.[name] === undefined ? given : { ...given, depth: given.layerDepths[name] };
  if (spec.layerDepths !== undefined) {
    const bad = Object.entries(spec.layerDepths).find(([, m]) => !Number.isInteger(m) || m < 1);
    if (bad !== undefined) throw new ArgumentError(`compress: the depth of ${bad[0]} must be a positive integer, got ${String(bad[1])}`);
  }
  const init = spec.init ?? (spec.method === 'adtn' ? 'fit' : 'svd');
  const pretrained = noGrad(() => layer.effectiveWeight()).keep();
  try {
    const generator = makeGenerator(layer.weightShape, { ...spec, init }, { dtype: pretrained.dtype, pretrained });
    const fit = init === 'fit' ? fitGenerator(generator, pretrained, spec.fit) : undefined;
    const error = fit?.relativeError ?? relativeError(generator, pretrained);
    layer.setWeightGenerator(generator);
    const rebuildSpec: CompressionSpec = generator instanceof TTWeight ? { ...spec, ttRanks: generator.mpo.ranks.slice(1, -1) }
      : generator instanceof AdtnWeight ? { ...spec, layout: adtnLayoutFor(layer.weightShape, spec) } : { ...spec };
    if (rebuildSpec.image !== undefined) delete rebuildSpec.image;
    if (rebuildSpec.layerDepths !== undefined) delete rebuildSpec.layerDepths;
    delete rebuildSpec.fit;
    return {
      layer: name, method: spec.method, init, denseParameters: pretrained.size, compressedParameters: generator.numParameters(), relativeError: error, rebuildSpec,
      ...(fit !== undefined ? { fit } : {}),
    };
  } finally {
    pretrained.dispose();
  }
}

/**
 * Checks a spec for compressing these layers together: per-layer depths name only these layers
 * and do not go with a shared circuit (it has one depth); only ADTN shares, from random gates.
 */
export function checkGroupSpec(names: readonly string[], spec: CompressionSpec): void {
  const unknown = Object.keys(spec.layerDepths ?? {}).filter((name) => !names.includes(name));
  if (unknown.length > 0) throw new ArgumentError(`compress: a depth is given for ${unknown.join(', ')}, which is not among the layers compressed (${names.join(', ')})`);
  if (!(spec.shared === true || Array.isArray(spec.shared))) return;
  if (spec.method !== 'adtn') throw new ArgumentError(`compress: only adtn can share one generator between layers, not ${spec.method}`);
  const init = spec.init ?? 'random';
  if (init !== 'random') throw new ArgumentError(`compress: a shared ADTN starts from random gates (init 'random'), got init '${init}'`);
  if (spec.layerDepths !== undefined && Object.keys(spec.layerDepths).length > 0) throw new ArgumentError('compress: a shared ADTN has one depth; per-layer depths do not apply');
  if (names.length === 0 || new Set(names).size !== names.length) throw new ArgumentError(`compress: a shared ADTN needs distinct layers, got ${JSON.stringify(names)}`);
}

/**
 * The spec each layer of a group is compressed with: seeds offset by the layer's position (so the
 * layers start from different gates), and for the 'image' layout the [C, H, W] a linear layer
 * reads flattened, traced on a Sequential model from `inputShape`.
 */
export function layerSpecs(model: Module, names: readonly string[], spec: CompressionSpec, inputShape?: readonly [number, number, number]): CompressionSpec[] {
  const images = spec.layout === 'image' && inputShape !== undefined && model instanceof Sequential ? flattenedInputs(model, inputShape) : new Map<string, [number, number, number]>();
  return names.map((name, i) => {
    const image = images.get(name);
    return { ...spec, seed: (spec.seed ?? 0) + i, ...(image !== undefined ? { image } : {}) };
  });
}

/**
 * Compresses several layers with one spec: each layer on its own (see layerSpecs), or, for ADTN
 * with `shared: true`, all of them generated by one circuit (init 'random' only).
 *
 * @example
 * compressLayers(fc2(), ['fc1', 'fc2'], { method: 'adtn', depth: 8, layout: 'image' }, { inputShape: [1, 28, 28] });
 * compressLayers(fc2(), ['fc1', 'fc2'], { method: 'adtn', depth: 8, init: 'random', shared: true });
 */
export function compressLayers(model: Module, names: readonly string[], spec: CompressionSpec, optionsIn: { inputShape?: readonly [number, number, number] } = {}): LayerCompression[] {
  const options = optionsObject('compressLayers', optionsIn);
  checkGroupSpec(names, spec);
  if (!(spec.shared === true || Array.isArray(spec.shared))) {
    const specs = layerSpecs(model, names, spec, options.inputShape);
    return names.map((name, i) => compressLayer(model, name, specs[i]!));
  }
  const layers = names.map((name) => findLayer(model, name));
  const dtype = layers[0]!.parameters()[0]?.dtype;
  const targetStds = layers.map((layer) => spreadOf(noGrad(() => layer.effectiveWeight())));
  const shared = new SharedAdtn(layers.map((l) => l.weightShape), {
    ...(targetStds.every((t) => t > 0) ? { targetStds } : {}),
    depth: spec.depth ?? 8, localDim: spec.localDim, activation: spec.activation, normalizeGates: spec.normalizeGates, seed: spec.seed, ...(dtype !== undefined ? { dtype } : {}),
  });
  const rebuildSpec: CompressionSpec = { ...spec, init: 'random', shared: [...names] };
  delete rebuildSpec.fit;
  delete rebuildSpec.image;
  delete rebuildSpec.layout;
  return layers.map((layer, i) => {
    const denseParameters = layer.weightShape.reduce((p, s) => p * s, 1);
    layer.setWeightGenerator(shared.part(i));
    return {
      layer: names[i]!, method: 'adtn', init: 'random', denseParameters, rebuildSpec,
      // The shared gates are counted with the first layer.
      compressedParameters: 1 + (i === 0 ? shared.gates.size : 0), relativeError: Number.NaN,
    };
  });
}

/**
 * Rebuilds the generators a checkpoint records (layer -> spec), with random parameters to be
 * overwritten by the saved state; layers that share one ADTN get one shared circuit.
 *
 * @example
 * rebuildCompression(model, Object.fromEntries(reports.map((r) => [r.layer, r.rebuildSpec])));
 * model.loadStateDict(savedState);
 */
export function rebuildCompression(model: Module, compression: Readonly<Record<string, CompressionSpec>>): void {
  const done = new Set<string>();
  for (const [layer, spec] of Object.entries(compression)) {
    if (done.has(layer)) continue;
    if (Array.isArray(spec.shared)) {
      const group = spec.shared as readonly string[];
      if (!group.includes(layer) || group.some((name) => !(name in compression))) {
        throw new ArgumentError(`compress: ${layer} shares an ADTN with ${group.join(', ')}, but not all of them are recorded as compressed`);
      }
      compressLayers(model, group, { ...spec, init: 'random' });
      for (const name of group) done.add(name);
      continue;
    }
    const target = findLayer(model, layer);
    const dtype = target.parameters()[0]?.dtype;
    target.setWeightGenerator(makeGenerator(target.weightShape, { ...spec, init: 'random' }, dtype !== undefined ? { dtype } : {}));
    done.add(layer);
  }
}

/** One Linear or Conv2d layer of a ParameterReport. */
export interface LayerParameters {
  /** Dotted name of the layer. */
  layer: string;
  /** The layer's class name, 'Linear' or 'Conv2d'. */
  kind: string;
  /** 'dense' or the generator's method. */
  method: string;
  weightShape: readonly number[];
  /** Entries of the dense weight. */
  denseWeight: number;
  /** Parameters that make the weight now (the dense size, or the generator's). */
  weightParameters: number;
  /** Entries of the bias (0 without one). */
  bias: number;
}

/** Parameter counts of a model, per layer and in total, dense and as compressed (see parameterReport). */
export interface ParameterReport {
  layers: LayerParameters[];
  /** Parameters of the model with every weight dense. */
  denseTotal: number;
  /** Parameters of the model as it is. */
  total: number;
  /** Dense weight entries of the compressed layers, and their parameters now. */
  compressedLayersDense: number;
  compressedLayersParameters: number;
  /** compressedLayersDense / compressedLayersParameters (1 when nothing is compressed). */
  layerRatio: number;
  /** denseTotal / total. */
  modelRatio: number;
}

/**
 * Parameters per Linear/Conv2d layer and in total, before (dense) and after compression.
 *
 * @example
 * const { total, denseTotal, modelRatio } = parameterReport(model);   // modelRatio = denseTotal / total
 */
export function parameterReport(model: Module): ParameterReport {
  const layers: LayerParameters[] = [];
  let compressedDense = 0;
  let compressedNow = 0;
  // A circuit shared by several layers counts once, at the first layer that holds it.
  const counted = new Set<Tensor>();
  for (const [name, m] of model.namedModules()) {
    if (!(m instanceof WeightedLayer)) continue;
    const denseWeight = m.weightShape.reduce((p, s) => p * s, 1);
    let weightParameters = denseWeight;
    if (m.generator !== null) {
      weightParameters = 0;
      for (const p of m.generator.parameters()) {
        if (!counted.has(p)) weightParameters += p.size;
        counted.add(p);
      }
    }
    if (m.generator !== null) {
      compressedDense += denseWeight;
      compressedNow += weightParameters;
    }
    layers.push({
      layer: name, kind: m.constructor.name, method: m.generator?.method ?? 'dense', weightShape: m.weightShape,
      denseWeight, weightParameters, bias: m.bias?.size ?? 0,
    });
  }
  const total = model.numParameters();
  const denseTotal = total - compressedNow + compressedDense;
  return {
    layers, denseTotal, total, compressedLayersDense: compressedDense, compressedLayersParameters: compressedNow,
    layerRatio: compressedNow === 0 ? 1 : compressedDense / compressedNow, modelRatio: denseTotal / total,
  };
}
