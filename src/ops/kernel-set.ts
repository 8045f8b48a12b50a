// The kernels of one dtype, looked up once: ops call kernelsFor(dtype).binary(...) instead of
// choosing between the F32 and F64 exports at every call.

import { kernels } from '../backend/engine.js';
import type { KernelExports } from '../backend/kernel-exports.js';
import type { Dtype } from '../tensor/dtype.js';

export interface KernelSet {
  gemm: KernelExports['gemmF32'];
  gemmBatched: KernelExports['gemmBatchedF32'];
  unary: KernelExports['unaryF32'];
  binary: KernelExports['binaryF32'];
  binaryScalar: KernelExports['binaryScalarF32'];
  axpy: KernelExports['axpyF32'];
  copyStrided: KernelExports['copyStridedF32'];
  fill: KernelExports['fillF32'];
  sumAxis: KernelExports['sumAxisF32'];
  maxAxis: KernelExports['maxAxisF32'];
  indexSelect: KernelExports['indexSelectF32'];
  indexAdd: KernelExports['indexAddF32'];
  gatherAlong: KernelExports['gatherAlongF32'];
  scatterAlongAdd: KernelExports['scatterAlongAddF32'];
  select: KernelExports['selectF32'];
  im2col: KernelExports['im2colF32'];
  col2im: KernelExports['col2imF32'];
  maxPool2d: KernelExports['maxPool2dF32'];
  maxPool2dBackward: KernelExports['maxPool2dBackwardF32'];
  avgPool2d: KernelExports['avgPool2dF32'];
  avgPool2dBackward: KernelExports['avgPool2dBackwardF32'];
  adaptiveAvgPool2d: KernelExports['adaptiveAvgPool2dF32'];
  adaptiveAvgPool2dBackward: KernelExports['adaptiveAvgPool2dBackwardF32'];
  sgdStep: KernelExports['sgdStepF32'];
  adamStep: KernelExports['adamStepF32'];
  applyGate: KernelExports['applyGateF32'];
  gateBackward: KernelExports['gateBackwardF32'];
}

const cache = new Map<KernelExports, Record<Dtype, KernelSet>>();

function build(k: KernelExports, s: 'F32' | 'F64'): KernelSet {
  return {
    gemm: k[`gemm${s}`],
    gemmBatched: k[`gemmBatched${s}`],
    unary: k[`unary${s}`],
    binary: k[`binary${s}`],
    binaryScalar: k[`binaryScalar${s}`],
    axpy: k[`axpy${s}`],
    copyStrided: k[`copyStrided${s}`],
    fill: k[`fill${s}`],
    sumAxis: k[`sumAxis${s}`],
    maxAxis: k[`maxAxis${s}`],
    indexSelect: k[`indexSelect${s}`],
    indexAdd: k[`indexAdd${s}`],
    gatherAlong: k[`gatherAlong${s}`],
    scatterAlongAdd: k[`scatterAlongAdd${s}`],
    select: k[`select${s}`],
    im2col: k[`im2col${s}`],
    col2im: k[`col2im${s}`],
    maxPool2d: k[`maxPool2d${s}`],
    maxPool2dBackward: k[`maxPool2dBackward${s}`],
    avgPool2d: k[`avgPool2d${s}`],
    avgPool2dBackward: k[`avgPool2dBackward${s}`],
    adaptiveAvgPool2d: k[`adaptiveAvgPool2d${s}`],
    adaptiveAvgPool2dBackward: k[`adaptiveAvgPool2dBackward${s}`],
    sgdStep: k[`sgdStep${s}`],
    adamStep: k[`adamStep${s}`],
    applyGate: k[`applyGate${s}`],
    gateBackward: k[`gateBackward${s}`],
  };
}

export function kernelsFor(dtype: Dtype): KernelSet {
  const exports = kernels().kernels;
  let sets = cache.get(exports);
  if (sets === undefined) {
    sets = { float32: build(exports, 'F32'), float64: build(exports, 'F64') };
    cache.set(exports, sets);
  }
  return sets[dtype];
}
