// Differentiable functions defined by the user: a forward computation and a backward rule,
// recorded in the same graph as the built-in primitives (as primitive 'custom').
//
// The forward runs with recording off (its inner operations are not part of the graph); its
// result becomes one node whose rule is the user's backward. The backward receives the output's
// gradient and what the forward chose to save, and returns one gradient (or null) per input.
// Written with differentiable operations, it supports createGraph (double backward) like any rule.

import { ArgumentError, describeValue } from '../errors.js';
import { Tensor } from '../tensor.js';
import { clone } from '../ops/elementwise.js';
import { record, noGrad } from './graph.js';
import { closeScope, collectTensors, openScope, type Releasable } from '../tensor/lifetime.js';

/**
 * What a custom function's backward rule sees. Tensors the forward saves are released when the
 * graph is freed (after backward without retainGraph), so the rule reads them only then.
 */
export interface CustomBackwardContext<Saved> {
  /** The inputs, as passed to the function. */
  readonly inputs: readonly Tensor[];
  /** The function's output. */
  readonly output: Tensor;
  /** What the forward returned as `saved`. */
  readonly saved: Saved;
  /** Whether input i needs a gradient (the rule may return null for the others). */
  needs(i: number): boolean;
}

/** What customFunction needs: a name, a forward computation and its backward rule. */
export interface CustomFunctionDefinition<Saved> {
  /** A name for errors. */
  name: string;
  /** Computes the output from the inputs; may return values to save for the backward rule. */
  forward(...inputs: Tensor[]): Tensor | { output: Tensor; saved: Saved };
  /** The gradients of the inputs from the output's gradient: one Tensor (input-shaped) or null per input. */
  backward(gradient: Tensor, context: CustomBackwardContext<Saved>): readonly (Tensor | null)[];
}

/** @internal The saved state of a recorded custom function. */
export interface CustomSaved {
  /** Runs the user's backward rule and checks its gradients (one Tensor or null per input). */
  gradients(gradient: Tensor, inputs: readonly Tensor[], output: Tensor, needs: (i: number) => boolean): (Tensor | null)[];
  /** Called when the graph is freed: releases the tensors the forward made and saved. */
  release(): void;
}

/**
 * Defines a differentiable function from a forward computation and a backward rule.
 *
 * @example
 * // A straight-through estimator: sign(x) forward, the gradient of hard tanh backward.
 * const signSte = customFunction({
 *   name: 'signSte',
 *   forward: (x) => gt(x, 0).mul(2).sub(1),
 *   backward: (g, { inputs: [x] }) => [g.mul(le(abs(x!), 1))],
 * });
 * signSte(randn([8], { requiresGrad: true })).sum().backward();
 */
export function customFunction<Saved = undefined>(definition: CustomFunctionDefinition<Saved>): (...inputs: Tensor[]) => Tensor {
  if (typeof definition !== 'object' || definition === null) throw new ArgumentError(`customFunction: expected { name, forward, backward }, got ${describeValue(definition)}`);
  const { name, forward, backward } = definition;
  if (typeof name !== 'string' || name === '') throw new ArgumentError(`customFunction: name must be a non-empty string, got ${describeValue(name)}`);
  if (typeof forward !== 'function' || typeof backward !== 'function') throw new ArgumentError(`customFunction ${name}: forward and backward must be functions`);
  return (...inputs: Tensor[]): Tensor => {
    inputs.forEach((x, i) => {
      if (!(x instanceof Tensor)) throw new ArgumentError(`${name}: input ${i} must be a Tensor, got ${describeValue(x)}`);
      if (x.released) throw x.releasedError();
    });
    // The tensors the forward creates, told apart from the caller's (inputs, captured tensors).
    const scope = openScope();
    let produced: Tensor | { output: Tensor; saved: Saved };
    try {
      produced = noGrad(() => forward(...inputs));
    } catch (error) {
      closeScope(scope);
      throw error;
    }
    // Nothing is released here: the created tensors move on to the enclosing scope, if any.
    const created = new Set(scope);
    closeScope(scope, created);
    const { output, saved } = produced instanceof Tensor ? { output: produced, saved: undefined as Saved } : (produced ?? {}) as { output?: unknown; saved: Saved };
    if (!(output instanceof Tensor)) throw new ArgumentError(`${name}: forward must return a Tensor or { output, saved }, got ${describeValue(produced)}`);
    // The node is recorded on the output, so it must be the forward's own: an input or any other
    // tensor from outside (a captured parameter, say) gets a copy instead.
    const result = created.has(output) && !output.kept && output.node === null ? output : noGrad(() => clone(output));
    // Saved tensors the forward made are results like any operation's (released with the step or
    // the enclosing tidy at the latest) and go as soon as the graph is freed; the caller's tensors
    // are never the function's to release.
    const inSaved = new Set<Releasable>();
    collectTensors(saved, inSaved);
    const made = new Set([...inSaved].filter((t): t is Tensor => t instanceof Tensor && created.has(t) && t !== result && !t.kept));
    const state: CustomSaved = {
      gradients: (gradient, inputsOfNode, outputOfNode, needs) => {
        const grads = backward(gradient, { inputs: inputsOfNode, output: outputOfNode, saved, needs });
        if (!Array.isArray(grads) || grads.length !== inputsOfNode.length) {
          throw new ArgumentError(`${name}: backward must return one gradient (or null) per input: ${inputsOfNode.length}, got ${Array.isArray(grads) ? grads.length : describeValue(grads)}`);
        }
        return grads.map((grad, i) => {
          if (grad === null || grad === undefined) return null;
          const x = inputsOfNode[i]!;
          if (!(grad instanceof Tensor) || grad.released || grad.dtype !== x.dtype || grad.shape.length !== x.shape.length || grad.shape.some((s, d) => s !== x.shape[d])) {
            throw new ArgumentError(`${name}: backward's gradient ${i} must be a ${x.dtype} tensor of shape [${x.shape.join(',')}], got ${grad instanceof Tensor ? `${grad.dtype} [${grad.shape.join(',')}]` : describeValue(grad)}`);
          }
          // A saved tensor handed back as a gradient outlives the graph that releases it.
          return made.has(grad) ? clone(grad) : grad;
        });
      },
      release: () => {
        for (const t of made) t.dispose();
      },
    };
    return record('custom', inputs, result, state);
  };
}
