// Several steps of a gate circuit (gate.ts) applied block by block: one trip of the state through
// memory per pass instead of one per gate.
//
// A pass's steps act inside a window of sites [lo, hi] (every gate of the pass is on sites q, q+1
// with lo <= q and q + 1 <= hi; activations act elementwise). The state's index splits into
// (high: sites below lo, row: sites lo..hi, column: sites above hi), and for each fixed high index
// and range of W columns the pass maps the R = d^(hi-lo+1) rows of those columns to themselves:
// such a block is independent of every other. Block b holds R rows of W elements,
//
//   row r of block b starts at element  offset(b) + r·S,   offset(b) = (b / chunks)·H + (b % chunks)·W,
//
// with S = d^(Q-hi-1) (the row stride), chunks = S / W and H = d^(Q-lo). When S == W (the window
// reaches the last site) a block is R·W contiguous elements and is read and written in place;
// otherwise it is gathered into scratch as an [R, W] array and scattered back at the end. Inside
// a gathered block a gate on site q is the usual [A, D, B] view with A = d^(q-lo) and
// B = d^(hi-q-1)·W, so every step runs through the single-gate kernels on data that stays in cache.
//
// Program: PROGRAM_WORDS i32 words per step,
//   gate:        [0, byte offset of the gate in `gates`, A, B, -, -, -, -]
//   activation:  [1, unary op code (-1: identity), backward binary op code (-1: identity), -, slope (f64 in words 4-5), -, -]
//
// The forward pass computes every output element with the same arithmetic, in the same order, as
// the single-gate kernels, so it equals running the steps one by one over the whole state. The
// backward pass recomputes the states inside each block (kept in scratch), walks the steps in
// reverse with gateBackward and the activations' rules, and adds each gate's gradient over the
// pass's blocks [first, first + count) into dGates (same layout as `gates`) in block order.

import { applyGate, gateBackward } from './gate';
import { activationBackward } from './binary';
import { unary } from './unary';
import { at, lanes } from './lanes';

const PROGRAM_WORDS = 8;
const KIND_GATE = 0;

@inline
function word(program: usize, step: i32, w: i32): i32 {
  return load<i32>(program + ((<usize>step * PROGRAM_WORDS + <usize>w) << 2));
}

@inline
function slopeOf<T>(program: usize, step: i32): T {
  return <T>load<f64>(program + ((<usize>step * PROGRAM_WORDS + 4) << 2));
}

@inline
function blockOffset(b: i32, chunks: i32, H: i32, W: i32): usize {
  return <usize>(b / chunks) * <usize>H + <usize>(b % chunks) * <usize>W;
}

// Gathers the [R, W] block at `strided` (rows S elements apart) into contiguous `packed`, or
// scatters it back when `scatter`.
function copyBlock<T>(packed: usize, strided: usize, R: i32, W: i32, S: i32, scatter: bool): void {
  const rowBytes = <usize>W * sizeof<T>();
  const strideBytes = <usize>S * sizeof<T>();
  if (W % lanes<T>() == 0) {
    for (let r = 0; r < R; r++, strided += strideBytes, packed += rowBytes) {
      for (let o: usize = 0; o < rowBytes; o += 16) {
        if (scatter) v128.store(strided + o, v128.load(packed + o));
        else v128.store(packed + o, v128.load(strided + o));
      }
    }
  } else {
    for (let r = 0; r < R; r++, strided += strideBytes, packed += rowBytes) {
      if (scatter) memory.copy(strided, packed, rowBytes);
      else memory.copy(packed, strided, rowBytes);
    }
  }
}

// Block data at element `offset` of `base`: in place when contiguous, else gathered into `buffer`.
@inline
function blockAt<T>(base: usize, offset: usize, contiguous: bool, buffer: usize, R: i32, W: i32, S: i32): usize {
  if (contiguous) return at<T>(base, offset);
  copyBlock<T>(buffer, at<T>(base, offset), R, W, S, false);
  return buffer;
}

// One step of the program on a block of n elements: dst = step(src).
@inline
function runStep<T>(program: usize, t: i32, dst: usize, src: usize, gates: usize, D: i32, n: i32): void {
  if (word(program, t, 0) == KIND_GATE) {
    applyGate<T>(dst, src, gates + <usize>word(program, t, 1), word(program, t, 2), D, word(program, t, 3), false);
  } else {
    const op = word(program, t, 1);
    if (op < 0) memory.copy(dst, src, <usize>n * sizeof<T>());
    else unary<T>(op, dst, src, n, slopeOf<T>(program, t), <T>0);
  }
}

