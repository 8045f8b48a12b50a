// Matrix products with numpy semantics: 1-D operands are promoted (and the added axis removed
// afterwards), batch axes broadcast. One primitive, matmul(a, b, transA, transB), computes
// op(a)·op(b) with the GEMM kernel's transpose flags; its backward is two more such products,
// so no transposed copy is ever made.

import { ShapeError, formatShape } from '../errors.js';
import { Tensor } from '../tensor.js';
import { kernels } from '../backend/engine.js';
import { record } from '../autograd/graph.js';
import { sameDtype } from '../tensor/dtype.js';
import { broadcastShapes, sizeOf } from '../tensor/shape.js';
import { kernelsFor } from './kernel-set.js';
import { expand, reshape } from './movement.js';
import { operand } from './operand.js';

export interface MatmulSaved {
  transA: boolean;
  transB: boolean;
}

// A batch operand the batched GEMM can read with one stride: its own batch is either the full
// broadcast batch or a single matrix (stride 0). Anything else is expanded first.
function batchOperand(x: Tensor, batch: number[], rows: number, cols: number): { tensor: Tensor; stride: number } {
  const own = x.shape.slice(0, -2);
  const matrix = rows * cols;
  if (sizeOf(own) === 1) return { tensor: x, stride: 0 };
  if (own.length === batch.length && own.every((s, i) => s === batch[i])) return { tensor: x, stride: matrix };
  return { tensor: expand(x, [...batch, x.shape[x.rank - 2]!, x.shape[x.rank - 1]!]), stride: matrix };
}

/**
 * @internal op(a)·op(b) for operands of rank >= 2 (op = transpose of the last two axes when the
 * flag is set), batch axes broadcast; recorded.
 */
export function matmulPrimitive(a: Tensor, b: Tensor, transA: boolean, transB: boolean): Tensor {
  sameDtype('matmul', a.dtype, b.dtype);
  const [ar, ac] = [a.shape[a.rank - 2]!, a.shape[a.rank - 1]!];
  const [br, bc] = [b.shape[b.rank - 2]!, b.shape[b.rank - 1]!];
  const [m, k] = transA ? [ac, ar] : [ar, ac];
  const [k2, n] = transB ? [bc, br] : [br, bc];
  if (k !== k2) {
    throw new ShapeError(`matmul: inner dimensions differ: ${formatShape(a.shape)}${transA ? 'ᵀ' : ''} @ ${formatShape(b.shape)}${transB ? 'ᵀ' : ''} (${k} vs ${k2})`);
  }
  const batch = broadcastShapes('matmul', a.shape.slice(0, -2), b.shape.slice(0, -2));
  const out = Tensor.empty([...batch, m, n], a.dtype, 'matmul');
  const count = sizeOf(batch);
  if (out.size > 0) {
    const k_ = kernelsFor(a.dtype);
    const work = kernels().gemmWorkspace();
    const A = batchOperand(a, batch, ar, ac);
    const B = batchOperand(b, batch, br, bc);
    if (count === 1) {
      k_.gemm(+transA, +transB, m, n, k, 1, A.tensor.ptr, ac, B.tensor.ptr, bc, 0, out.ptr, n, work);
    } else {
      k_.gemmBatched(+transA, +transB, m, n, k, 1, A.tensor.ptr, ac, A.stride, B.tensor.ptr, bc, B.stride, 0, out.ptr, n, m * n, count, work);
    }
    if (A.tensor !== a) A.tensor.dispose();
    if (B.tensor !== b) B.tensor.dispose();
  }
  return record('matmul', [a, b], out, { transA, transB } satisfies MatmulSaved);
}

/**
 * Matrix product with numpy semantics (vector·matrix, matrix·vector, batched with broadcasting).
 *
 * @example
 * matmul(randn([8, 3, 4]), randn([4, 5]));   // [8, 3, 5]
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  const ta = operand('matmul', a, 'first operand');
  const tb = operand('matmul', b, 'second operand');
  if (ta.rank === 0 || tb.rank === 0) {
    throw new ShapeError(`matmul: operands must have rank >= 1, got ${formatShape(ta.shape)} @ ${formatShape(tb.shape)}`);
  }
  const a2 = ta.rank === 1 ? reshape(ta, [1, ta.shape[0]!]) : ta;
  const b2 = tb.rank === 1 ? reshape(tb, [tb.shape[0]!, 1]) : tb;
  if (a2.shape[a2.rank - 1] !== b2.shape[b2.rank - 2]) {
    throw new ShapeError(`matmul: inner dimensions differ: ${formatShape(ta.shape)} @ ${formatShape(tb.shape)}`);
  }
  const out = matmulPrimitive(a2, b2, false, false);
  if (ta.rank > 1 && tb.rank > 1) return out;
  const shape = out.shape.slice(0, -2);
  if (ta.rank > 1) shape.push(out.shape[out.rank - 2]!);
  if (tb.rank > 1) shape.push(out.shape[out.rank - 1]!);
  return reshape(out, shape);
}
