// Two-site gates on a state vector, the fused kernels of the ADTN generator.
//
// A state of Q sites of dimension d, where a gate acts on sites (q, q+1), is viewed as
// [A, D, B] with D = d·d, A = d^q, B = d^(Q-q-2):
//
//   applyGate:     out[a, o, b] = Σ_i G[o, i] · state[a, i, b]      (G is D x D, row-major;
//                  with `transposed`, G[i, o] is used: the state gradient of the backward pass)
//   gateGradient:  dG[o, i] = Σ_{a,b} gOut[a, o, b] · state[a, i, b]
//   gateBackward:  both of the above for one gate: dState = Gᵀ·gOut and dG, in one call.
//
// No permute: the kernels walk the state in place. For D = 4 (qubits) there are SIMD paths for
// every layout d = 2 produces (B a power of 2): vectorised along b when B is a multiple of the lane count (keeping 8 gate
// coefficients in registers and producing the outputs in two halves, so nothing spills; the
// halves run tile by tile, see TILES below), and
// dedicated paths for the last sites (B = 1, and B = 2 in float32) that vectorise across the
// contiguous (i, b) pairs of one row instead. Other sizes in float32 go through gate-wide.ts
// (vectorised along b when B >= lanes, across i when B = 1); plain loops are left for B = 2
// (D != 4) and 3 in float32, and for every other size in float64 (which serves gradient checks;
// its SIMD copies would push a page that bundles both kernel builds past 500 kB).

import { madd } from './fma';
import { applyGateAlongB, applyGateRows, coefficient, gradientAlongB, gradientRows } from './gate-wide';
import { at, lanes } from './lanes';


function applyGateScalar<T>(out: usize, state: usize, gate: usize, A: i32, D: i32, B: i32, transposed: bool): void {
  for (let a = 0; a < A; a++) {
    const base = <usize>a * D * B;
    for (let o = 0; o < D; o++) {
      for (let b = 0; b < B; b++) {
        let s: T = 0;
        for (let i = 0; i < D; i++) s += coefficient<T>(gate, o, i, D, transposed) * load<T>(at<T>(state, base + <usize>(i * B + b)));
        store<T>(at<T>(out, base + <usize>(o * B + b)), s);
      }
    }
  }
}

// D = 4, B a multiple of the lane count: rows i of one a are vectors along b. Outputs o = o0,
// o0 + 1 from the eight coefficients of those two rows, for a in [a0, a0 + count) and b in
// [b0, b1) (b0 and b1 multiples of the lane count).
@inline
function applyHalf<T>(out: usize, state: usize, gate: usize, a0: i32, count: i32, B: i32, b0: i32, b1: i32, transposed: bool, o0: i32): void {
  const L = lanes<T>();
  const g00 = v128.splat<T>(coefficient<T>(gate, o0, 0, 4, transposed)), g01 = v128.splat<T>(coefficient<T>(gate, o0, 1, 4, transposed));
  const g02 = v128.splat<T>(coefficient<T>(gate, o0, 2, 4, transposed)), g03 = v128.splat<T>(coefficient<T>(gate, o0, 3, 4, transposed));
  const g10 = v128.splat<T>(coefficient<T>(gate, o0 + 1, 0, 4, transposed)), g11 = v128.splat<T>(coefficient<T>(gate, o0 + 1, 1, 4, transposed));
  const g12 = v128.splat<T>(coefficient<T>(gate, o0 + 1, 2, 4, transposed)), g13 = v128.splat<T>(coefficient<T>(gate, o0 + 1, 3, 4, transposed));
  if (B == L) {
    // One vector per row: the rows of consecutive a are consecutive 64-byte groups.
    let s = at<T>(state, <usize>a0 * 4 * L);
    let d = at<T>(out, <usize>(a0 * 4 + o0) * L);
    for (let a = 0; a < count; a++, s += 64, d += 64) {
      const x0 = v128.load(s), x1 = v128.load(s, 16), x2 = v128.load(s, 32), x3 = v128.load(s, 48);
      v128.store(d, madd<T>(g03, x3, madd<T>(g02, x2, madd<T>(g01, x1, v128.mul<T>(g00, x0)))));
      v128.store(d, madd<T>(g13, x3, madd<T>(g12, x2, madd<T>(g11, x1, v128.mul<T>(g10, x0)))), 16);
    }
    return;
  }
  const rowBytes = <usize>B * sizeof<T>();
  for (let a = a0; a < a0 + count; a++) {
    const s0 = at<T>(state, <usize>a * 4 * B);
    const s1 = s0 + rowBytes, s2 = s1 + rowBytes, s3 = s2 + rowBytes;
    const d0 = at<T>(out, <usize>(a * 4 + o0) * B);
    const d1 = d0 + rowBytes;
    for (let b = b0; b < b1; b += L) {
      const off = <usize>b * sizeof<T>();
      const x0 = v128.load(s0 + off), x1 = v128.load(s1 + off), x2 = v128.load(s2 + off), x3 = v128.load(s3 + off);
      v128.store(d0 + off, madd<T>(g03, x3, madd<T>(g02, x2, madd<T>(g01, x1, v128.mul<T>(g00, x0)))));
      v128.store(d1 + off, madd<T>(g13, x3, madd<T>(g12, x2, madd<T>(g11, x1, v128.mul<T>(g10, x0)))));
    }
  }
}

