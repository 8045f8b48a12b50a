// When tensor storage is released. JavaScript cannot tell when a value becomes unreachable, and
// a FinalizationRegistry only runs between tasks, never inside a synchronous training loop, so
// the engine combines four rules (README "Memory"):
//
// 1. Tensors from creation functions (tensor, zeros, randn, ...) are owned by the caller: they
//    live until dispose(), the end of an enclosing tidy(), or garbage collection.
// 2. Tensors returned by operations are *results*: besides the above, a result is released at the
//    end of the second backward() after its creation (so the values of one training step stay
//    readable through the next step), unless keep() was called on it. The count is per lineage:
//    a recorded result belongs to the lineage of the trainable tensors it was computed from (one
//    model's parameters join one lineage as its ops combine them), and only a backward() through
//    that lineage counts for it, so two models trained in one process, by interleaved loops,
//    never release each other's values. A result outside every graph (made under noGrad, or from
//    nothing that requires gradients) counts every backward(); one that a graph uses joins that
//    graph's lineage. A lineage with no backward() of its own during 8 backward() calls of others
//    lets its results go.
// 3. The reverse pass releases the gradients it creates as soon as they are consumed.
// 4. A FinalizationRegistry releases the storage of any tensor object that was garbage-collected.
//
// A training loop written without disposal therefore holds at most two steps of results, and
// its memory stays flat. Using a released tensor throws ReleasedTensorError.
//
// Nothing here holds a tensor object strongly outside a tidy() scope: the step lists hold each
// result's Hold (its claim on the storage), not the tensor, so a result that the program no
// longer reaches can be garbage-collected, and rule 4 then releases its storage without waiting
// for rule 2 (between tasks: a FinalizationRegistry never runs inside synchronous code, which is
// why rule 2 exists).

import type { Storage } from './storage.js';
import { asyncRefusal, checkSynchronous, isThenable } from './synchronous.js';

/**
 * A tensor's claim on its storage, apart from the tensor object: the lifetime rules keep this,
 * so they never keep the tensor alive.
 */
export class Hold {
  /** Exempt from the automatic release of results (see Tensor.keep()). */
  kept = false;
  /** The tensor is an operation's result (rule 2 applies to it). */
  result = false;

  constructor(
    /** The storage, or null once released. */
    public storage: Storage | null,
  ) {}
}

/** What the lifetime rules need to know about a tensor: its hold. */
export interface Releasable {
  readonly hold: Hold;
}

/**
 * The trainable tensors that one group of results was computed from, as a union-find class: its
 * root keeps the results of the lineage's current and previous step.
 */
class Lineage {
  parent: Lineage = this;
  size = 1;
  current: Hold[] = [];
  previous: Hold[] = [];
  /** The count of backward() calls (any lineage) at this lineage's last one, or at its creation. */
  lastBackward = backwardCount;

  root(): Lineage {
    let root: Lineage = this;
    while (root.parent !== root) root = root.parent;
    let at: Lineage = this;
    while (at.parent !== root) {
      const next = at.parent;
      at.parent = root;
      at = next;
    }
    return root;
  }
}

// backward() calls so far, and the lineages holding results. A lineage that has seen no backward()
// of its own during STALE_AFTER backward() calls of others (a frozen model's one-off graphs, a
// teacher run with gradients on and never trained) lets its results go too, so no lineage can
// hold results for ever; a model trained in turn with others sees its own backward() far sooner.
let backwardCount = 0;
const STALE_AFTER = 8;
const pending = new Set<Lineage>();

function union(a: Lineage, b: Lineage): Lineage {
  let big = a.root();
  let small = b.root();
  if (big === small) return big;
  if (big.size < small.size) [big, small] = [small, big];
  small.parent = big;
  big.size += small.size;
  big.lastBackward = Math.max(big.lastBackward, small.lastBackward);
  for (const hold of small.current) big.current.push(hold);
  for (const hold of small.previous) big.previous.push(hold);
  small.current = [];
  small.previous = [];
  if (pending.delete(small)) pending.add(big);
  return big;
}

