// A gate circuit's steps grouped into passes that each run block by block over the state
// (kernels/circuit-pass.ts), so the state crosses memory once per pass rather than once per gate,
// and the threads split a pass's blocks with one dispatch per pass.
//
// Windows. The sites are covered by overlapping windows [lo, hi] (neighbours share one site, so
// every gate (q, q+1) lies inside one of them). The last window reaches site Q-1: its blocks are
// contiguous runs of d^(Q-lo) entries. The others are gathered blocks of d^(hi-lo+1) rows by W
// columns. Window sizes are chosen so a block holds about `blockBytes` (default 32 KiB: the pass's
// scratch states stay in L2, and a block's gate is still hundreds of vectors of work); a state no
// larger than a few blocks is one window and one block.
//
// Scheduling. Steps that touch no common site commute, so a pass may take a step out of order: a
// pass in window w takes, scanning the remaining steps in order, every gate that lies inside w and
// touches no site of an earlier step it left behind, and every activation that no left-behind step
// precedes (an activation touches all sites). Each pass uses the window that takes the most steps.
// For ADTN's brick wall this is about two passes per layer: one over the low sites, one over the
// high sites with the layer's activation and the next layer's first gates.

import type { CircuitSpec, CircuitStep } from './circuit.js';
import { BinaryOp, UnaryOp } from '../backend/kernel-codes.js';

/** Default bytes of one block of a pass (see the file comment). */
export const DEFAULT_BLOCK_BYTES = 32 * 1024;
/** 32-bit words per step of a pass's program (kernels/circuit-pass.ts). */
export const PROGRAM_WORDS = 8;
// What a pass's backward may keep of one block's states (see planCircuitPasses).
const PASS_STATES_BYTES = 1024 * 1024;
// Columns of a gathered block: at least a cache line of float32.
const MIN_WIDTH_ELEMENTS = 16;

/** One pass: which steps, in which window, with the block geometry of the kernel. */
export interface CircuitPass {
  /** Indices into the spec's steps, in the order the pass runs them. */
  readonly steps: readonly number[];
  readonly lo: number;
  readonly hi: number;
  /** Rows R, width W, row stride S, chunks per high index and high stride H (elements). */
  readonly rows: number;
  readonly width: number;
  readonly rowStride: number;
  readonly chunks: number;
  readonly highStride: number;
  /** Blocks of R·W elements. */
  readonly blocks: number;
}

interface Window {
  lo: number;
  hi: number;
}

// Largest j with base^j <= limit (0 when limit < base).
function digitsBelow(limit: number, base: number): number {
  let j = 0;
  for (let p = base; p <= limit; p *= base) j++;
  return j;
}

// A state of at most this many blocks is one window: splitting it would add passes of a gate or
// two over the few sites left above the last window (Q = 14, M = 16: 33 passes instead of 18). Such
// a state (up to 128 KiB in float32) is one block, so its passes run on one thread.
const SINGLE_WINDOW_BLOCKS = 4;

function windowsFor(sites: number, d: number, blockElements: number): Window[] {
  if (d ** sites <= SINGLE_WINDOW_BLOCKS * blockElements || d === 1) return [{ lo: 0, hi: sites - 1 }];
  const windows: Window[] = [];
  let lo = Math.max(0, sites - Math.max(2, digitsBelow(blockElements, d)));
  windows.push({ lo, hi: sites - 1 });
  const span = Math.max(2, digitsBelow(blockElements / MIN_WIDTH_ELEMENTS, d));
  while (lo > 0) {
    const hi = lo;
    lo = Math.max(0, hi - span + 1);
    windows.push({ lo, hi });
  }
  return windows;
}

function geometry(window: Window, sites: number, d: number, blockElements: number): Omit<CircuitPass, 'steps'> {
  const { lo, hi } = window;
  const rows = d ** (hi - lo + 1);
  const rowStride = d ** (sites - hi - 1);
  // Gathered windows: as many columns as fill the block (a power of d dividing the row stride).
  const width = hi === sites - 1 ? 1 : Math.min(rowStride, d ** digitsBelow(Math.max(MIN_WIDTH_ELEMENTS, blockElements / rows), d));
  const chunks = rowStride / width;
  return { lo, hi, rows, width, rowStride, chunks, highStride: d ** (sites - lo), blocks: d ** lo * chunks };
}