// Column i of the 4x4 float32 matrix a gate applies, [M[0,i], M[1,i], M[2,i], M[3,i]] with M = G
// (or Gᵀ when transposed: then a row of G), from vector loads and shuffles, for use outside loops.
// (Built lane by lane with replace_lane, V8 rebuilt the columns inside the loop from spilled
// scalars: 16 inserts per row, 2x slower.)
@inline
function columnF32(gate: usize, i: i32, transposed: bool): v128 {
  if (transposed) return v128.load(gate + (<usize>i << 4));
  const g0 = v128.load(gate), g1 = v128.load(gate, 16), g2 = v128.load(gate, 32), g3 = v128.load(gate, 48);
  const lo = i < 2 ? i32x4.shuffle(g0, g1, 0, 4, 1, 5) : i32x4.shuffle(g0, g1, 2, 6, 3, 7);
  const hi = i < 2 ? i32x4.shuffle(g2, g3, 0, 4, 1, 5) : i32x4.shuffle(g2, g3, 2, 6, 3, 7);
  return (i & 1) == 0 ? i32x4.shuffle(lo, hi, 0, 1, 4, 5) : i32x4.shuffle(lo, hi, 2, 3, 6, 7);
}

// Half h of column i of the float64 matrix a gate applies: [M[2h, i], M[2h+1, i]], M = G (or Gᵀ
// when transposed: then half of row i of G), as columnF32.
@inline
function columnHalfF64(gate: usize, i: i32, h: i32, transposed: bool): v128 {
  if (transposed) return v128.load(gate + (<usize>i << 5) + (<usize>h << 4));
  // Rows 2h and 2h+1 of G, the 16-byte half holding column i.
  const half = <usize>(i < 2 ? 0 : 16);
  const upper = v128.load(gate + (<usize>h << 6) + half), lower = v128.load(gate + (<usize>h << 6) + 32 + half);
  return (i & 1) == 0 ? i64x2.shuffle(upper, lower, 0, 2) : i64x2.shuffle(upper, lower, 1, 3);
}

