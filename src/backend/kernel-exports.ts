// The raw exports of the kernel module (kernels/index.ts), as TypeScript sees them. Pointers are
// byte offsets into the module's memory; booleans are passed as 0/1.

type Ptr = number;
type Bool = number;

export interface KernelExports {
  readonly memory: WebAssembly.Memory;
  heapBase(): Ptr;
  gemmWorkspaceBytes(): number;

  gemmF32(transA: Bool, transB: Bool, m: number, n: number, k: number, alpha: number, a: Ptr, lda: number,
    b: Ptr, ldb: number, beta: number, c: Ptr, ldc: number, work: Ptr): void;
  gemmF64(transA: Bool, transB: Bool, m: number, n: number, k: number, alpha: number, a: Ptr, lda: number,
    b: Ptr, ldb: number, beta: number, c: Ptr, ldc: number, work: Ptr): void;
  gemmBatchedF32(transA: Bool, transB: Bool, m: number, n: number, k: number, alpha: number,
    a: Ptr, lda: number, strideA: number, b: Ptr, ldb: number, strideB: number,
    beta: number, c: Ptr, ldc: number, strideC: number, batch: number, work: Ptr): void;
  gemmBatchedF64(transA: Bool, transB: Bool, m: number, n: number, k: number, alpha: number,
    a: Ptr, lda: number, strideA: number, b: Ptr, ldb: number, strideB: number,
    beta: number, c: Ptr, ldc: number, strideC: number, batch: number, work: Ptr): void;

  unaryF32(op: number, out: Ptr, x: Ptr, n: number, param: number, param2: number): void;
  unaryF64(op: number, out: Ptr, x: Ptr, n: number, param: number, param2: number): void;
  binaryF32(op: number, out: Ptr, a: Ptr, b: Ptr, rank: number, desc: Ptr, param: number): void;
  binaryF64(op: number, out: Ptr, a: Ptr, b: Ptr, rank: number, desc: Ptr, param: number): void;
  binaryScalarF32(op: number, out: Ptr, a: Ptr, n: number, s: number, reversed: Bool, param: number): void;
  binaryScalarF64(op: number, out: Ptr, a: Ptr, n: number, s: number, reversed: Bool, param: number): void;
  axpyF32(n: number, alpha: number, x: Ptr, y: Ptr): void;
  axpyF64(n: number, alpha: number, x: Ptr, y: Ptr): void;

  copyStridedF32(out: Ptr, src: Ptr, rank: number, desc: Ptr, tileAxis: number): void;
  copyStridedF64(out: Ptr, src: Ptr, rank: number, desc: Ptr, tileAxis: number): void;
  fillF32(out: Ptr, value: number, n: number): void;
  fillF64(out: Ptr, value: number, n: number): void;
  castF32ToF64(out: Ptr, src: Ptr, n: number): void;
  castF64ToF32(out: Ptr, src: Ptr, n: number): void;

  indexSelectF32(out: Ptr, src: Ptr, idx: Ptr, outer: number, axisLength: number, count: number, inner: number): void;
  indexSelectF64(out: Ptr, src: Ptr, idx: Ptr, outer: number, axisLength: number, count: number, inner: number): void;
  indexAddF32(dst: Ptr, src: Ptr, idx: Ptr, outer: number, axisLength: number, count: number, inner: number): void;
  indexAddF64(dst: Ptr, src: Ptr, idx: Ptr, outer: number, axisLength: number, count: number, inner: number): void;
  gatherAlongF32(out: Ptr, src: Ptr, idx: Ptr, outer: number, axisLength: number, count: number, inner: number): void;
  gatherAlongF64(out: Ptr, src: Ptr, idx: Ptr, outer: number, axisLength: number, count: number, inner: number): void;
  scatterAlongAddF32(dst: Ptr, src: Ptr, idx: Ptr, outer: number, axisLength: number, count: number, inner: number): void;
  scatterAlongAddF64(dst: Ptr, src: Ptr, idx: Ptr, outer: number, axisLength: number, count: number, inner: number): void;
  selectF32(out: Ptr, cond: Ptr, a: Ptr, b: Ptr, rank: number, desc: Ptr): void;
  selectF64(out: Ptr, cond: Ptr, a: Ptr, b: Ptr, rank: number, desc: Ptr): void;

  applyGateF32(out: Ptr, state: Ptr, gate: Ptr, A: number, D: number, B: number, transposed: Bool): void;
  applyGateF64(out: Ptr, state: Ptr, gate: Ptr, A: number, D: number, B: number, transposed: Bool): void;
  gateGradientF32(dGate: Ptr, gOut: Ptr, state: Ptr, A: number, D: number, B: number): void;
  gateGradientF64(dGate: Ptr, gOut: Ptr, state: Ptr, A: number, D: number, B: number): void;
  gateBackwardF32(dState: Ptr, dGate: Ptr, gOut: Ptr, state: Ptr, gate: Ptr, A: number, D: number, B: number): void;
  gateBackwardF64(dState: Ptr, dGate: Ptr, gOut: Ptr, state: Ptr, gate: Ptr, A: number, D: number, B: number): void;

