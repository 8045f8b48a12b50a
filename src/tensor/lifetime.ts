// When tensor storage is released. JavaScript cannot tell when a value becomes unreachable, and
// a FinalizationRegistry only runs between tasks, never inside a synchronous training loop, so
// the engine combines these rules (README "Memory"):
//
// 1. Tensors from creation functions (tensor, zeros, randn, ...) are owned by the caller: they
//    live until dispose(), the end of an enclosing tidy(), or garbage collection.
// 2. Tensors returned by operations are *results*, and a result computed from trainable tensors
//    belongs to their *lineage* (one model's parameters join one lineage as its recorded ops
//    combine them). Besides the above, a result is released at the end of the second step of
//    its lineage after its creation, unless keep() was called: a step is a backward() through the
//    lineage, and, for results made without recording (under noGrad), also the start of an
//    inference step of the model (a Module.forward() under noGrad that no other one under noGrad
//    encloses; what it makes belongs to the model's lineage, trainable or not). So one training
//    or inference step's values stay readable through the next step, and two models used in one
//    process, by interleaved loops, never release each other's values. A result made from
//    nothing trainable joins the lineage of the first graph that uses it (with the results it was
//    made from), and an unrecorded result that a recorded graph saves (a teacher's soft targets)
//    moves to that graph's lineage; until then only rules 1, 4 and tidy() apply to it. A lineage
//    that sees no backward() of its own during 8 backward() calls of others (a frozen model's
//    one-off graphs, a teacher run with gradients on) steps once, so no lineage holds results
//    for ever.
// 3. The reverse pass releases the gradients it creates as soon as they are consumed, and an
//    inference step releases the results it made but does not return.
// 4. A FinalizationRegistry releases the storage of any tensor object that was garbage-collected.
//
// A training or inference loop written without disposal therefore holds at most two steps of
// results, and its memory stays flat. Using a released tensor throws ReleasedTensorError.
//
// Nothing here holds a tensor object strongly outside a tidy() scope: the lineages hold each
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
  /**
   * The one step list that may release this result (a result moves between lists, e.g. from a
   * model's unrecorded results into the graph of another that saves it; the list it left keeps
   * the entry but no longer releases it).
   */
  owner: Hold[] | null = null;
  /** Whether `owner` is a list of unrecorded results. */
  ownerUnrecorded = false;

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
 * root keeps the results of the lineage's current and previous step, recorded ones (released by
 * backward() steps) apart from unrecorded ones (released by backward() and inference steps).
 */
class Lineage {
  parent: Lineage = this;
  size = 1;
  current: Hold[] = [];
  previous: Hold[] = [];
  unrecorded: Hold[] = [];
  previousUnrecorded: Hold[] = [];
  /** The count of backward() calls (any lineage) at this lineage's last backward step, or at its creation. */
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

  /** Ends a backward() step: releases the results two steps old, recorded or not. */
  stepBackward(): void {
    this.stepUnrecorded();
    releaseOwned(this.previous);
    this.previous = this.current;
    this.current = [];
  }

  /** Ends an inference step: releases the unrecorded results two steps old. */
  stepUnrecorded(): void {
    releaseOwned(this.previousUnrecorded);
    this.previousUnrecorded = this.unrecorded;
    this.unrecorded = [];
  }

  get empty(): boolean {
    return this.current.length + this.previous.length + this.unrecorded.length + this.previousUnrecorded.length === 0;
  }
}

/** Makes `list` the one list that may release `hold`. */
function file(hold: Hold, list: Hold[], unrecorded: boolean): void {
  hold.owner = list;
  hold.ownerUnrecorded = unrecorded;
  list.push(hold);
}

function releaseOwned(list: readonly Hold[]): void {
  for (const hold of list) if (hold.owner === list && !hold.kept) releaseHold(hold);
}

function moveAll(from: Hold[], to: Hold[], unrecorded: boolean): void {
  for (const hold of from) if (hold.owner === from) file(hold, to, unrecorded);
}

