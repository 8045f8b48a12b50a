// Reference twin of kernels/circuit-pass.ts: a pass of circuit steps over blocks of the state, and
// its backward. Each block is read into a plain array by the block formula, the steps run one at a
// time in float64 (rounded to float32 after every step for float32, as the kernel stores them),
// and the result is written back; the backward recomputes the block's states and applies each
// step's rule in reverse, adding the gates' gradients into dGates.

import type { DtypeKernels } from '../../src/backend/kernel-exports.js';
import { elementIndex } from '../../src/backend/kernel-module.js';
import type { DtypeMemory } from './memory.js';
import { binaryScalarOp } from './binary.js';
import { unaryScalar } from './unary.js';

const PROGRAM_WORDS = 8;

interface Step { gate: boolean; word1: number; word2: number; word3: number; slope: number }

function readProgram(memory: DtypeMemory, program: number, steps: number): Step[] {
  const { i32, f64 } = memory.views;
  const list: Step[] = [];
  for (let t = 0; t < steps; t++) {
    const w = program / 4 + t * PROGRAM_WORDS;
    list.push({ gate: i32[w] === 0, word1: i32[w + 1]!, word2: i32[w + 2]!, word3: i32[w + 3]!, slope: f64[(w + 4) / 2]! });
  }
  return list;
}

// Element indices of block b, in the block's row-major order.
function blockIndices(R: number, W: number, S: number, chunks: number, H: number, b: number): number[] {
  const offset = Math.floor(b / chunks) * H + (b % chunks) * W;
  const indices: number[] = [];
  for (let r = 0; r < R; r++) for (let c = 0; c < W; c++) indices.push(offset + r * S + c);
  return indices;
}

function stepForward(memory: DtypeMemory, step: Step, x: number[], gates: number, D: number): number[] {
  const v = memory.view();
  const round = memory.bytes === 4 ? Math.fround : (y: number) => y;
  if (!step.gate) return x.map((value) => round(step.word1 < 0 ? value : unaryScalar(step.word1, value, step.slope, 0)));
  const g = elementIndex(gates + step.word1, memory.bytes);
  const A = step.word2, B = step.word3;
  const y = new Array<number>(x.length).fill(0);
  for (let a = 0; a < A; a++) {
    for (let o = 0; o < D; o++) {
      for (let b = 0; b < B; b++) {
        let s = 0;
        for (let i = 0; i < D; i++) s += v[g + o * D + i]! * x[(a * D + i) * B + b]!;
        y[(a * D + o) * B + b] = round(s);
      }
    }
  }
  return y;
}

function circuitPass(memory: DtypeMemory) {
  return (out: number, input: number, gates: number, program: number, steps: number, D: number,
    R: number, W: number, S: number, chunks: number, H: number, first: number, count: number): void => {
    const list = readProgram(memory, program, steps);
    const v = memory.view();
    const inBase = elementIndex(input, memory.bytes), outBase = elementIndex(out, memory.bytes);
    for (let b = first; b < first + count; b++) {
      const indices = blockIndices(R, W, S, chunks, H, b);
      let x = indices.map((i) => v[inBase + i]!);
      for (const step of list) x = stepForward(memory, step, x, gates, D);
      indices.forEach((i, k) => { v[outBase + i] = x[k]!; });
    }
  };
}

function circuitPassBackward(memory: DtypeMemory) {
  return (dInput: number, dGates: number, gradOut: number, input: number, gates: number, program: number, steps: number, D: number,
    R: number, W: number, S: number, chunks: number, H: number, first: number, count: number): void => {
    const list = readProgram(memory, program, steps);
    const v = memory.view();
    const bytes = memory.bytes;
    for (let b = first; b < first + count; b++) {
      const indices = blockIndices(R, W, S, chunks, H, b);
      const states = [indices.map((i) => v[elementIndex(input, bytes) + i]!)];
      for (const step of list) states.push(stepForward(memory, step, states[states.length - 1]!, gates, D));
      let g = indices.map((i) => v[elementIndex(gradOut, bytes) + i]!);
      for (let t = list.length - 1; t >= 0; t--) {
        const step = list[t]!;
        const x = states[t]!;
        if (step.gate) {
          const gate = elementIndex(gates + step.word1, bytes), sum = elementIndex(dGates + step.word1, bytes);
          const A = step.word2, B = step.word3;
          const dx = new Array<number>(x.length).fill(0);
          for (let a = 0; a < A; a++) {
            for (let b2 = 0; b2 < B; b2++) {
              for (let i = 0; i < D; i++) {
                let s = 0;
                for (let o = 0; o < D; o++) s += v[gate + o * D + i]! * g[(a * D + o) * B + b2]!;
                dx[(a * D + i) * B + b2] = s;
              }
            }
          }
          for (let o = 0; o < D; o++) {
            for (let i = 0; i < D; i++) {
              let s = 0;
              for (let a = 0; a < A; a++) for (let b2 = 0; b2 < B; b2++) s += g[(a * D + o) * B + b2]! * x[(a * D + i) * B + b2]!;
              v[sum + o * D + i] = v[sum + o * D + i]! + s;
            }
          }
          g = dx;
        } else {
          const y = states[t + 1]!;
          g = g.map((value, k) => (step.word2 < 0 ? value : binaryScalarOp(step.word2, value, y[k]!, step.slope)));
        }
      }
      indices.forEach((i, k) => { v[elementIndex(dInput, bytes) + i] = g[k]!; });
    }
  };
}

/** The reference factories of kernels/circuit-pass.ts, by family (the scratch argument is not used). */
export const circuitPassReferences: { [K in 'circuitPass' | 'circuitPassBackward']: (memory: DtypeMemory) => DtypeKernels[K] } = {
  circuitPass,
  circuitPassBackward,
};