// D = 4, B = 1: each row is [state(a, 0..3)]; out row = Σ_i state(a, i)·column i of G.
// The row paths are calls, not inlined into applyGate: inlined next to the tile loops, V8's
// register allocation made the B = 2 path 1.35x slower (measured).
function applyRowsB1<T>(out: usize, state: usize, gate: usize, A: i32, transposed: bool): void {
  if (sizeof<T>() == 4) {
    const c0 = columnF32(gate, 0, transposed), c1 = columnF32(gate, 1, transposed);
    const c2 = columnF32(gate, 2, transposed), c3 = columnF32(gate, 3, transposed);
    // out row a = Σ_i state(a, i)·column i.
    let s = state;
    let d = out;
    for (let a = 0; a < A; a++, s += 16, d += 16) {
      const r = madd<f32>(v128.load32_splat(s, 12), c3, madd<f32>(v128.load32_splat(s, 8), c2,
        madd<f32>(v128.load32_splat(s, 4), c1, f32x4.mul(v128.load32_splat(s), c0))));
      v128.store(d, r);
    }
  } else {
    // float64: a row is two vectors; columns of the matrix likewise (lo = rows 0-1, hi = rows 2-3).
    const c0lo = columnHalfF64(gate, 0, 0, transposed), c0hi = columnHalfF64(gate, 0, 1, transposed);
    const c1lo = columnHalfF64(gate, 1, 0, transposed), c1hi = columnHalfF64(gate, 1, 1, transposed);
    const c2lo = columnHalfF64(gate, 2, 0, transposed), c2hi = columnHalfF64(gate, 2, 1, transposed);
    const c3lo = columnHalfF64(gate, 3, 0, transposed), c3hi = columnHalfF64(gate, 3, 1, transposed);
    for (let a = 0; a < A; a++) {
      const s = state + (<usize>a << 5);
      const x0 = v128.load64_splat(s), x1 = v128.load64_splat(s, 8), x2 = v128.load64_splat(s, 16), x3 = v128.load64_splat(s, 24);
      const d = out + (<usize>a << 5);
      v128.store(d, madd<f64>(x3, c3lo, madd<f64>(x2, c2lo, madd<f64>(x1, c1lo, f64x2.mul(x0, c0lo)))));
      v128.store(d, madd<f64>(x3, c3hi, madd<f64>(x2, c2hi, madd<f64>(x1, c1hi, f64x2.mul(x0, c0hi)))), 16);
    }
  }
}

// D = 4, B = 2, float32: row a is [s(0,0) s(0,1) s(1,0) s(1,1) | s(2,0) s(2,1) s(3,0) s(3,1)]
// (s(i, b)). The pair of input i splat to both halves, [s(i,0) s(i,1) s(i,0) s(i,1)], times
// [M[0,i] M[0,i] M[1,i] M[1,i]] (and rows 2, 3 for the upper half) sums to the output row's halves.
// Eight coefficient vectors stay in registers.
function applyRowsB2F32(out: usize, state: usize, gate: usize, A: i32, transposed: bool): void {
  const c0 = columnF32(gate, 0, transposed), c1 = columnF32(gate, 1, transposed);
  const c2 = columnF32(gate, 2, transposed), c3 = columnF32(gate, 3, transposed);
  const lo0 = i32x4.shuffle(c0, c0, 0, 0, 1, 1), hi0 = i32x4.shuffle(c0, c0, 2, 2, 3, 3);
  const lo1 = i32x4.shuffle(c1, c1, 0, 0, 1, 1), hi1 = i32x4.shuffle(c1, c1, 2, 2, 3, 3);
  const lo2 = i32x4.shuffle(c2, c2, 0, 0, 1, 1), hi2 = i32x4.shuffle(c2, c2, 2, 2, 3, 3);
  const lo3 = i32x4.shuffle(c3, c3, 0, 0, 1, 1), hi3 = i32x4.shuffle(c3, c3, 2, 2, 3, 3);
  let s = state;
  let d = out;
  for (let a = 0; a < A; a++, s += 32, d += 32) {
    const x0 = v128.load64_splat(s), x1 = v128.load64_splat(s, 8), x2 = v128.load64_splat(s, 16), x3 = v128.load64_splat(s, 24);
    v128.store(d, madd<f32>(x3, lo3, madd<f32>(x2, lo2, madd<f32>(x1, lo1, f32x4.mul(x0, lo0)))));
    v128.store(d, madd<f32>(x3, hi3, madd<f32>(x2, hi2, madd<f32>(x1, hi1, f32x4.mul(x0, hi0)))), 16);
  }
}

