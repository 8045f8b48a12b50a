// A block of WebAssembly memory holding a tensor's elements. Several tensors can share one
// storage (a reshape is a view); the block returns to the allocator when the last one lets go.
// `version` counts in-place writes, so the reverse pass can tell when a tensor it saved was
// modified after the forward pass used it.

import { kernels } from '../backend/engine.js';

export class Storage {
  private refs = 1;
  version = 0;

  constructor(
    readonly ptr: number,
    readonly byteLength: number,
  ) {}

  /** Allocates uninitialised storage of `bytes` bytes in the engine's memory. */
  static allocate(bytes: number): Storage {
    return new Storage(kernels().allocator.alloc(bytes), bytes);
  }

  retain(): void {
    this.refs++;
  }

  release(): void {
    if (this.refs <= 0) return;
    if (--this.refs === 0) kernels().allocator.free(this.ptr);
  }

  get live(): boolean {
    return this.refs > 0;
  }
}
