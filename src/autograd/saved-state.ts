// What each primitive saves for its backward rule: one map, read by record() (which must be given
// exactly this type for its op) and by the rules (RuleContext<Op>.saved() returns it), so the two
// cannot disagree. `undefined`: the rule needs only the inputs and the output.

import type { Tensor } from '../tensor.js';
import type { PrimitiveName } from './graph.js';
import type { BatchNormSaved } from '../ops/batch-norm.js';
import type { CircuitSaved } from '../ops/circuit.js';
import type { ConvGeometry } from '../ops/conv.js';
import type { DiagonalSpec } from '../ops/diagonal.js';
import type { AxisIndexSaved } from '../ops/indexing.js';
import type { MatmulSaved } from '../ops/matmul.js';
import type { ConcatSaved, PadSaved, SliceSpec } from '../ops/movement.js';
import type { AvgPoolSaved, MaxPoolSaved, PoolGeometry } from '../ops/pool.js';
import type { MaxSaved, ReduceSaved } from '../ops/reduce.js';
import type { CustomSaved } from './custom-function.js';

interface SavedStates {
  // Unary ops save their kernel parameter (leakyRelu's slope, powScalar's exponent; 0 when unused).
  neg: number; exp: number; log: number; sqrt: number; abs: number; tanh: number; sigmoid: number; relu: number;
  leakyRelu: number; powScalar: number;
  add: undefined; sub: undefined; mul: undefined; div: undefined; maximum: undefined; minimum: undefined; pow: undefined;
  reluBackward: undefined; leakyReluBackward: number; tanhBackward: undefined; sigmoidBackward: undefined;
  sum: ReduceSaved; mean: ReduceSaved; max: MaxSaved;
  /** reshape and expand: the input's shape; permute: the permutation. */
  reshape: number[]; permute: number[]; expand: number[];
  slice: SliceSpec; sliceScatter: SliceSpec; concat: ConcatSaved; pad: PadSaved;
  indexSelect: AxisIndexSaved; indexAdd: AxisIndexSaved; gather: AxisIndexSaved; scatterAdd: AxisIndexSaved;
  /** where: the condition. */
  where: Tensor;
  matmul: MatmulSaved; astype: undefined; diagonal: DiagonalSpec; diagonalScatter: DiagonalSpec; circuit: CircuitSaved;
  conv2d: ConvGeometry; maxPool2d: MaxPoolSaved; avgPool2d: AvgPoolSaved; adaptiveAvgPool2d: PoolGeometry;
  batchNorm: BatchNormSaved;
  /** A user-defined function (customFunction): its backward rule and what its forward saved. */
  custom: CustomSaved;
}

/** The saved state of every primitive (indexing by PrimitiveName: a primitive missing here does not compile). */
export type SavedState = { [Op in PrimitiveName]: SavedStates[Op] };

/** record()'s trailing argument for an op: none when the op saves nothing. */
export type SavedArgument<Op extends PrimitiveName> = Op extends PrimitiveName ? (SavedState[Op] extends undefined ? [] : [saved: SavedState[Op]]) : never;
