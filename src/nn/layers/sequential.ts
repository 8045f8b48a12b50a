import { ArgumentError } from '../../errors.js';
import type { Tensor } from '../../tensor.js';
import { flatten } from '../../ops/movement.js';
import { Module } from '../module.js';

/**
 * Modules applied in order; children are named '0', '1', ... as in PyTorch.
 *
 * @example
 * const mlp = new Sequential(new Linear(784, 256), new ReLU(), new Linear(256, 10));
 */
export class Sequential extends Module {
  readonly layers: Module[];

  constructor(...layers: Module[]) {
    super();
    layers.forEach((layer, i) => {
      if (!(layer instanceof Module)) throw new ArgumentError(`Sequential: item ${i} is not a Module`);
      this.registerModule(String(i), layer);
    });
    this.layers = layers;
  }

  /**
   * A sequence with named children (names appear in parameter names and state dicts).
   *
   * @example
   * Sequential.named([['fc1', new Linear(784, 10)], ['act', new ReLU()]]);
   */
  static named(entries: readonly (readonly [string, Module])[]): Sequential {
    const seq = new Sequential();
    const names = new Set<string>();
    for (const [name, layer] of entries) {
      if (typeof name !== 'string' || name === '' || name.includes('.') || names.has(name)) {
        throw new ArgumentError(`Sequential.named: names must be unique, non-empty and without dots, got ${JSON.stringify(name)}`);
      }
      if (!(layer instanceof Module)) throw new ArgumentError(`Sequential.named: ${name} is not a Module`);
      names.add(name);
      seq.registerModule(name, layer);
      seq.layers.push(layer);
    }
    return seq;
  }

  forward(x: Tensor): Tensor {
    let y = x;
    for (const layer of this.layers) y = layer.forward(y);
    return y;
  }
}

/**
 * Flattens axes startAxis..endAxis (default: everything after the batch axis).
 *
 * @example
 * new Flatten().forward(x);   // [N, 16, 5, 5] -> [N, 400]
 */
export class Flatten extends Module {
  constructor(readonly startAxis = 1, readonly endAxis = -1) {
    super();
  }

  forward(x: Tensor): Tensor {
    return flatten(x, this.startAxis, this.endAxis);
  }
}
