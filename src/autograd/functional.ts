// Functional gradients on top of the tape: grad, valueAndGrad and vjp differentiate a function at
// given inputs and return the gradients as values. The inputs are not touched: the function runs
// on fresh leaves that share the inputs' storage, so no .grad is left behind on them, and every
// intermediate is released when the call returns (only the value and the gradients survive).

import { ArgumentError, ShapeError, describeValue, formatShape } from '../errors.js';
import { Tensor } from '../tensor.js';
import { tidy } from '../tensor/lifetime.js';
import { zerosLike } from '../tensor/creation.js';
import { detach } from '../ops/movement.js';
import { enableGrad } from './graph.js';
import { runBackward } from './backward.js';

/** A function of tensors returning a tensor, as grad, valueAndGrad and vjp differentiate it. */
export type Differentiable = (...inputs: Tensor[]) => Tensor;

function checkFunction(op: string, f: unknown): void {
  if (typeof f !== 'function') throw new ArgumentError(`${op}: expected a function of tensors, got ${describeValue(f)}`);
}

function checkInputs(op: string, inputs: readonly unknown[]): void {
  inputs.forEach((x, i) => {
    if (!(x instanceof Tensor)) throw new ArgumentError(`${op}: input ${i} must be a Tensor, got ${describeValue(x)}`);
    if (x.released) throw x.releasedError();
  });
}

// f's value at the inputs and the gradients of <value, cotangent> with respect to each input.
function differentiate(op: string, f: Differentiable, inputs: readonly Tensor[], cotangent?: Tensor): { value: Tensor; grads: Tensor[] } {
  return tidy(() => enableGrad(() => {
    const leaves = inputs.map((x) => detach(x).requiresGrad_(true));
    const value = f(...leaves);
    if (!(value instanceof Tensor)) throw new ArgumentError(`${op}: the function must return a Tensor, got ${describeValue(value)}`);
    if (cotangent === undefined && value.size !== 1) {
      throw new ShapeError(`${op}: the function must return one element, got shape ${formatShape(value.shape)}; use vjp for other outputs`);
    }
    // vjp checked the cotangent; grad and valueAndGrad pass none.
    if (value.requiresGrad) runBackward(value, cotangent, {}, false);
    // An input the value does not depend on has a zero gradient.
    const grads = leaves.map((leaf, i) => leaf.grad ?? zerosLike(inputs[i]!));
    return { value: detach(value), grads };
  }));
}

/**
 * The gradient function of f (which returns one element): grad(f)(...inputs) is the list of
 * df/dinput, one per input.
 *
 * @example
 * const [dx] = grad((x) => x.square().sum())(tensor([1, 2, 3]));   // [2, 4, 6]
 */
export function grad(f: Differentiable): (...inputs: Tensor[]) => Tensor[] {
  checkFunction('grad', f);
  return (...inputs) => {
    checkInputs('grad', inputs);
    return differentiate('grad', f, inputs).grads;
  };
}

/**
 * Like grad, and also returns f's value.
 *
 * @example
 * const { value, grads } = valueAndGrad((w, x) => w.matmul(x).relu().sum())(w, x);
 */
export function valueAndGrad(f: Differentiable): (...inputs: Tensor[]) => { value: Tensor; grads: Tensor[] } {
  checkFunction('valueAndGrad', f);
  return (...inputs) => {
    checkInputs('valueAndGrad', inputs);
    return differentiate('valueAndGrad', f, inputs);
  };
}

/**
 * The vector-Jacobian product: f's value at the inputs and cotangentᵀ·∂f/∂input for each input
 * (the cotangent has the shape of f's value).
 *
 * @example
 * const { value, vjp: [dx] } = vjp((x) => x.tanh(), [x], ones([3]));   // dx = 1 - tanh(x)²
 */
export function vjp(f: Differentiable, inputs: readonly Tensor[], cotangent: Tensor): { value: Tensor; vjp: Tensor[] } {
  checkFunction('vjp', f);
  if (!Array.isArray(inputs)) throw new ArgumentError(`vjp: inputs must be an array of tensors, got ${describeValue(inputs)}`);
  checkInputs('vjp', inputs);
  if (!(cotangent instanceof Tensor)) throw new ArgumentError(`vjp: the cotangent must be a Tensor of the function's output shape, got ${describeValue(cotangent)}`);
  const { value, grads } = differentiate('vjp', f, inputs, cotangent);
  return { value, vjp: grads };
}