// The steps a pass in `window` would take from `remaining` (see the file comment).
function takeable(steps: readonly CircuitStep[], remaining: readonly number[], window: Window, limit: number): number[] {
  const taken: number[] = [];
  const blocked = new Set<number>();
  let barrier = false;
  for (const s of remaining) {
    const step = steps[s]!;
    if (step.kind === 'activation') {
      if (blocked.size > 0) barrier = true;
      else taken.push(s);
    } else {
      const inside = step.site >= window.lo && step.site + 1 <= window.hi;
      if (inside && !blocked.has(step.site) && !blocked.has(step.site + 1)) taken.push(s);
      else {
        blocked.add(step.site);
        blocked.add(step.site + 1);
      }
    }
    if (barrier || taken.length === limit) break;
  }
  return taken;
}

/**
 * The passes of a circuit for a dtype of `bytes` bytes per element: every step exactly once, in an
 * order equivalent to the spec's.
 *
 * @example
 * planCircuitPasses({ sites: 20, localDim: 2, steps: brickWall(20, 2, 'relu', 0) }, 4).length;   // 5
 */
export function planCircuitPasses(spec: CircuitSpec, bytes: number): CircuitPass[] {
  const { sites, localDim: d } = spec;
  const blockElements = Math.max(1, Math.floor((spec.blockBytes ?? DEFAULT_BLOCK_BYTES) / bytes));
  const windows = windowsFor(sites, d, blockElements);
  // The backward pass keeps a block's state before every step of its pass: at most about
  // PASS_STATES_BYTES of them, so they stay in L2.
  const blockBytes = (windows.length === 1 ? d ** sites : blockElements) * bytes;
  const limit = Math.max(1, Math.floor(PASS_STATES_BYTES / blockBytes) - 3);
  let remaining = spec.steps.map((_, i) => i);
  const passes: CircuitPass[] = [];
  while (remaining.length > 0) {
    let best: number[] = [];
    let bestWindow = windows[0]!;
    for (const window of windows) {
      const taken = takeable(spec.steps, remaining, window, limit);
      if (taken.length > best.length) {
        best = taken;
        bestWindow = window;
      }
    }
    const chosen = new Set(best);
    remaining = remaining.filter((s) => !chosen.has(s));
    passes.push({ steps: best, ...geometry(bestWindow, sites, d, blockElements) });
  }
  return passes;
}

/**
 * A pass's program for the kernel: PROGRAM_WORDS words per step (gates' byte offsets into the gates
 * tensor for `bytes`-byte elements; activations' op codes and slope), written into `words` (an
 * Int32Array over 8-byte-aligned memory) at word `at`.
 */
export function writeProgram(spec: CircuitSpec, pass: CircuitPass, bytes: number, words: Int32Array, at: number): void {
  // The slope is a float64 in words 4-5 of a step: the program must start on an 8-byte boundary.
  if ((words.byteOffset / 4 + at) % 2 !== 0) throw new RangeError('writeProgram: the program must start on an 8-byte boundary');
  const d = spec.localDim;
  const D = d * d;
  const doubles = new Float64Array(words.buffer, words.byteOffset, Math.floor(words.length / 2));
  pass.steps.forEach((s, t) => {
    const step = spec.steps[s]!;
    const w = at + t * PROGRAM_WORDS;
    words.fill(0, w, w + PROGRAM_WORDS);
    if (step.kind === 'gate') {
      words[w + 1] = step.gate * D * D * bytes;
      words[w + 2] = d ** (step.site - pass.lo);
      words[w + 3] = d ** (pass.hi - step.site - 1) * pass.width;
    } else {
      words[w] = 1;
      const forward = step.activation === 'identity' ? -1 : UnaryOp[step.activation];
      const backward = step.activation === 'relu' ? BinaryOp.reluBackward : step.activation === 'leakyRelu' ? BinaryOp.leakyReluBackward
        : step.activation === 'tanh' ? BinaryOp.tanhBackward : step.activation === 'sigmoid' ? BinaryOp.sigmoidBackward : -1;
      words[w + 1] = forward;
      words[w + 2] = backward;
      doubles[(w + 4) / 2] = step.slope ?? 0;
    }
  });
}
