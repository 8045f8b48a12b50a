// adtn: automatically differentiable tensor networks on SIMD WebAssembly kernels.

export { AdtnError, ArgumentError, DataFormatError, DtypeError, KernelModuleError, OutOfMemoryError, ReleasedTensorError, ShapeError } from './errors.js';
export { initEngine, engineBuild, engineThreads, engineWorkersReady, memoryStats, type EngineOptions } from './backend/engine.js';
export { KernelModule, relaxedSimdSupported, sharedMemorySupported, simdSupported, type KernelBuild, type KernelBuildChoice } from './backend/kernel-module.js';
export type { AllocatorStats } from './backend/allocator.js';

export { Tensor, type TensorLike, type NestedArray } from './tensor.js';
export type { Dtype } from './tensor/dtype.js';
export {
  tensor, zeros, ones, full, arange, eye, rand, randn, zerosLike, onesLike, fullLike, randLike, randnLike,
  type CreationOptions, type RandomOptions,
} from './tensor/creation.js';
export { manualSeed, RandomGenerator } from './tensor/random.js';
export { tidy } from './tensor/lifetime.js';
export { noGrad, enableGrad, isGradEnabled, PRIMITIVES, type PrimitiveName } from './autograd/graph.js';
export { gradcheck, type GradcheckOptions, type GradcheckResult } from './autograd/gradcheck.js';
export { customFunction, type CustomFunctionDefinition, type CustomBackwardContext } from './autograd/custom-function.js';
export { grad, valueAndGrad, vjp, type Differentiable } from './autograd/functional.js';
export type { BackwardOptions } from './autograd/backward.js';

export {
  neg, exp, log, sqrt, abs, tanh, sigmoid, relu, leakyRelu, square, add, sub, mul, div, pow, maximum, minimum,
  gt, ge, lt, le, eq, ne, astype, clone,
} from './ops/elementwise.js';
export { sum, mean, max, argmax } from './ops/reduce.js';
export { reshape, flatten, squeeze, unsqueeze, permute, transpose, expand, slice, concat, stack, pad, detach, type SliceRange } from './ops/movement.js';
export { indexSelect, gather, where, oneHot, type IndexInput } from './ops/indexing.js';
export { matmul } from './ops/matmul.js';
export { min, logsumexp, softmax, logSoftmax, crossEntropy, mse, gelu, dropout, type Reduction } from './ops/composite.js';
export { einsum, contractPath, type ContractOptions } from './tn/einsum.js';
export type { ContractionPlan, PlanStep, Optimizer as PathOptimizer } from './tn/contract-path.js';
export { qr, type QRFactors } from './tn/linalg/qr.js';
export { svd, svdTruncated, type SVDFactors, type TruncationOptions } from './tn/linalg/svd.js';
export { randomizedSvd, type RandomizedSvdOptions } from './tn/linalg/randomized-svd.js';
export { applyCircuit, type CircuitSpec, type CircuitStep, type CircuitActivation } from './ops/circuit.js';
export {
  planAdtn, applyAdtn, adtnInitialState, adtnInitialGates, adtnInitialTensors, adtnParameterCount, brickWall, sitesFor,
  type AdtnPlan, type AdtnReadout, type AdtnLayout, type AdtnOptions, type AdtnActivation,
} from './tn/adtn.js';
export { TensorTrain, TTMatrix, type TTDecomposition, type TTTruncationOptions } from './tn/tensor-train.js';
export { conv2d, type Conv2dOptions, type Pair } from './ops/conv.js';
export { batchNormTraining, type BatchNormResult } from './ops/batch-norm.js';
export { maxPool2d, avgPool2d, adaptiveAvgPool2d, type PoolOptions } from './ops/pool.js';

export { Module, Parameter } from './nn/module.js';
export { WeightedLayer } from './nn/layers/weighted-layer.js';
export { WeightGenerator } from './nn/weight-generator.js';
export { Linear, type LinearOptions } from './nn/layers/linear.js';
export { Conv2d, type Conv2dLayerOptions } from './nn/layers/conv2d.js';
export { MaxPool2d, AvgPool2d, AdaptiveAvgPool2d } from './nn/layers/pooling.js';
export { ReLU, LeakyReLU, Tanh, Sigmoid } from './nn/layers/activations.js';
export { Dropout } from './nn/layers/dropout.js';
export { BatchNorm1d, BatchNorm2d, type BatchNormOptions } from './nn/layers/batchnorm.js';
export { LocalResponseNorm } from './nn/layers/local-response-norm.js';
export { Sequential, Flatten } from './nn/layers/sequential.js';
export { ZeroPad2d } from './nn/layers/zero-pad.js';
export { CrossEntropyLoss, MSELoss } from './nn/losses.js';
export { kaimingUniform, kaimingNormal, xavierUniform, xavierNormal, defaultUniform, fans, type InitOptions } from './nn/init.js';
export { Optimizer } from './nn/optim/optimizer.js';
export { SGD, type SGDOptions } from './nn/optim/sgd.js';
export { Adam, AdamW, type AdamOptions } from './nn/optim/adam.js';
export { LRSchedule, StepLR, CosineAnnealingLR, LinearWarmup } from './nn/optim/schedules.js';
export { serializeSafetensors, parseSafetensors, tensorsFromSafetensors, type SafetensorsEntry } from './nn/safetensors.js';
export { distillationLoss, type DistillationOptions } from './nn/distillation.js';
export { fit, evaluate, type FitOptions, type BatchReport, type EpochReport, type EvaluationReport, type LossFunction } from './nn/training.js';
export { fc2, type ModelOptions } from './nn/models/fc2.js';
export { lenet5 } from './nn/models/lenet5.js';
export { alexnet, zfnet, vgg16, type CifarModelOptions } from './nn/models/cifar-nets.js';

export { parseIdx, encodeIdx, type IdxArray } from './data/idx.js';
export { parseCifar, type CifarVariant } from './data/cifar.js';
export { idxDataset, subset, type ImageDataset } from './data/dataset.js';
export { DataLoader, type DataLoaderOptions, type Batch, type BatchOrigin } from './data/dataloader.js';
export { AdtnWeight, LowRankWeight, TTWeight, balancedFactors, matrixShape, type LowRankWeightOptions, type TTWeightOptions } from './compress/generators.js';
export { SharedAdtn, AdtnPart } from './compress/shared-adtn.js';
export { fitGenerator, relativeError, type FitGeneratorOptions, type FitGeneratorResult } from './compress/fit.js';
export {
  compressLayer, compressLayers, rebuildCompression, adtnLayoutFor, flattenedInputs, findLayer, weightedLayerNames, makeGenerator, parameterReport, COMPRESSION_METHODS,
  type CompressionMethod, type CompressionInit, type CompressionSpec, type LayerCompression, type LayerParameters, type ParameterReport,
} from './compress/compress.js';
export { parseResults, upsertRow, type ResultRow, type ResultsFile } from './report/results.js';
export { resultsMarkdown } from './report/markdown.js';
export { accuracyPlotSvg, paretoFront, placeLabels, type Box } from './report/svg-plot.js';
