// When tensor storage is released. JavaScript cannot tell when a value becomes unreachable, and
// a FinalizationRegistry only runs between tasks, never inside a synchronous training loop, so
// the engine combines four rules (README "Memory"):
//
// 1. Tensors from creation functions (tensor, zeros, randn, ...) are owned by the caller: they
//    live until dispose(), the end of an enclosing tidy(), or garbage collection.
// 2. Tensors returned by operations are *results*: besides the above, a result is released at the
//    end of the second backward() after its creation (so the values of one training step stay
//    readable through the next step), unless keep() was called on it.
// 3. The reverse pass releases the gradients it creates as soon as they are consumed.
// 4. A FinalizationRegistry releases the storage of any tensor object that was garbage-collected.
//
// A training loop written without disposal therefore holds at most two steps of results, and
// its memory stays flat. Using a released tensor throws ReleasedTensorError.

import type { Storage } from './storage.js';
import { asyncRefusal, checkSynchronous, isThenable } from './synchronous.js';

/** What the lifetime rules need to know about a tensor. */
export interface Releasable {
  storage: Storage | null;
  kept: boolean;
}

const registry = new FinalizationRegistry<Storage>((storage) => storage.release());
const scopes: Set<Releasable>[] = [];
let currentStep: Releasable[] = [];
let previousStep: Releasable[] = [];

/** Registers a new tensor with the lifetime rules; `result` marks the output of an operation. */
export function track(tensor: Releasable, result: boolean): void {
  registry.register(tensor, tensor.storage!, tensor);
  const scope = scopes[scopes.length - 1];
  if (scope !== undefined) scope.add(tensor);
  if (result) currentStep.push(tensor);
}

/** Releases a tensor's hold on its storage now (idempotent). */
export function release(tensor: Releasable): void {
  const storage = tensor.storage;
  if (storage === null) return;
  registry.unregister(tensor);
  tensor.storage = null;
  storage.release();
}

/** Makes a result count as created now (used when a parameter lets go of its gradient). */
export function demoteToResult(tensor: Releasable): void {
  tensor.kept = false;
  currentStep.push(tensor);
}

/** Called at the end of every backward(): releases the results two steps old. */
export function endStep(): void {
  for (const t of previousStep) if (!t.kept) release(t);
  previousStep = currentStep;
  currentStep = [];
}

/** @internal Adds the tensors in value (itself, or inside arrays, plain objects and Maps) to into. */
export function collectTensors(value: unknown, into: Set<Releasable>, depth = 0): void {
  if (value === null || typeof value !== 'object' || depth > 8) return;
  if ('storage' in value && 'kept' in value) {
    into.add(value as Releasable);
    return;
  }
  if (Array.isArray(value)) {
    for (const v of value) collectTensors(v, into, depth + 1);
    return;
  }
  if (Object.getPrototypeOf(value) === Object.prototype || value instanceof Map) {
    const values = value instanceof Map ? value.values() : Object.values(value);
    for (const v of values) collectTensors(v, into, depth + 1);
  }
}

/** @internal Starts collecting every tensor created from now on (nested scopes allowed). */
export function openScope(): Set<Releasable> {
  const scope = new Set<Releasable>();
  scopes.push(scope);
  return scope;
}

/**
 * @internal Stops collecting: releases the scope's tensors except kept ones and `escaping` ones,
 * which move to the enclosing scope.
 */
export function closeScope(scope: Set<Releasable>, escaping: ReadonlySet<Releasable> = new Set()): void {
  const index = scopes.lastIndexOf(scope);
  if (index >= 0) scopes.splice(index, 1);
  const outer = scopes[scopes.length - 1];
  for (const t of scope) {
    if (escaping.has(t)) outer?.add(t);
    else if (!t.kept) release(t);
  }
}

/**
 * Runs fn and releases every tensor created inside it, except the tensors it returns (directly,
 * or inside arrays, plain objects and Maps) and tensors marked with keep().
 *
 * @example
 * const loss = tidy(() => model.forward(x).sub(y).square().mean());
 */
export function tidy<T>(fn: () => T): T {
  checkSynchronous('tidy', fn);
  const scope = openScope();
  let result: T;
  try {
    result = fn();
  } catch (error) {
    closeScope(scope);
    throw error;
  }
  if (isThenable(result)) {
    closeScope(scope);
    throw asyncRefusal('tidy');
  }
  const returned = new Set<Releasable>();
  collectTensors(result, returned);
  closeScope(scope, returned);
  return result;
}
