// The recorded graph: one Node per differentiable primitive application, and the grad mode that
// decides whether operations record at all.

import type { Tensor } from '../tensor.js';
import { adopt, adoptUnrecorded } from '../tensor/lifetime.js';
import { asyncRefusal, checkSynchronous, isThenable } from '../tensor/synchronous.js';
import type { SavedArgument } from './saved-state.js';

/** Every primitive with a backward rule; src/autograd/rules.ts has exactly these keys. */
export const PRIMITIVES = [
  'neg', 'exp', 'log', 'sqrt', 'abs', 'tanh', 'sigmoid', 'relu', 'leakyRelu', 'powScalar',
  'add', 'sub', 'mul', 'div', 'maximum', 'minimum', 'pow',
  'reluBackward', 'leakyReluBackward', 'tanhBackward', 'sigmoidBackward',
  'sum', 'mean', 'max',
  'reshape', 'permute', 'expand', 'slice', 'sliceScatter', 'concat', 'pad',
  'indexSelect', 'indexAdd', 'gather', 'scatterAdd', 'where',
  'matmul', 'astype', 'diagonal', 'diagonalScatter', 'circuit',
  'conv2d', 'maxPool2d', 'avgPool2d', 'adaptiveAvgPool2d', 'batchNorm',
  'custom',
] as const;
/** The name of a differentiable primitive (an entry of the backward table). */
export type PrimitiveName = (typeof PRIMITIVES)[number];

export class Node {
  /** Storage versions of the inputs and the output when recorded (to detect in-place edits). */
  readonly inputVersions: number[];
  readonly outputVersion: number;
  /** Set once backward() has run through this node without retainGraph. */
  freed = false;

  constructor(
    readonly op: PrimitiveName,
    public inputs: Tensor[],
    public output: Tensor | null,
    public saved: unknown,
  ) {
    this.inputVersions = inputs.map((t) => t.storage!.version);
    this.outputVersion = output!.storage!.version;
  }

  /** Drops the references that only backward() needed; saved data with a release() hook frees its own storage. */
  free(): void {
    const saved = this.saved as { release?: () => void } | undefined;
    if (saved !== null && typeof saved === 'object' && typeof saved.release === 'function') saved.release();
    this.freed = true;
    this.inputs = [];
    this.output = null;
    this.saved = undefined;
  }
}

let gradEnabled = true;

/**
 * Whether operations are recorded for backward() now (false inside noGrad).
 *
 * @example
 * noGrad(() => isGradEnabled());   // false
 */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Runs fn with grad mode on or off, restoring the previous mode afterwards. */
export function withGradMode<T>(enabled: boolean, fn: () => T): T {
  const op = enabled ? 'enableGrad' : 'noGrad';
  checkSynchronous(op, fn);
  const previous = gradEnabled;
  gradEnabled = enabled;
  let result: T;
  try {
    result = fn();
  } finally {
    gradEnabled = previous;
  }
  if (isThenable(result)) throw asyncRefusal(op);
  return result;
}

/**
 * Runs fn without recording operations for backward() (evaluation, optimizer updates).
 *
 * @example
 * noGrad(() => w.addInPlace(w.grad!, -0.1));
 */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn);
}

/**
 * Runs fn with recording on, even inside noGrad.
 *
 * @example
 * noGrad(() => enableGrad(() => mul(w, 2)));   // recorded despite the outer noGrad
 */
export function enableGrad<T>(fn: () => T): T {
  return withGradMode(true, fn);
}

/**
 * Records a primitive application when grad mode is on and an input requires gradients, with the
 * state its backward rule reads (its type is fixed per op by SavedState).
 */
export function record<Op extends PrimitiveName>(op: Op, inputs: Tensor[], output: Tensor, ...saved: SavedArgument<Op>): Tensor {
  if (gradEnabled && inputs.some((t) => t.requiresGrad)) {
    output.node = new Node(op, inputs, output, saved[0]);
    output.requiresGrad = true;
    adopt(output, inputs);
  } else {
    adoptUnrecorded(output, inputs);
  }
  return output;
}
