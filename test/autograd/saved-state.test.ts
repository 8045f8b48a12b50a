// The state each primitive saves for backward is typed by one map (src/autograd/saved-state.ts)
// shared by record() and the rules. These checks are compile-time: `npm test` type-checks this
// file first, and an @ts-expect-error that is not needed (because record() accepted a wrong
// state) fails that check.

import { describe, expect, it } from 'vitest';
import { record } from '../../src/autograd/graph.js';
import type { SavedState } from '../../src/autograd/saved-state.js';
import { ones, sum, type Tensor } from '../../src/index.js';

function wrongStates(x: Tensor): void {
  // @ts-expect-error sum saves { axes, keepdims }, not a number
  record('sum', [x], x, 5);
  // @ts-expect-error add saves nothing
  record('add', [x, x], x, { axes: [0], keepdims: false });
  // @ts-expect-error powScalar needs its exponent
  record('powScalar', [x], x);
  // @ts-expect-error not a primitive
  record('frobnicate', [x], x);
}

describe('saved state', () => {
  it('record() takes exactly the state its op declares, and the rules read it back', () => {
    expect(typeof wrongStates).toBe('function');
    const axes: SavedState['sum']['axes'] = [0];
    const x = ones([2, 3], { requiresGrad: true });
    const y = sum(x, axes);
    y.sum().backward();
    expect(Array.from(x.grad!.toArray())).toEqual([1, 1, 1, 1, 1, 1]);
  });
});