// TILES, for D = 4 and B a multiple of the lane count: each output half needs all four input rows,
// so the two halves (and, in the backward pass, the two gradients) run tile by tile while the
// tile's rows are in L1, instead of sweeping the whole state once per half. A tile is a block of
// whole rows [a0, a0 + count) when a row is shorter than the tile width, else a column range
// [b0, b1) of one a. Tile widths, measured (x64, L1 48 KiB, L2 1 MiB per core):
//  - a state that fits in L2 (Q = 16 in float32): 4 KiB per row; 512 B rows were 4-5% slower;
//  - a larger state streams from memory (Q = 24): 512 B per row. Against two whole sweeps this
//    made the forward gates 2x and the backward gates 1.7x faster (with 4 KiB rows only 1.3x
//    and 1.0x: the rows of a tile are a power of two apart, so 4 KiB tiles of the 12 rows the
//    backward pass touches (state, gradient in, gradient out) contend for the same L1 sets).
const IN_CACHE_STATE_BYTES = 1 << 20;

@inline
function tileWidth<T>(A: i32, B: i32): i32 {
  const stateBytes = <i64>A * 4 * B * sizeof<T>();
  return (stateBytes <= IN_CACHE_STATE_BYTES ? 4096 : 512) / sizeof<T>();
}

// The forward tile: both output halves of rows [a0, a0 + count), columns [b0, b1).
@inline
function applyTile<T>(out: usize, state: usize, gate: usize, a0: i32, count: i32, B: i32, b0: i32, b1: i32, transposed: bool): void {
  applyHalf<T>(out, state, gate, a0, count, B, b0, b1, transposed, 0);
  applyHalf<T>(out, state, gate, a0, count, B, b0, b1, transposed, 2);
}

// The backward tile: dState = Gᵀ·gOut and dG += gOut·stateᵀ over the tile.
@inline
function backwardTile<T>(dState: usize, dGate: usize, gOut: usize, state: usize, gate: usize, a0: i32, count: i32, B: i32, b0: i32, b1: i32): void {
  applyHalf<T>(dState, gOut, gate, a0, count, B, b0, b1, true, 0);
  applyHalf<T>(dState, gOut, gate, a0, count, B, b0, b1, true, 2);
  gradientHalf<T>(dGate, gOut, state, a0, count, B, b0, b1, 0, true);
  gradientHalf<T>(dGate, gOut, state, a0, count, B, b0, b1, 2, true);
}

// Walks an [A, 4, B] state tile by tile: the forward tile (out = G·input, Gᵀ when transposed) or,
// when `backward`, the backward tile (out = dState, input = gOut, dG accumulated into dGate from
// `state`). An empty state has no tiles.
@inline
function forEachTile<T>(backward: bool, out: usize, input: usize, state: usize, dGate: usize, gate: usize, A: i32, B: i32, transposed: bool): void {
  if (A <= 0 || B <= 0) return;
  const width = tileWidth<T>(A, B);
  if (B >= width) {
    for (let a = 0; a < A; a++) {
      for (let b = 0; b < B; b += width) {
        if (backward) backwardTile<T>(out, dGate, input, state, gate, a, 1, B, b, min(B, b + width));
        else applyTile<T>(out, input, gate, a, 1, B, b, min(B, b + width), transposed);
      }
    }
  } else {
    const rows = width / B;
    for (let a = 0; a < A; a += rows) {
      if (backward) backwardTile<T>(out, dGate, input, state, gate, a, min(rows, A - a), B, 0, B);
      else applyTile<T>(out, input, gate, a, min(rows, A - a), B, 0, B, transposed);
    }
  }
}

/** out = G·state along the middle axis of [A, D, B] (Gᵀ when transposed). out must not alias state. */
export function applyGate<T>(out: usize, state: usize, gate: usize, A: i32, D: i32, B: i32, transposed: bool): void {
  const L = lanes<T>();
  if (D == 4 && B % L == 0) {
    forEachTile<T>(false, out, state, 0, 0, gate, A, B, transposed);
  } else if (D == 4 && B == 1) {
    applyRowsB1<T>(out, state, gate, A, transposed);
  } else if (D == 4 && B == 2 && sizeof<T>() == 4) {
    applyRowsB2F32(out, state, gate, A, transposed);
  } else if (sizeof<T>() == 4 && B >= L) {
    applyGateAlongB<T>(out, state, gate, A, D, B, transposed);
  } else if (sizeof<T>() == 4 && B == 1) {
    applyGateRows<T>(out, state, gate, A, D, transposed);
  } else {
    applyGateScalar<T>(out, state, gate, A, D, B, transposed);
  }
}

