// A circuit of two-site gates and elementwise activations applied to a state vector, as one
// differentiable primitive: the ADTN weight generator runs through it. Each gate is one call of
// the fused gate kernel (no permute); the backward pass walks the circuit in reverse with the
// fused backward kernel (gradient to the state and to the gate in one call).
//
// Memory: the backward pass needs the state before every step. When they all fit in the
// checkpoint budget they are kept; otherwise only every s-th state is kept (s ~ sqrt(steps)) and
// each segment is recomputed from its checkpoint during the backward pass, which costs about one
// extra forward pass and keeps ~2·sqrt(steps) states instead of all of them. The default budget
// is small (8 MiB, about what stays in cache): measured at Q = 16, M = 8, keeping all 127 states
// (32 MiB) made the forward pass 2.7x slower and the backward pass 1.2x slower than recomputing,
// because every stored state went out to main memory and came back.
//
// Activations are differentiated from their output (relu, leaky relu: y > 0 iff x > 0; tanh:
// 1 - y²; sigmoid: y(1 - y)), so the state after an activation is all that is needed.

import { ArgumentError, ShapeError, formatShape, optionsObject } from '../errors.js';
import { Tensor } from '../tensor.js';
import { kernels } from '../backend/engine.js';
import { BinaryOp, UnaryOp } from '../backend/kernel-codes.js';
import { isGradEnabled, record } from '../autograd/graph.js';
import { bytesPerElement, sameDtype } from '../tensor/dtype.js';
import { kernelsFor } from './kernel-set.js';
import { operand } from './operand.js';
import { copyForward } from './movement.js';

/** The elementwise activation a circuit applies between its layers. */
export type CircuitActivation = 'relu' | 'tanh' | 'sigmoid' | 'leakyRelu' | 'identity';

/** One step of a circuit: gate number `gate` on sites (site, site + 1), or an activation of the whole state. */
export type CircuitStep =
  | { kind: 'gate'; gate: number; site: number }
  | { kind: 'activation'; activation: CircuitActivation; slope?: number };

/** A circuit for applyCircuit: the sites, their local dimension and the steps in order. */
export interface CircuitSpec {
  /** Number of sites. */
  sites: number;
  /** Local dimension of every site. */
  localDim: number;
  steps: CircuitStep[];
  /** Bytes the forward pass may keep for the backward pass (default 8 MiB). */
  checkpointBytes?: number;
}

export interface CircuitSaved {
  spec: CircuitSpec;
  /** State before step s, for the checkpointed steps (results, released with the step at the latest). */
  checkpoints: Map<number, Tensor>;
  segment: number;
  /** Called when the graph is freed: releases the checkpoints at once. */
  release(): void;
}

function stateBytes(spec: CircuitSpec, dtype: 'float32' | 'float64'): number {
  return spec.localDim ** spec.sites * bytesPerElement(dtype);
}

// [A, D, B] view of a gate on sites (q, q+1).
function gateLayout(spec: CircuitSpec, site: number): [number, number, number] {
  const d = spec.localDim;
  return [d ** site, d * d, d ** (spec.sites - site - 2)];
}

// Runs one step forward into a fresh tensor.
function stepForward(spec: CircuitSpec, step: CircuitStep, state: Tensor, gates: Tensor): Tensor {
  if (step.kind === 'activation' && step.activation === 'identity') return copyForward(state);
  const out = Tensor.empty(state.shape, state.dtype, 'circuit');
  const k = kernelsFor(state.dtype);
  if (step.kind === 'gate') {
    const [A, D, B] = gateLayout(spec, step.site);
    const gatePtr = gates.ptr + step.gate * D * D * bytesPerElement(state.dtype);
    k.applyGate(out.ptr, state.ptr, gatePtr, A, D, B, 0);
  } else {
    k.unary(UnaryOp[step.activation as Exclude<CircuitActivation, 'identity'>], out.ptr, state.ptr, state.size, step.slope ?? 0, 0);
  }
  return out;
}

function validate(spec: CircuitSpec, state: Tensor, gates: Tensor): void {
  const { sites, localDim: d } = spec;
  if (!Number.isInteger(sites) || sites < 2 || !Number.isInteger(d) || d < 1) {
    throw new ArgumentError(`circuit: needs at least 2 sites and a positive local dimension, got ${sites} sites of dimension ${d}`);
  }
  if (state.rank !== 1 || state.size !== d ** sites) {
    throw new ShapeError(`circuit: the state must be a vector of ${d}^${sites} = ${d ** sites} entries, got ${formatShape(state.shape)}`);
  }
  const D = d * d;
  if (gates.rank !== 3 || gates.shape[1] !== D || gates.shape[2] !== D) {
    throw new ShapeError(`circuit: gates must have shape [count, ${D}, ${D}], got ${formatShape(gates.shape)}`);
  }
  sameDtype('circuit', state.dtype, gates.dtype);
  for (const step of spec.steps) {
    if (step.kind === 'gate') {
      if (!(step.gate >= 0 && step.gate < gates.shape[0]!)) throw new ArgumentError(`circuit: gate index ${step.gate} out of range for ${gates.shape[0]} gates`);
      if (!(step.site >= 0 && step.site <= sites - 2)) throw new ArgumentError(`circuit: a gate on sites (${step.site}, ${step.site + 1}) does not fit ${sites} sites`);
    } else if (step.activation === 'leakyRelu' && !((step.slope ?? 0) > 0)) {
      throw new ArgumentError('circuit: a leaky relu needs a positive slope (its backward reads the sign of the output)');
    } else if (!['relu', 'tanh', 'sigmoid', 'leakyRelu', 'identity'].includes(step.activation)) {
      throw new ArgumentError(`circuit: unknown activation ${JSON.stringify(step.activation)}`);
    }
  }
}

