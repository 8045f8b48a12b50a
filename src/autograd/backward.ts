// The reverse pass: iterative topological order (no recursion, so a 100,000-node chain is
// fine), one rule call per node from the backward table, broadcast gradients summed back to each
// operand's shape in one place, accumulation into leaves' .grad, and release of every
// intermediate gradient as soon as it has been consumed.

import { ArgumentError, ShapeError, formatShape } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { endStep, openScope, closeScope, release } from '../tensor/lifetime.js';
import { sameShape } from '../tensor/shape.js';
import { withGradMode, type Node } from './graph.js';
import { applyRule } from './rules.js';
import { add, clone } from '../ops/elementwise.js';
import { sumToShape } from '../ops/reduce.js';
import { full } from '../tensor/creation.js';

/** Options of Tensor.backward: keep the graph for another pass, or record the gradients' own graph. */
export interface BackwardOptions {
  /** Keep the graph so backward() can run through it again. */
  retainGraph?: boolean;
  /** Record the backward computation itself, for higher-order gradients (implies retainGraph). */
  createGraph?: boolean;
}

function freedError(node: Node): ArgumentError {
  return new ArgumentError(
    `backward: the graph through ${node.op} was already freed by an earlier backward(); ` +
      'pass { retainGraph: true } to the earlier call to run backward twice',
  );
}

// Tensors with a node reachable from the root, in an order where every tensor comes before the
// inputs of its node (reverse post-order of an iterative depth-first search).
function topologicalOrder(root: Tensor): Tensor[] {
  const postOrder: Tensor[] = [];
  if (root.node === null) return postOrder;
  if (root.node.freed) throw freedError(root.node);
  const visited = new Set<Tensor>([root]);
  const stack: [Tensor, number][] = [[root, 0]];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const node = top[0].node!;
    if (top[1] >= node.inputs.length) {
      postOrder.push(top[0]);
      stack.pop();
      continue;
    }
    const input = node.inputs[top[1]++]!;
    if (input.node !== null && !visited.has(input)) {
      if (input.node.freed) throw freedError(input.node);
      visited.add(input);
      stack.push([input, 0]);
    }
  }
  return postOrder.reverse();
}

/**
 * @internal Tensor.backward(). `endsStep` (default true) applies the step rule of results at the
 * end; the functional gradients, which scope their own tensors, pass false so that a call does not
 * age the caller's results.
 */
export function runBackward(root: Tensor, gradient: Tensor | undefined, options: BackwardOptions, endsStep = true): void {
  if (root.released) throw root.releasedError();
  if (!root.requiresGrad) {
    throw new ArgumentError('backward: the tensor does not require gradients (no input of its computation has requiresGrad)');
  }
  if (gradient === undefined && root.size !== 1) {
    throw new ShapeError(`backward: an implicit gradient needs a one-element tensor, got shape ${formatShape(root.shape)}; pass the gradient explicitly`);
  }
  if (gradient !== undefined) {
    if (gradient.released) throw gradient.releasedError();
    if (gradient.dtype !== root.dtype || !sameShape(gradient.shape, root.shape)) {
      throw new ShapeError(`backward: gradient ${gradient.dtype} ${formatShape(gradient.shape)} does not match the tensor ${root.dtype} ${formatShape(root.shape)}`);
    }
  }
  const createGraph = options.createGraph === true;
  const retainGraph = options.retainGraph === true || createGraph;
  const order = topologicalOrder(root);

  // Every tensor created during the pass is collected; those handed out as .grad are kept, the
  // rest are released as soon as no pending gradient refers to them, and at the end at the latest.
  const created = openScope();
  try {
    withGradMode(createGraph, () => {
      const pending = new Map<Tensor, Tensor>();
      const holders = new Map<Tensor, number>();
      const hold = (t: Tensor): void => {
        if (created.has(t)) holders.set(t, (holders.get(t) ?? 0) + 1);
      };
      // With createGraph the gradients are part of a new graph: nothing is released early.
      const drop = (t: Tensor): void => {
        if (createGraph || !created.has(t)) return;
        const n = (holders.get(t) ?? 1) - 1;
        if (n > 0) holders.set(t, n);
        else {
          holders.delete(t);
          if (!t.kept) release(t);
        }
      };
      const handedOut = new Set<Tensor>();

      const accumulateGrad = (u: Tensor, gu: Tensor): void => {
        if (u.grad === null || u.grad.released) {
          // A fresh gradient no one else refers to becomes .grad itself; anything else is copied.
          const exclusive = created.has(gu) && !holders.has(gu) && !handedOut.has(gu) && u.isLeaf;
          const own = exclusive ? gu : clone(gu);
          handedOut.add(own);
          u.grad = own;
        } else if (createGraph) {
          u.grad = add(u.grad, gu);
          handedOut.add(u.grad);
        } else {
          u.grad.addInPlace(gu);
        }
      };

      const deliver = (u: Tensor, gu: Tensor): void => {
        if (u.isLeaf || u.retainsGrad) accumulateGrad(u, gu);
        if (u.isLeaf) return;
        const existing = pending.get(u);
        if (existing === undefined) {
          pending.set(u, gu);
          hold(gu);
        } else {
          const total = add(existing, gu);
          drop(existing);
          pending.set(u, total);
          hold(total);
        }
      };

      deliver(root, gradient ?? full([...root.shape], 1, { dtype: root.dtype }));
      for (const t of order) {
        const g = pending.get(t);
        if (g === undefined) continue;
        pending.delete(t);
        const node = t.node!;
        const grads = applyRule(node, g);
        node.inputs.forEach((input, i) => {
          const gi = grads[i];
          if (gi === null || gi === undefined || !input.requiresGrad) return;
          deliver(input, sumToShape(gi, input.shape));
        });
        drop(g);
        if (!retainGraph) node.free();
      }
    });
  } finally {
    // Leftover pass tensors are released now, except under createGraph, where they may belong to
    // the recorded graph of the new gradients and are released with the step like any result.
    closeScope(created, createGraph ? created : undefined);
  }
  if (endsStep) endStep(root);
}
