// A top-level Module.forward() under noGrad is one inference step (README "Memory", rules 2 and
// 3): it starts by stepping its parameters' lineages, so the unrecorded results of the model two
// steps old are released, and it releases what it created but does not return (no graph needs
// a value made under noGrad). A synchronous inference loop without tidy() or disposal therefore
// runs in flat memory. Nested calls (layers inside a model) and calls with recording on run
// unchanged.

import { isGradEnabled } from '../autograd/graph.js';
import { closeScope, collectTensors, openScope, startInferenceStep, type Releasable } from '../tensor/lifetime.js';

let depth = 0;

/** @internal Runs a module's forward (its own method, on its arguments) under the rules above. */
export function runForward<A extends unknown[], R>(
  parameters: () => readonly Releasable[], forward: (...args: A) => R, args: A,
): R {
  if (depth > 0 || isGradEnabled()) {
    depth++;
    try {
      return forward(...args);
    } finally {
      depth--;
    }
  }
  startInferenceStep(parameters());
  depth++;
  const scope = openScope();
  let output: R;
  try {
    output = forward(...args);
  } catch (error) {
    closeScope(scope);
    throw error;
  } finally {
    depth--;
  }
  const returned = new Set<Releasable>();
  collectTensors(output, returned);
  closeScope(scope, returned);
  return output;
}