/**
 * Applies the circuit's steps to `state` (a vector of localDim^sites entries); gates[k] is the
 * D x D matrix (D = localDim²) of gate k, acting as out[a, o, b] = Σ_i G[o, i]·state[a, i, b].
 * Differentiable in the state and the gates.
 *
 * @example
 * const state = tensor([1, 0, 0, 0, 0, 0, 0, 0]);   // |000> on 3 sites of dimension 2
 * applyCircuit(state, randn([2, 4, 4]), { sites: 3, localDim: 2, steps: brickWall(3, 1, 'relu', 0) });
 */
export function applyCircuit(state: Tensor, gates: Tensor, specIn: CircuitSpec): Tensor {
  if (specIn === undefined) throw new ArgumentError('applyCircuit: a spec { sites, localDim, steps } is required');
  const spec = optionsObject('applyCircuit', specIn, 'spec');
  const s0 = operand('circuit', state, 'state');
  const g = operand('circuit', gates, 'gates');
  validate(spec, s0, g);
  const steps = spec.steps.length;
  const budget = spec.checkpointBytes ?? 8 * 2 ** 20;
  const perState = stateBytes(spec, s0.dtype);
  const segment = steps * perState <= budget ? 1 : Math.max(1, Math.ceil(Math.sqrt(steps)));
  // Without recording (noGrad, or nothing requires gradients) no state is kept.
  const recording = isGradEnabled() && (s0.requiresGrad || g.requiresGrad);
  const checkpoints = new Map<number, Tensor>();
  let current = s0;
  for (let s = 0; s < steps; s++) {
    if (recording && s % segment === 0) checkpoints.set(s, current);
    const next = stepForward(spec, spec.steps[s]!, current, g);
    if (current !== s0 && !checkpoints.has(s)) current.dispose();
    current = next;
  }
  if (steps === 0) return s0;
  const release = (): void => {
    for (const t of checkpoints.values()) if (t !== s0) t.dispose();
  };
  const out = record('circuit', [s0, g], current, { spec, checkpoints, segment, release } satisfies CircuitSaved);
  if (out.node === null) release(); // not recorded: nobody will need the checkpoints
  return out;
}

/** @internal The backward of applyCircuit: [dState, dGates]. */
export function circuitBackward(gradient: Tensor, state: Tensor, gates: Tensor, output: Tensor, saved: CircuitSaved): [Tensor, Tensor] {
  if (isGradEnabled()) throw new ArgumentError('backward: createGraph (second-order gradients) is not supported through a gate circuit');
  const { spec, checkpoints, segment } = saved;
  const dtype = state.dtype;
  const bytes = bytesPerElement(dtype);
  const k = kernelsFor(dtype);
  const dGates = Tensor.empty(gates.shape, dtype, 'circuit gradient');
  k.fill(dGates.ptr, 0, dGates.size);
  const steps = spec.steps.length;
  const gateScratch = Tensor.empty([gates.shape[1]!, gates.shape[2]!], dtype, 'circuit gradient');
  let g = gradient;
  const owned = new Set<Tensor>();
  for (let start = Math.floor((steps - 1) / segment) * segment; start >= 0; start -= segment) {
    const end = Math.min(steps, start + segment);
    // States before each step of the segment, recomputed from its checkpoint; after the last
    // step comes the next checkpoint (or the output).
    const states: Tensor[] = [checkpoints.get(start)!];
    for (let s = start; s < end - 1; s++) states.push(stepForward(spec, spec.steps[s]!, states[states.length - 1]!, gates));
    const after = end === steps ? output : checkpoints.get(end)!;
    for (let s = end - 1; s >= start; s--) {
      const step = spec.steps[s]!;
      const input = states[s - start]!;
      const dInput = Tensor.empty(input.shape, dtype, 'circuit gradient');
      if (step.kind === 'gate') {
        const [A, D, B] = gateLayout(spec, step.site);
        const offset = step.gate * D * D * bytes;
        // A gate may appear more than once: its gradient accumulates.
        k.gateBackward(dInput.ptr, gateScratch.ptr, g.ptr, input.ptr, gates.ptr + offset, A, D, B);
        k.axpy(D * D, 1, gateScratch.ptr, dGates.ptr + offset);
      } else {
        const y = s === end - 1 ? after : states[s - start + 1]!;
        const op = step.activation === 'relu' ? BinaryOp.reluBackward : step.activation === 'leakyRelu' ? BinaryOp.leakyReluBackward
          : step.activation === 'tanh' ? BinaryOp.tanhBackward : step.activation === 'sigmoid' ? BinaryOp.sigmoidBackward : -1;
        if (op < 0) kernels().u8.copyWithin(dInput.ptr, g.ptr, g.ptr + g.size * bytes);
        else k.binary(op, dInput.ptr, g.ptr, y.ptr, 1, kernels().descriptor([g.size], [1], [1]), step.slope ?? 0);
      }
      if (owned.has(g)) g.dispose();
      g = dInput;
      owned.add(g);
    }
    for (let i = 1; i < states.length; i++) states[i]!.dispose();
  }
  gateScratch.dispose();
  return [g, dGates];
}