/**
 * out = the program's `steps` steps applied to `input`, for blocks [first, first + count) (see the
 * file comment). scratch: 2·R·W elements. out must not alias input.
 */
export function circuitPass<T>(
  out: usize, input: usize, gates: usize, program: usize, steps: i32, D: i32,
  R: i32, W: i32, S: i32, chunks: i32, H: i32, first: i32, count: i32, scratch: usize,
): void {
  if (steps <= 0 || R <= 0 || W <= 0) return;
  const n = R * W;
  const contiguous = S == W;
  const blockBytes = <usize>n * sizeof<T>();
  for (let b = first; b < first + count; b++) {
    const offset = blockOffset(b, chunks, H, W);
    let src = blockAt<T>(input, offset, contiguous, scratch, R, W, S);
    for (let t = 0; t < steps; t++) {
      // Contiguous: input -> buffer 0 -> 1 -> ... -> out in place. Gathered: 0 -> 1 -> 0 ...,
      // scattered from the last one.
      const dst = contiguous && t == steps - 1 ? at<T>(out, offset) : scratch + <usize>((contiguous ? t : t + 1) & 1) * blockBytes;
      runStep<T>(program, t, dst, src, gates, D, n);
      src = dst;
    }
    if (!contiguous) copyBlock<T>(src, at<T>(out, offset), R, W, S, true);
  }
}

/**
 * The backward of circuitPass over blocks [first, first + count): dInput (the gradient of the
 * pass's input, written) from gradOut (of its output), and each gate's gradient added into
 * dGates. scratch: (steps + 3)·R·W + D·D elements.
 */
export function circuitPassBackward<T>(
  dInput: usize, dGates: usize, gradOut: usize, input: usize, gates: usize, program: usize, steps: i32, D: i32,
  R: i32, W: i32, S: i32, chunks: i32, H: i32, first: i32, count: i32, scratch: usize,
): void {
  if (steps <= 0 || R <= 0 || W <= 0) return;
  const n = R * W;
  const contiguous = S == W;
  const blockBytes = <usize>n * sizeof<T>();
  // Scratch: states 0..steps (state t is the input of step t), two gradient buffers, a gate's gradient.
  const gradients = scratch + <usize>(steps + 1) * blockBytes;
  const oneGate = gradients + 2 * blockBytes;
  // The state after the last step is needed only by an activation's rule.
  const lastIsGate = word(program, steps - 1, 0) == KIND_GATE;
  for (let b = first; b < first + count; b++) {
    const offset = blockOffset(b, chunks, H, W);
    const state0 = blockAt<T>(input, offset, contiguous, scratch, R, W, S);
    const recomputed = lastIsGate ? steps - 1 : steps;
    let src = state0;
    for (let t = 0; t < recomputed; t++) {
      const dst = scratch + <usize>(t + 1) * blockBytes;
      runStep<T>(program, t, dst, src, gates, D, n);
      src = dst;
    }
    let g = blockAt<T>(gradOut, offset, contiguous, gradients, R, W, S);
    for (let t = steps - 1; t >= 0; t--) {
      const dst = contiguous && t == 0 ? at<T>(dInput, offset) : (g == gradients ? gradients + blockBytes : gradients);
      const state = t == 0 ? state0 : scratch + <usize>t * blockBytes;
      if (word(program, t, 0) == KIND_GATE) {
        const offsetOfGate = <usize>word(program, t, 1);
        gateBackward<T>(dst, oneGate, g, state, gates + offsetOfGate, word(program, t, 2), D, word(program, t, 3));
        const sum = dGates + offsetOfGate;
        for (let e = 0; e < D * D; e++) store<T>(at<T>(sum, e), load<T>(at<T>(sum, e)) + load<T>(at<T>(oneGate, e)));
      } else {
        activationBackward<T>(word(program, t, 2), dst, g, scratch + <usize>(t + 1) * blockBytes, n, slopeOf<T>(program, t));
      }
      g = dst;
    }
    if (!contiguous) copyBlock<T>(g, at<T>(dInput, offset), R, W, S, true);
  }
}
