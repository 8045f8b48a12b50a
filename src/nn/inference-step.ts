// A Module.forward() under noGrad that no other forward under noGrad encloses (a model evaluated
// by itself, or a frozen teacher or backbone called under noGrad from a recording forward) is one
// inference step of that model (README "Memory", rules 2 and 3):
// - it starts by stepping its parameters' lineages, so the model's unrecorded results two steps
//   old are released, and the results it makes belong to the model's lineage;
// - it releases the results it made but does not return (no graph needs a value made under
//   noGrad); tensors from creation functions follow rule 1 as everywhere.
// A synchronous inference loop without tidy() or disposal therefore runs in flat memory. Forward
// calls nested in an inference step, and calls with recording on, run unchanged.

import { isGradEnabled } from '../autograd/graph.js';
import { closeScope, collectTensors, endInference, openScope, startInference, type Releasable } from '../tensor/lifetime.js';

// Whether each enclosing forward call recorded (innermost last).
const enclosing: boolean[] = [];

/** @internal Runs a model's forward (its own method, on its arguments) under the rules above. */
export function runForward<A extends unknown[], R>(
  model: object, parameters: () => readonly Releasable[], forward: (...args: A) => R, args: A,
): R {
  const recording = isGradEnabled();
  const inferenceStep = !recording && (enclosing.length === 0 || enclosing[enclosing.length - 1] === true);
  enclosing.push(recording);
  if (!inferenceStep) {
    try {
      return forward(...args);
    } finally {
      enclosing.pop();
    }
  }
  const outer = startInference(model, parameters());
  const scope = openScope();
  let output: R;
  try {
    output = forward(...args);
  } catch (error) {
    closeScope(scope, undefined, true);
    throw error;
  } finally {
    enclosing.pop();
    endInference(outer);
  }
  const returned = new Set<Releasable>();
  collectTensors(output, returned);
  closeScope(scope, returned, true);
  return output;
}