  im2colF32(cols: Ptr, ld: number, image: Ptr, C: number, H: number, W: number, KH: number, KW: number, strideH: number, strideW: number, padH: number, padW: number, dilationH: number, dilationW: number, OH: number, OW: number): void;
  col2imF32(image: Ptr, cols: Ptr, ld: number, C: number, H: number, W: number, KH: number, KW: number, strideH: number, strideW: number, padH: number, padW: number, dilationH: number, dilationW: number, OH: number, OW: number): void;
  maxPool2dF32(out: Ptr, argmax: Ptr, x: Ptr, NC: number, H: number, W: number, OH: number, OW: number, KH: number, KW: number, strideH: number, strideW: number, padH: number, padW: number): void;
  maxPool2dBackwardF32(dx: Ptr, dy: Ptr, argmax: Ptr, NC: number, H: number, W: number, OH: number, OW: number): void;
  avgPool2dF32(out: Ptr, x: Ptr, NC: number, H: number, W: number, OH: number, OW: number, KH: number, KW: number, strideH: number, strideW: number, padH: number, padW: number, countIncludePad: Bool): void;
  avgPool2dBackwardF32(dx: Ptr, dy: Ptr, NC: number, H: number, W: number, OH: number, OW: number, KH: number, KW: number, strideH: number, strideW: number, padH: number, padW: number, countIncludePad: Bool): void;
  adaptiveAvgPool2dF32(out: Ptr, x: Ptr, NC: number, H: number, W: number, OH: number, OW: number): void;
  adaptiveAvgPool2dBackwardF32(dx: Ptr, dy: Ptr, NC: number, H: number, W: number, OH: number, OW: number): void;
  sgdStepF32(param: Ptr, grad: Ptr, buffer: Ptr, n: number, lr: number, momentum: number, dampening: number, weightDecay: number, nesterov: Bool, first: Bool): void;
  adamStepF32(param: Ptr, grad: Ptr, m: Ptr, v: Ptr, n: number, lr: number, beta1: number, beta2: number, eps: number, weightDecay: number, decoupled: Bool, bias1: number, bias2: number): void;
  im2colF64(cols: Ptr, ld: number, image: Ptr, C: number, H: number, W: number, KH: number, KW: number, strideH: number, strideW: number, padH: number, padW: number, dilationH: number, dilationW: number, OH: number, OW: number): void;
  col2imF64(image: Ptr, cols: Ptr, ld: number, C: number, H: number, W: number, KH: number, KW: number, strideH: number, strideW: number, padH: number, padW: number, dilationH: number, dilationW: number, OH: number, OW: number): void;
  maxPool2dF64(out: Ptr, argmax: Ptr, x: Ptr, NC: number, H: number, W: number, OH: number, OW: number, KH: number, KW: number, strideH: number, strideW: number, padH: number, padW: number): void;
  maxPool2dBackwardF64(dx: Ptr, dy: Ptr, argmax: Ptr, NC: number, H: number, W: number, OH: number, OW: number): void;
  avgPool2dF64(out: Ptr, x: Ptr, NC: number, H: number, W: number, OH: number, OW: number, KH: number, KW: number, strideH: number, strideW: number, padH: number, padW: number, countIncludePad: Bool): void;
  avgPool2dBackwardF64(dx: Ptr, dy: Ptr, NC: number, H: number, W: number, OH: number, OW: number, KH: number, KW: number, strideH: number, strideW: number, padH: number, padW: number, countIncludePad: Bool): void;
  adaptiveAvgPool2dF64(out: Ptr, x: Ptr, NC: number, H: number, W: number, OH: number, OW: number): void;
  adaptiveAvgPool2dBackwardF64(dx: Ptr, dy: Ptr, NC: number, H: number, W: number, OH: number, OW: number): void;
  sgdStepF64(param: Ptr, grad: Ptr, buffer: Ptr, n: number, lr: number, momentum: number, dampening: number, weightDecay: number, nesterov: Bool, first: Bool): void;
  adamStepF64(param: Ptr, grad: Ptr, m: Ptr, v: Ptr, n: number, lr: number, beta1: number, beta2: number, eps: number, weightDecay: number, decoupled: Bool, bias1: number, bias2: number): void;

  sumAxisF32(out: Ptr, src: Ptr, outer: number, extent: number, inner: number, scale: number): void;
  sumAxisF64(out: Ptr, src: Ptr, outer: number, extent: number, inner: number, scale: number): void;
  maxAxisF32(out: Ptr, argOut: Ptr, src: Ptr, outer: number, extent: number, inner: number): void;
  maxAxisF64(out: Ptr, argOut: Ptr, src: Ptr, outer: number, extent: number, inner: number): void;
}