// backward() calls so far, and the lineages holding results. A lineage that has seen no backward()
// of its own during STALE_AFTER backward() calls of others (a frozen model's one-off graphs, a
// teacher run with gradients on and never trained) steps once, so no lineage can hold results
// for ever; a model trained in turn with others sees its own backward() far sooner.
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
  moveAll(small.current, big.current, false);
  moveAll(small.previous, big.previous, false);
  moveAll(small.unrecorded, big.unrecorded, true);
  moveAll(small.previousUnrecorded, big.previousUnrecorded, true);
  small.current = [];
  small.previous = [];
  small.unrecorded = [];
  small.previousUnrecorded = [];
  if (pending.delete(small)) pending.add(big);
  return big;
}

// The lineage of each result and trainable tensor (by its Hold), and of each model without
// parameters that has run an inference step (by the model).
const lineages = new WeakMap<object, Lineage>();
// For a result made without recording from results outside every lineage: those inputs, so that
// they join the lineage that adopts it (a batch reshaped before the first layer, a mask made
// from random numbers).
const looseInputs = new WeakMap<Hold, Hold[]>();
const registry = new FinalizationRegistry<Hold>((hold) => releaseHold(hold));
const scopes: Set<Releasable>[] = [];
// The lineage of the model whose top-level forward under noGrad is running, if any.
let inferenceLineage: Lineage | undefined;

/** Registers a new tensor with the lifetime rules; `result` marks the output of an operation. */
export function track(tensor: Releasable, result: boolean): void {
  registry.register(tensor, tensor.hold, tensor.hold);
  const scope = scopes[scopes.length - 1];
  if (scope !== undefined) scope.add(tensor);
  if (result) tensor.hold.result = true;
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

/**
 * Makes a gradient its parameter let go of count as a result created now, in the parameter's
 * lineage (without one, only rules 1 and 4 apply to it).
 */
export function demoteToResult(tensor: Releasable, owner: Releasable): void {
  const hold = tensor.hold;
  hold.kept = false;
  hold.result = true;
  const lineage = (lineages.get(hold) ?? lineages.get(owner.hold))?.root();
  if (lineage === undefined) return;
  lineages.set(hold, lineage);
  file(hold, lineage.current, false);
  pending.add(lineage);
}

function lineageOf(input: Releasable & { requiresGrad: boolean }): Lineage | undefined {
  const own = lineages.get(input.hold);
  if (own !== undefined || !input.requiresGrad) return own?.root();
  const created = new Lineage();
  lineages.set(input.hold, created);
  return created;
}

// Results a lineage's ops use that no step list of a lineage owns (a detached or preprocessed
// input, and the loose results it was made from) join `into`, so that only that lineage's steps
// count for them; with `claimUnrecorded` (a recorded graph, whose backward pass may read them),
// so do unrecorded results of any lineage (a teacher's soft targets).
function joinInputs(root: Lineage, inputs: readonly Releasable[], into: Hold[], unrecorded: boolean, claimUnrecorded: boolean): void {
  const stack = inputs.map((input) => input.hold);
  while (stack.length > 0) {
    const hold = stack.pop()!;
    if (!hold.result || hold.storage === null || hold.owner === into) continue;
    const loose = !lineages.has(hold);
    if (!loose && !(claimUnrecorded && hold.ownerUnrecorded)) continue;
    lineages.set(hold, root);
    file(hold, into, unrecorded);
    const parents = looseInputs.get(hold);
    if (parents !== undefined) {
      looseInputs.delete(hold);
      stack.push(...parents);
    }
  }
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
    const own = lineageOf(input)!;
    lineage = lineage === undefined ? own : union(lineage, own);
  }
  if (lineage === undefined) return;
  const root = lineage.root();
  lineages.set(result.hold, root);
  file(result.hold, root.current, false);
  joinInputs(root, inputs, root.current, false, true);
  pending.add(root);
}

