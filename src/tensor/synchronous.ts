// tidy and noGrad scope synchronous work: a scope closes (tensors released, gradient mode
// restored) when the function returns, which for an async function is at its first await, while
// the rest of it still runs. Rather than release tensors it still uses, or record operations it
// asked not to, both refuse async functions and functions that return a promise.

import { ArgumentError, describeValue } from '../errors.js';

/** Refuses a non-function or an async function before it runs. */
export function checkSynchronous(op: string, fn: unknown): void {
  if (typeof fn !== 'function') throw new ArgumentError(`${op}: expected a function, got ${describeValue(fn)}`);
  if (fn.constructor?.name === 'AsyncFunction' || fn.constructor?.name === 'AsyncGeneratorFunction') throw asyncRefusal(op);
}

/** Whether a function's result is a promise (or any thenable). */
export function isThenable(value: unknown): boolean {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

export function asyncRefusal(op: string): ArgumentError {
  return new ArgumentError(`${op}: the function is asynchronous; ${op} scopes synchronous code only (its scope would close at the first await while the rest still runs): call ${op} around each synchronous part instead`);
}