function gateGradientScalar<T>(dGate: usize, gOut: usize, state: usize, A: i32, D: i32, B: i32): void {
  for (let o = 0; o < D; o++) {
    for (let i = 0; i < D; i++) {
      let s: f64 = 0;
      for (let a = 0; a < A; a++) {
        const base = <usize>a * D * B;
        for (let b = 0; b < B; b++) {
          s += <f64>load<T>(at<T>(gOut, base + <usize>(o * B + b))) * <f64>load<T>(at<T>(state, base + <usize>(i * B + b)));
        }
      }
      store<T>(at<T>(dGate, <usize>(o * D + i)), <T>s);
    }
  }
}

@inline
function hsum<T>(v: v128): T {
  if (sizeof<T>() == 4) {
    return <T>(f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
  }
  return <T>(f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1));
}

// D = 4, B a multiple of the lane count: dG rows o0, o0 + 1 over rows a0 .. a0 + count as 8
// vector accumulators, stored (or added, when `accumulate`) at the end.
@inline
function gradientHalf<T>(dGate: usize, gOut: usize, state: usize, a0: i32, count: i32, B: i32, b0: i32, b1: i32, o0: i32, accumulate: bool): void {
  const L = lanes<T>();
  let a00 = v128.splat<T>(0), a01 = v128.splat<T>(0), a02 = v128.splat<T>(0), a03 = v128.splat<T>(0);
  let a10 = v128.splat<T>(0), a11 = v128.splat<T>(0), a12 = v128.splat<T>(0), a13 = v128.splat<T>(0);
  if (B == L) {
    // One vector per row: the rows of consecutive a are consecutive 64-byte groups.
    let s = at<T>(state, <usize>a0 * 4 * L);
    let g = at<T>(gOut, <usize>(a0 * 4 + o0) * L);
    for (let a = 0; a < count; a++, s += 64, g += 64) {
      const x0 = v128.load(s), x1 = v128.load(s, 16), x2 = v128.load(s, 32), x3 = v128.load(s, 48);
      const y0 = v128.load(g), y1 = v128.load(g, 16);
      a00 = madd<T>(y0, x0, a00); a01 = madd<T>(y0, x1, a01); a02 = madd<T>(y0, x2, a02); a03 = madd<T>(y0, x3, a03);
      a10 = madd<T>(y1, x0, a10); a11 = madd<T>(y1, x1, a11); a12 = madd<T>(y1, x2, a12); a13 = madd<T>(y1, x3, a13);
    }
  } else {
    const rowBytes = <usize>B * sizeof<T>();
    for (let a = a0; a < a0 + count; a++) {
      const s0 = at<T>(state, <usize>a * 4 * B);
      const s1 = s0 + rowBytes, s2 = s1 + rowBytes, s3 = s2 + rowBytes;
      const g0 = at<T>(gOut, <usize>(a * 4 + o0) * B);
      const g1 = g0 + rowBytes;
      for (let b = b0; b < b1; b += L) {
        const off = <usize>b * sizeof<T>();
        const x0 = v128.load(s0 + off), x1 = v128.load(s1 + off), x2 = v128.load(s2 + off), x3 = v128.load(s3 + off);
        const y0 = v128.load(g0 + off), y1 = v128.load(g1 + off);
        a00 = madd<T>(y0, x0, a00); a01 = madd<T>(y0, x1, a01); a02 = madd<T>(y0, x2, a02); a03 = madd<T>(y0, x3, a03);
        a10 = madd<T>(y1, x0, a10); a11 = madd<T>(y1, x1, a11); a12 = madd<T>(y1, x2, a12); a13 = madd<T>(y1, x3, a13);
      }
    }
  }
  const d0 = at<T>(dGate, <usize>o0 * 4);
  const d1 = at<T>(d0, 4);
  storeSum<T>(d0, a00, accumulate); storeSum<T>(at<T>(d0, 1), a01, accumulate);
  storeSum<T>(at<T>(d0, 2), a02, accumulate); storeSum<T>(at<T>(d0, 3), a03, accumulate);
  storeSum<T>(d1, a10, accumulate); storeSum<T>(at<T>(d1, 1), a11, accumulate);
  storeSum<T>(at<T>(d1, 2), a12, accumulate); storeSum<T>(at<T>(d1, 3), a13, accumulate);
}