/**
 * @internal Puts a result made without recording (under noGrad, or from inputs none of which
 * requires gradients) into the lineage of the model whose top-level forward under noGrad is
 * running, else of its first input that has one, else of its first trainable input. Lineages
 * never merge here: evaluating two models together under noGrad keeps them apart.
 */
export function adoptUnrecorded(result: Releasable, inputs: readonly (Releasable & { requiresGrad: boolean })[]): void {
  // Only fresh results join: an in-place operation returns its (owned) input.
  if (!result.hold.result || lineages.has(result.hold)) return;
  let lineage = inferenceLineage;
  for (let i = 0; lineage === undefined && i < inputs.length; i++) lineage = lineages.get(inputs[i]!.hold)?.root();
  for (let i = 0; lineage === undefined && i < inputs.length; i++) lineage = inputs[i]!.requiresGrad ? lineageOf(inputs[i]!) : undefined;
  if (lineage === undefined) {
    const loose = inputs.filter((input) => input.hold.result && !lineages.has(input.hold)).map((input) => input.hold);
    if (loose.length > 0) looseInputs.set(result.hold, loose);
    return;
  }
  lineages.set(result.hold, lineage);
  file(result.hold, lineage.unrecorded, true);
  joinInputs(lineage, inputs, lineage.unrecorded, true, false);
  pending.add(lineage);
}

/**
 * @internal Starts an inference step of a model (a top-level Module.forward() under noGrad):
 * steps the lineages of its parameters (releasing their unrecorded results two steps old), and
 * files the results made until `endInference` in the first of them (or, for a model without
 * trainable parameters, in a lineage of its own). Returns what endInference restores.
 */
export function startInference(model: object, parameters: readonly Releasable[]): Lineage | undefined {
  const stepped = new Set<Lineage>();
  for (const parameter of parameters) {
    const lineage = lineages.get(parameter.hold)?.root();
    if (lineage === undefined || stepped.has(lineage)) continue;
    stepped.add(lineage);
    lineage.stepUnrecorded();
  }
  let lineage = stepped.values().next().value as Lineage | undefined;
  if (lineage === undefined) {
    // No parameter has a lineage yet: the model's own, kept on its first parameter (so that
    // training joins it) or, for a model without parameters, on the model.
    const key: object = parameters[0]?.hold ?? model;
    lineage = lineages.get(key)?.root();
    if (lineage === undefined) lineages.set(key, (lineage = new Lineage()));
    else lineage.stepUnrecorded();
  }
  const previous = inferenceLineage;
  inferenceLineage = lineage;
  return previous;
}

/** @internal Ends what startInference started. */
export function endInference(previous: Lineage | undefined): void {
  inferenceLineage = previous;
}

/**
 * Called at the end of a backward() from `root`: steps root's lineage, and once every lineage
 * that has had no backward() of its own for STALE_AFTER backward() calls.
 */
export function endStep(root: Releasable): void {
  backwardCount++;
  const lineage = lineages.get(root.hold)?.root();
  if (lineage !== undefined) {
    lineage.stepBackward();
    lineage.lastBackward = backwardCount;
  }
  for (const other of pending) {
    if (other.parent !== other) {
      pending.delete(other);
    } else if (backwardCount - other.lastBackward >= STALE_AFTER) {
      other.stepBackward();
      other.lastBackward = backwardCount;
    }
    if (other.empty) pending.delete(other);
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
 * @internal Stops collecting: releases the scope's tensors except kept ones and `escaping` ones
 * (and, with `onlyResults`, those made by creation functions), which move to the enclosing scope.
 */
export function closeScope(scope: Set<Releasable>, escaping: ReadonlySet<Releasable> = new Set(), onlyResults = false): void {
  const index = scopes.lastIndexOf(scope);
  if (index >= 0) scopes.splice(index, 1);
  const outer = scopes[scopes.length - 1];
  for (const t of scope) {
    if (escaping.has(t) || (onlyResults && !t.hold.result)) outer?.add(t);
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