const lineages = new WeakMap<Hold, Lineage>();
const registry = new FinalizationRegistry<Hold>((hold) => releaseHold(hold));
const scopes: Set<Releasable>[] = [];
// Results outside every lineage (and, until they are recorded, every result).
let currentStep: Hold[] = [];
let previousStep: Hold[] = [];

/** Registers a new tensor with the lifetime rules; `result` marks the output of an operation. */
export function track(tensor: Releasable, result: boolean): void {
  registry.register(tensor, tensor.hold, tensor.hold);
  const scope = scopes[scopes.length - 1];
  if (scope !== undefined) scope.add(tensor);
  if (result) {
    tensor.hold.result = true;
    currentStep.push(tensor.hold);
  }
}

/** Releases a tensor's hold on its storage now (idempotent). */
export function release(tensor: Releasable): void {
  releaseHold(tensor.hold);
}

function releaseHold(hold: Hold): void {
  const storage = hold.storage;
  if (storage === null) return;
  registry.unregister(hold);
  hold.storage = null;
  storage.release();
}

/** Makes a result count as created now (used when a parameter lets go of its gradient). */
export function demoteToResult(tensor: Releasable): void {
  const hold = tensor.hold;
  hold.kept = false;
  hold.result = true;
  const lineage = lineages.get(hold)?.root();
  if (lineage === undefined) currentStep.push(hold);
  else lineage.current.push(hold);
}

/**
 * @internal Puts a recorded result into the lineage of its inputs: the lineages of the inputs
 * that are results, and of the trainable leaves (`requiresGrad` inputs that are not results),
 * joined into one.
 */
export function adopt(result: Releasable, inputs: readonly (Releasable & { requiresGrad: boolean })[]): void {
  let lineage: Lineage | undefined;
  for (const input of inputs) {
    // Only what gradients flow through joins lineages: a plain input shared by two models does not
    // make them one.
    if (!input.requiresGrad) continue;
    let own = lineages.get(input.hold);
    if (own === undefined) {
      own = new Lineage();
      lineages.set(input.hold, own);
    }
    lineage = lineage === undefined ? own.root() : union(lineage, own);
  }
  if (lineage === undefined) return;
  const root = lineage.root();
  lineages.set(result.hold, root);
  root.current.push(result.hold);
  // Results outside every lineage that this graph uses (a detached or preprocessed input, which
  // the backward pass may need) join it, so only its own backward() calls count for them.
  for (const input of inputs) {
    const hold = input.hold;
    if (hold.result && hold.storage !== null && !lineages.has(hold)) {
      lineages.set(hold, root);
      root.current.push(hold);
    }
  }
  pending.add(root);
}

/**
 * Called at the end of a backward() from `root`: releases the results two steps old of root's
 * lineage, those outside every lineage, and those of lineages stale for STALE_AFTER backward()
 * calls.
 */
export function endStep(root: Releasable): void {
  backwardCount++;
  for (const hold of previousStep) if (!hold.kept && !lineages.has(hold)) releaseHold(hold);
  previousStep = currentStep;
  currentStep = [];
  const lineage = lineages.get(root.hold)?.root();
  if (lineage !== undefined) {
    for (const hold of lineage.previous) if (!hold.kept) releaseHold(hold);
    lineage.previous = lineage.current;
    lineage.current = [];
    lineage.lastBackward = backwardCount;
  }
  for (const other of pending) {
    if (other.parent !== other) {
      pending.delete(other);
    } else if (backwardCount - other.lastBackward >= STALE_AFTER) {
      for (const hold of other.previous) if (!hold.kept) releaseHold(hold);
      for (const hold of other.current) if (!hold.kept) releaseHold(hold);
      other.previous = [];
      other.current = [];
      pending.delete(other);
    }
  }
}

/** @internal Adds the tensors in value (itself, or inside arrays, plain objects and Maps) to into. */
export function collectTensors(value: unknown, into: Set<Releasable>, depth = 0): void {
  if (value === null || typeof value !== 'object' || depth > 8) return;
  if ('hold' in value && value.hold instanceof Hold) {
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
    else if (!t.hold.kept) release(t);
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