@inline
function storeSum<T>(ptr: usize, v: v128, accumulate: bool): void {
  store<T>(ptr, accumulate ? load<T>(ptr) + hsum<T>(v) : hsum<T>(v));
}

// D = 4, B = 1: dG[o, :] = Σ_a gOut(a, o)·state row a.
@inline
function gradientRowsB1<T>(dGate: usize, gOut: usize, state: usize, A: i32): void {
  if (sizeof<T>() == 4) {
    // Two rows per step, their products summed before the accumulator: with one multiply-add per
    // row into each of the four accumulators, the loop waited on the FMA latency (measured 1.6x
    // slower); eight accumulators spilled.
    let r0 = f32x4.splat(0), r1 = f32x4.splat(0), r2 = f32x4.splat(0), r3 = f32x4.splat(0);
    let a = 0;
    for (; a + 2 <= A; a += 2) {
      const x = v128.load(state + (<usize>a << 4)), y = v128.load(state + (<usize>a << 4), 16);
      const g = gOut + (<usize>a << 4);
      r0 = f32x4.add(r0, madd<f32>(v128.load32_splat(g, 16), y, f32x4.mul(v128.load32_splat(g), x)));
      r1 = f32x4.add(r1, madd<f32>(v128.load32_splat(g, 20), y, f32x4.mul(v128.load32_splat(g, 4), x)));
      r2 = f32x4.add(r2, madd<f32>(v128.load32_splat(g, 24), y, f32x4.mul(v128.load32_splat(g, 8), x)));
      r3 = f32x4.add(r3, madd<f32>(v128.load32_splat(g, 28), y, f32x4.mul(v128.load32_splat(g, 12), x)));
    }
    if (a < A) {
      const x = v128.load(state + (<usize>a << 4));
      const g = gOut + (<usize>a << 4);
      r0 = madd<f32>(v128.load32_splat(g), x, r0);
      r1 = madd<f32>(v128.load32_splat(g, 4), x, r1);
      r2 = madd<f32>(v128.load32_splat(g, 8), x, r2);
      r3 = madd<f32>(v128.load32_splat(g, 12), x, r3);
    }
    v128.store(dGate, r0); v128.store(dGate, r1, 16); v128.store(dGate, r2, 32); v128.store(dGate, r3, 48);
  } else {
    let r0lo = f64x2.splat(0), r0hi = f64x2.splat(0), r1lo = f64x2.splat(0), r1hi = f64x2.splat(0);
    let r2lo = f64x2.splat(0), r2hi = f64x2.splat(0), r3lo = f64x2.splat(0), r3hi = f64x2.splat(0);
    for (let a = 0; a < A; a++) {
      const s = state + (<usize>a << 5);
      const lo = v128.load(s), hi = v128.load(s, 16);
      const g = gOut + (<usize>a << 5);
      let y = v128.load64_splat(g);
      r0lo = madd<f64>(y, lo, r0lo); r0hi = madd<f64>(y, hi, r0hi);
      y = v128.load64_splat(g, 8);
      r1lo = madd<f64>(y, lo, r1lo); r1hi = madd<f64>(y, hi, r1hi);
      y = v128.load64_splat(g, 16);
      r2lo = madd<f64>(y, lo, r2lo); r2hi = madd<f64>(y, hi, r2hi);
      y = v128.load64_splat(g, 24);
      r3lo = madd<f64>(y, lo, r3lo); r3hi = madd<f64>(y, hi, r3hi);
    }
    v128.store(dGate, r0lo); v128.store(dGate, r0hi, 16); v128.store(dGate, r1lo, 32); v128.store(dGate, r1hi, 48);
    v128.store(dGate, r2lo, 64); v128.store(dGate, r2hi, 80); v128.store(dGate, r3lo, 96); v128.store(dGate, r3hi, 112);
  }
}

