// A circuit of two-site gates and elementwise activations applied to a state vector, as one
// differentiable primitive: the ADTN weight generator runs through it. The steps are grouped into
// passes (circuit-passes.ts) that each run block by block over the state in one kernel call per
// thread (kernels/circuit-pass.ts): the state crosses memory once per pass, not once per gate. The
// backward pass walks the passes in reverse; inside a block it recomputes the pass's states (they
// stay in cache) and applies the fused gate backward (gradient to the state and to the gate).
//
// Memory: the backward pass needs the state before every pass. When they all fit in the
// checkpoint budget they are kept; otherwise only every s-th state is kept (s ~ sqrt(passes)) and
// each segment is recomputed from its checkpoint during the backward pass, which costs about one
// extra forward pass and keeps ~2·sqrt(passes) states instead of all of them. The default budget
// (128 MiB) keeps every state of FC-2's fc1 circuit (Q = 20, M = 8: 17 passes of 4 MiB, M = 14: 29):
// measured there with two threads, forward + backward took 63 ms keeping them and 77 ms recomputing.
// (With one gate per step, before passes, states were 8 MiB at most: 127 states of 256 KiB at
// Q = 16 made the forward pass 2.7x slower, every state going out to memory and back; a pass
// writes its output state anyway, so keeping it costs memory, not time.)
//
// Activations are differentiated from their output (relu, leaky relu: y > 0 iff x > 0; tanh:
// 1 - y²; sigmoid: y(1 - y)), so the state after an activation is all that is needed.

import { ArgumentError, ShapeError, formatShape, optionsObject } from '../errors.js';
import { Tensor } from '../tensor.js';
import { kernels } from '../backend/engine.js';
import { isGradEnabled, record } from '../autograd/graph.js';
import { bytesPerElement, sameDtype } from '../tensor/dtype.js';
import { kernelsFor } from './kernel-set.js';
import { operand } from './operand.js';
import { planCircuitPasses, writeProgram, PROGRAM_WORDS, type CircuitPass } from './circuit-passes.js';
import { splitRange } from './parallel-kernels.js';

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
  /** Bytes the forward pass may keep for the backward pass (default 128 MiB). */
  checkpointBytes?: number;
  /** Bytes of the blocks a pass works on (default 32 KiB; see circuit-passes.ts). */
  blockBytes?: number;
}

export interface CircuitSaved {
  spec: CircuitSpec;
  /** The steps grouped into passes (circuit-passes.ts). */
  passes: readonly CircuitPass[];
  /** State before pass p, for the checkpointed passes (results, released with the step at the latest). */
  checkpoints: Map<number, Tensor>;
  segment: number;
  /** Called when the graph is freed: releases the checkpoints at once. */
  release(): void;
}

const DEFAULT_CHECKPOINT_BYTES = 128 * 2 ** 20;

// Below this many elements times steps a pass runs on the calling thread.
const SPLIT_WORK = 2 ** 15;

function stateBytes(spec: CircuitSpec, dtype: 'float32' | 'float64'): number {
  return spec.localDim ** spec.sites * bytesPerElement(dtype);
}

// The kernels' argument list for a pass's blocks [first, end): geometry and block range.
function passGeometry(pass: CircuitPass, d: number, first: number, end: number): number[] {
  return [d * d, pass.rows, pass.width, pass.rowStride, pass.chunks, pass.highStride, first, end - first];
}

// The programs of all passes in the engine's memory while `body` runs; programOf(p) is pass p's.
function withPrograms<R>(spec: CircuitSpec, passes: readonly CircuitPass[], bytes: number, body: (programOf: (p: number) => number) => R): R {
  const module = kernels();
  const offsets: number[] = [];
  let words = 0;
  for (const pass of passes) {
    offsets.push(words);
    words += pass.steps.length * PROGRAM_WORDS;
  }
  const ptr = module.allocator.alloc(Math.max(1, words) * 4, 'circuit program');
  try {
    const view = module.i32;
    passes.forEach((pass, p) => writeProgram(spec, pass, bytes, view, ptr / 4 + offsets[p]!));
    return body((p) => ptr + offsets[p]! * 4);
  } finally {
    module.allocator.free(ptr);
  }
}

