// Diagonals over repeated axes (einsum's 'ii->i', 'iij->ij'): groups of axes that carry one
// label are read along their common diagonal. The adjoint writes a tensor back onto the diagonal
// of zeros. Both are one strided copy (the diagonal's stride is the sum of the group's strides).

import { ArgumentError, ShapeError, formatShape } from '../errors.js';
import { Tensor } from '../tensor.js';
import { record } from '../autograd/graph.js';
import { contiguousStrides, type Shape } from '../tensor/shape.js';
import { kernelsFor } from './kernel-set.js';
import { stridedCopy } from './movement.js';
import { operand } from './operand.js';

export interface DiagonalSpec {
  inputShape: number[];
  /** For each result axis, the input axes it merges (all of one size). */
  groups: number[][];
}

/** Result axes in order of first appearance of each label; axes with equal labels merge. */
export function diagonalSpec(op: string, shape: Shape, labels: readonly string[]): { spec: DiagonalSpec; labels: string[] } {
  if (labels.length !== shape.length) throw new ArgumentError(`${op}: ${labels.length} labels for shape ${formatShape(shape)}`);
  const order: string[] = [];
  const groups = new Map<string, number[]>();
  labels.forEach((l, axis) => {
    if (!groups.has(l)) {
      groups.set(l, []);
      order.push(l);
    }
    groups.get(l)!.push(axis);
  });
  for (const [l, axes] of groups) {
    const size = shape[axes[0]!]!;
    if (axes.some((a) => shape[a] !== size)) {
      throw new ShapeError(`${op}: repeated index '${l}' has different sizes ${axes.map((a) => shape[a]).join(', ')} in shape ${formatShape(shape)}`);
    }
  }
  return { spec: { inputShape: [...shape], groups: order.map((l) => groups.get(l)!) }, labels: order };
}

function diagonalLayout(spec: DiagonalSpec): { shape: number[]; strides: number[] } {
  const own = contiguousStrides(spec.inputShape);
  return {
    shape: spec.groups.map((g) => spec.inputShape[g[0]!]!),
    strides: spec.groups.map((g) => g.reduce((s, a) => s + own[a]!, 0)),
  };
}

/** The diagonal of x over each group of axes. */
export function diagonal(x: Tensor, spec: DiagonalSpec): Tensor {
  const t = operand('diagonal', x);
  const { shape, strides } = diagonalLayout(spec);
  const out = Tensor.empty(shape, t.dtype, 'diagonal');
  stridedCopy(out, t, shape, strides);
  return record('diagonal', [t], out, spec);
}

/** @internal Zeros of the input shape with g written on the diagonal: the adjoint of diagonal. */
export function diagonalScatter(g: Tensor, spec: DiagonalSpec): Tensor {
  const t = operand('diagonalScatter', g);
  const { shape, strides } = diagonalLayout(spec);
  const out = Tensor.empty(spec.inputShape, t.dtype, 'diagonalScatter');
  if (out.size > 0) kernelsFor(t.dtype).fill(out.ptr, 0, out.size);
  stridedCopy(out, t, shape, contiguousStrides(shape), 0, strides, 0);
  return record('diagonalScatter', [t], out, spec);
}