// D = 4, B = 2, float32: gOut pairs g(o, 0..1) broadcast to both halves multiply the state row's
// (i, b) pairs; lanes (0,1) of accumulator [o][h] sum to dG[o, 2h] and lanes (2,3) to dG[o, 2h+1].
@inline
function gradientRowsB2F32(dGate: usize, gOut: usize, state: usize, A: i32): void {
  let a00 = f32x4.splat(0), a01 = f32x4.splat(0), a10 = f32x4.splat(0), a11 = f32x4.splat(0);
  let a20 = f32x4.splat(0), a21 = f32x4.splat(0), a30 = f32x4.splat(0), a31 = f32x4.splat(0);
  for (let a = 0; a < A; a++) {
    const s = state + (<usize>a << 5);
    const p0 = v128.load(s), p1 = v128.load(s, 16);
    const g = gOut + (<usize>a << 5);
    const q0 = v128.load(g), q1 = v128.load(g, 16);
    let y = i32x4.shuffle(q0, q0, 0, 1, 0, 1);
    a00 = madd<f32>(y, p0, a00); a01 = madd<f32>(y, p1, a01);
    y = i32x4.shuffle(q0, q0, 2, 3, 2, 3);
    a10 = madd<f32>(y, p0, a10); a11 = madd<f32>(y, p1, a11);
    y = i32x4.shuffle(q1, q1, 0, 1, 0, 1);
    a20 = madd<f32>(y, p0, a20); a21 = madd<f32>(y, p1, a21);
    y = i32x4.shuffle(q1, q1, 2, 3, 2, 3);
    a30 = madd<f32>(y, p0, a30); a31 = madd<f32>(y, p1, a31);
  }
  storePairSums(dGate, a00, a01);
  storePairSums(dGate + 16, a10, a11);
  storePairSums(dGate + 32, a20, a21);
  storePairSums(dGate + 48, a30, a31);
}

@inline
function storePairSums(row: usize, lo: v128, hi: v128): void {
  store<f32>(row, f32x4.extract_lane(lo, 0) + f32x4.extract_lane(lo, 1));
  store<f32>(row, f32x4.extract_lane(lo, 2) + f32x4.extract_lane(lo, 3), 4);
  store<f32>(row, f32x4.extract_lane(hi, 0) + f32x4.extract_lane(hi, 1), 8);
  store<f32>(row, f32x4.extract_lane(hi, 2) + f32x4.extract_lane(hi, 3), 12);
}

/** dG[o, i] = Σ_{a,b} gOut[a, o, b]·state[a, i, b] (overwrites dGate, D x D). */
export function gateGradient<T>(dGate: usize, gOut: usize, state: usize, A: i32, D: i32, B: i32): void {
  const L = lanes<T>();
  if (D == 4 && B % L == 0) {
    gradientHalf<T>(dGate, gOut, state, 0, A, B, 0, B, 0, false);
    gradientHalf<T>(dGate, gOut, state, 0, A, B, 0, B, 2, false);
  } else if (D == 4 && B == 1) {
    gradientRowsB1<T>(dGate, gOut, state, A);
  } else if (D == 4 && B == 2 && sizeof<T>() == 4) {
    gradientRowsB2F32(dGate, gOut, state, A);
  } else if (sizeof<T>() == 4 && B >= L) {
    gradientAlongB<T>(dGate, gOut, state, A, D, B);
  } else if (sizeof<T>() == 4 && B == 1) {
    gradientRows<T>(dGate, gOut, state, A, D);
  } else {
    gateGradientScalar<T>(dGate, gOut, state, A, D, B);
  }
}

/**
 * The backward of out = G·state for one gate: dState = Gᵀ·gOut and dG as in gateGradient, in one
 * call (dState must not alias gOut).
 */
export function gateBackward<T>(dState: usize, dGate: usize, gOut: usize, state: usize, gate: usize, A: i32, D: i32, B: i32): void {
  if (D == 4 && B % lanes<T>() == 0) {
    for (let o = 0; o < 16; o++) store<T>(at<T>(dGate, o), <T>0);
    forEachTile<T>(true, dState, gOut, state, dGate, gate, A, B, true);
    return;
  }
  applyGate<T>(dState, gOut, gate, A, D, B, true);
  gateGradient<T>(dGate, gOut, state, A, D, B);
}