// Scratch of `parts` parts of `bytes` each, for parts that run on different threads: each part's
// region starts on a cache line of its own, a line apart from the next. (Packed back to back at
// the allocator's 16-byte alignment, two parts shared the line at their boundary, which both
// threads wrote for every block: a pass on two threads ran 1.4x faster than on one; 1.9x apart.)
const CACHE_LINE = 64;

function partScratch<R>(parts: number, bytes: number, owner: string, body: (at: (part: number) => number) => R): R {
  const module = kernels();
  const stride = Math.ceil(bytes / CACHE_LINE) * CACHE_LINE + CACHE_LINE;
  const ptr = module.allocator.alloc(parts * stride + CACHE_LINE, owner);
  const first = Math.ceil(ptr / CACHE_LINE) * CACHE_LINE;
  try {
    return body((part) => first + part * stride);
  } finally {
    module.allocator.free(ptr);
  }
}

// How many threads a pass splits over: one for a pass of one block or of little work.
function passThreads(pass: CircuitPass, size: number): number {
  return pass.blocks < 2 || size * pass.steps.length < SPLIT_WORK ? 1 : Math.min(kernels().pool.active, pass.blocks);
}

// Runs one pass forward into a fresh tensor, its blocks split across the threads (an exact split:
// each block is computed the same way whoever computes it).
function passForward(spec: CircuitSpec, pass: CircuitPass, program: number, state: Tensor, gates: Tensor): Tensor {
  const module = kernels();
  const bytes = bytesPerElement(state.dtype);
  const out = Tensor.empty(state.shape, state.dtype, 'circuit');
  const parts = splitRange(pass.blocks, passThreads(pass, state.size), 1);
  const name = `circuitPass${state.dtype === 'float32' ? 'F32' : 'F64'}`;
  try {
    partScratch(parts.length, 2 * pass.rows * pass.width * bytes, 'circuit pass', (scratch) => {
      module.pool.run(parts.map(([first, end], p) => [{
        name, args: [out.ptr, state.ptr, gates.ptr, program, pass.steps.length, ...passGeometry(pass, spec.localDim, first, end), scratch(p)],
      }]));
    });
  } catch (error) {
    out.dispose();
    throw error;
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
  for (const [name, value] of [['checkpointBytes', spec.checkpointBytes], ['blockBytes', spec.blockBytes]] as const) {
    if (value !== undefined && !(typeof value === 'number' && value > 0)) throw new ArgumentError(`circuit: ${name} must be a positive number of bytes, got ${String(value)}`);
  }
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
  if (spec.steps.length === 0) return s0;
  const bytes = bytesPerElement(s0.dtype);
  const passes = planCircuitPasses(spec, bytes);
  const budget = spec.checkpointBytes ?? DEFAULT_CHECKPOINT_BYTES;
  const segment = passes.length * stateBytes(spec, s0.dtype) <= budget ? 1 : Math.max(1, Math.ceil(Math.sqrt(passes.length)));
  // Without recording (noGrad, or nothing requires gradients) no state is kept.
  const recording = isGradEnabled() && (s0.requiresGrad || g.requiresGrad);
  const checkpoints = new Map<number, Tensor>();
  const release = (): void => {
    for (const t of checkpoints.values()) if (t !== s0) t.dispose();
  };
  const current = withPrograms(spec, passes, bytes, (programOf) => {
    let current = s0;
    try {
      passes.forEach((pass, p) => {
        if (recording && p % segment === 0) checkpoints.set(p, current);
        const next = passForward(spec, pass, programOf(p), current, g);
        if (current !== s0 && !checkpoints.has(p)) current.dispose();
        current = next;
      });
    } catch (error) {
      // A pass that failed (out of memory, a trap) leaves no state behind.
      if (current !== s0 && ![...checkpoints.values()].includes(current)) current.dispose();
      release();
      throw error;
    }
    return current;
  });
  const out = record('circuit', [s0, g], current, { spec, passes, checkpoints, segment, release } satisfies CircuitSaved);
  if (out.node === null) release(); // not recorded: nobody will need the checkpoints
  return out;
}

// The gradients of a pass's gates are summed per part into partials that are added in part order
// at the end; the parts are ranges of blocks, at most this many, chosen from the sizes alone, so
// the result is the same for any number of threads.
const GRADIENT_PARTS = 8;

/** @internal The backward of applyCircuit: [dState, dGates]. */
export function circuitBackward(gradient: Tensor, state: Tensor, gates: Tensor, _output: Tensor, saved: CircuitSaved): [Tensor, Tensor] {
  if (isGradEnabled()) throw new ArgumentError('backward: createGraph (second-order gradients) is not supported through a gate circuit');
  const { spec, passes, checkpoints, segment } = saved;
  const dtype = state.dtype;
  const bytes = bytesPerElement(dtype);
  const module = kernels();
  const k = kernelsFor(dtype);
  const D = spec.localDim ** 2;
  const partialElements = gates.size;
  const name = `circuitPassBackward${dtype === 'float32' ? 'F32' : 'F64'}`;
  // The gradient of the state after the pass at hand (the incoming one, then our own results).
  let g = gradient;

  // Pass p backward: g becomes the gradient of its input; its gates' gradients go into the partial sums.
  const passBackward = (p: number, input: Tensor, program: number, partial: (part: number) => number): void => {
    const pass = passes[p]!;
    const dInput = Tensor.empty(state.shape, dtype, 'circuit gradient');
    try {
      // The summation's parts (fixed by the sizes) run in contiguous groups, one per thread, so
      // each thread keeps the blocks it had in the forward pass; a group's parts share its scratch.
      const parts = splitRange(pass.blocks, Math.min(GRADIENT_PARTS, pass.blocks), 1);
      const groups = splitRange(parts.length, Math.min(passThreads(pass, state.size), parts.length), 1);
      partScratch(groups.length, ((pass.steps.length + 3) * pass.rows * pass.width + D * D) * bytes, 'circuit gradient', (scratch) => {
        module.pool.run(groups.map(([from, to], group) => parts.slice(from, to).map(([first, last], i) => ({
          name,
          args: [dInput.ptr, partial(from + i), g.ptr, input.ptr, gates.ptr, program, pass.steps.length,
            ...passGeometry(pass, spec.localDim, first, last), scratch(group)],
        }))));
      });
    } catch (error) {
      dInput.dispose();
      throw error;
    }
    if (g !== gradient) g.dispose();
    g = dInput;
  };

  try {
    // Each part's gate gradients in a region of its own (see partScratch).
    const dGates = partScratch(GRADIENT_PARTS, partialElements * bytes, 'circuit gradient', (partial) => {
      for (let part = 0; part < GRADIENT_PARTS; part++) k.fill(partial(part), 0, partialElements);
      withPrograms(spec, passes, bytes, (programOf) => {
        for (let start = Math.floor((passes.length - 1) / segment) * segment; start >= 0; start -= segment) {
          const end = Math.min(passes.length, start + segment);
          // States before each pass of the segment, recomputed from its checkpoint.
          const states: Tensor[] = [checkpoints.get(start)!];
          try {
            for (let p = start; p < end - 1; p++) states.push(passForward(spec, passes[p]!, programOf(p), states[states.length - 1]!, gates));
            for (let p = end - 1; p >= start; p--) passBackward(p, states[p - start]!, programOf(p), partial);
          } finally {
            for (let i = 1; i < states.length; i++) states[i]!.dispose();
          }
        }
      });
      const sum = Tensor.empty(gates.shape, dtype, 'circuit gradient');
      k.fill(sum.ptr, 0, sum.size);
      for (let part = 0; part < GRADIENT_PARTS; part++) k.axpy(partialElements, 1, partial(part), sum.ptr);
      return sum;
    });
    return [g, dGates];
  } catch (error) {
    if (g !== gradient) g.dispose();
    throw error;
  }
}
