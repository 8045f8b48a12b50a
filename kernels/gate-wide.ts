// Gates of any size D with SIMD, for the layouts the D = 4 paths of gate.ts do not cover: local
// dimension d >= 3 (D = 9, 16, ...), D = 4 with B >= lanes not a multiple of the lanes, and D < 4.
// Written for both lane widths; gate.ts calls it for float32 only (see there). Same maths:
//
//   applyGate:     out[a, o, b] = Σ_i G[o, i] · state[a, i, b]      (G[i, o] when transposed)
//   gateGradient:  dG[o, i] = Σ_{a,b} gOut[a, o, b] · state[a, i, b]
//
// B >= lanes: vectorised along b. The forward takes four output rows at a time (four vector
// accumulators), each output's sum over i in the order i = 0, 1, ... like the plain loop; the
// last vector of a row may overlap the one before it (out never aliases state, so an output
// computed twice is written twice with the same value). The gradient takes two rows o by four
// rows i at a time (eight accumulators) over every a and b, a partial vector for the tail of b
// (its zero lanes add nothing), each sum's lanes added in float64 at the end; rows past D in the
// last blocks repeat row D - 1 and are not stored.
//
// B = 1: a row of the state is D contiguous numbers. The forward takes a vector of outputs o at a
// time (four in float32, two in float64) as dot products of G's rows with vectors of i, adding
// each accumulator's lanes with shuffles (a partial vector for the tail of i); transposed (the
// backward's Gᵀ·g), G's row i is contiguous along o, so out[a, o·] = Σ_i state[a, i]·G[i, o·]
// needs no sums across lanes. The gradient is Σ_a gOut[a, o]·state[a, i·] with rows i in
// vectors, four rows o at a time.

import { madd } from './fma';
import { at, lanes, laneTotal, loadPartial, storePartial } from './lanes';

/** Gate coefficient G[o, i] (or G[i, o] when transposed). */
@inline
export function coefficient<T>(gate: usize, o: i32, i: i32, D: i32, transposed: bool): T {
  return load<T>(at<T>(gate, transposed ? <usize>(i * D + o) : <usize>(o * D + i)));
}

/** Forward for B >= lanes (any D). */
export function applyGateAlongB<T>(out: usize, state: usize, gate: usize, A: i32, D: i32, B: i32, transposed: bool): void {
  const L = lanes<T>();
  const rowBytes = <usize>B * sizeof<T>();
  for (let a = 0; a < A; a++) {
    const base = <usize>a * D * B;
    for (let b = 0; b < B; b += L) {
      const column = <usize>min(b, B - L);
      const source = at<T>(state, base + column);
      const target = at<T>(out, base + column);
      // Four rows o at a time; rows past D repeat row D - 1 and are not stored.
      for (let o = 0; o < D; o += 4) {
        const o1 = min(o + 1, D - 1), o2 = min(o + 2, D - 1), o3 = min(o + 3, D - 1);
        let s0 = v128.splat<T>(0), s1 = v128.splat<T>(0), s2 = v128.splat<T>(0), s3 = v128.splat<T>(0);
        let p = source;
        for (let i = 0; i < D; i++, p += rowBytes) {
          const x = v128.load(p);
          s0 = madd<T>(v128.splat<T>(coefficient<T>(gate, o, i, D, transposed)), x, s0);
          s1 = madd<T>(v128.splat<T>(coefficient<T>(gate, o1, i, D, transposed)), x, s1);
          s2 = madd<T>(v128.splat<T>(coefficient<T>(gate, o2, i, D, transposed)), x, s2);
          s3 = madd<T>(v128.splat<T>(coefficient<T>(gate, o3, i, D, transposed)), x, s3);
        }
        const row = target + <usize>o * rowBytes;
        v128.store(row, s0);
        if (o + 1 < D) v128.store(row + rowBytes, s1);
        if (o + 2 < D) v128.store(row + 2 * rowBytes, s2);
        if (o + 3 < D) v128.store(row + 3 * rowBytes, s3);
      }
    }
  }
}

// The lane sums of four vectors as one vector (float32), or of the first two (float64).
@inline
function laneSums<T>(s0: v128, s1: v128, s2: v128, s3: v128): v128 {
  if (sizeof<T>() == 4) {
    const t0 = f32x4.add(i32x4.shuffle(s0, s1, 0, 4, 1, 5), i32x4.shuffle(s0, s1, 2, 6, 3, 7));
    const t1 = f32x4.add(i32x4.shuffle(s2, s3, 0, 4, 1, 5), i32x4.shuffle(s2, s3, 2, 6, 3, 7));
    return f32x4.add(i64x2.shuffle(t0, t1, 0, 2), i64x2.shuffle(t0, t1, 1, 3));
  }
  return f64x2.add(i64x2.shuffle(s0, s1, 0, 2), i64x2.shuffle(s0, s1, 1, 3));
}

// `count` (<= lanes) elements at p as a vector, zeros in the other lanes.
@inline
function loadLanes<T>(p: usize, count: i32): v128 {
  return count == lanes<T>() ? v128.load(p) : loadPartial<T>(p, count);
}

// The vector of G's row o at entries i0 .. i0 + count.
@inline
function gateRow<T>(gate: usize, o: i32, i0: i32, count: i32, D: i32): v128 {
  return loadLanes<T>(at<T>(gate, <usize>(o * D + i0)), count);
}

/** Forward for B = 1 (any D). */
export function applyGateRows<T>(out: usize, state: usize, gate: usize, A: i32, D: i32, transposed: bool): void {
  const L = lanes<T>();
  const rowBytes = <usize>D * sizeof<T>();
  if (transposed) {
    for (let o = 0; o < D; o += L) {
      const count = min(L, D - o);
      let x = state, y = at<T>(out, <usize>o);
      for (let a = 0; a < A; a++, x += rowBytes, y += rowBytes) {
        let s = v128.splat<T>(0);
        for (let i = 0; i < D; i++) s = madd<T>(v128.splat<T>(load<T>(at<T>(x, <usize>i))), gateRow<T>(gate, i, o, count, D), s);
        if (count == L) v128.store(y, s);
        else storePartial<T>(y, s, count);
      }
    }
    return;
  }
  for (let o = 0; o < D; o += L) {
    const count = min(L, D - o);
    // Rows past D repeat row D - 1; their sums are not stored.
    const o1 = min(o + 1, D - 1), o2 = min(o + 2, D - 1), o3 = min(o + 3, D - 1);
    let x = state, y = at<T>(out, <usize>o);
    for (let a = 0; a < A; a++, x += rowBytes, y += rowBytes) {
      let s0 = v128.splat<T>(0), s1 = v128.splat<T>(0), s2 = v128.splat<T>(0), s3 = v128.splat<T>(0);
      for (let i = 0; i < D; i += L) {
        const n = min(L, D - i);
        const v = loadLanes<T>(x + <usize>i * sizeof<T>(), n);
        s0 = madd<T>(gateRow<T>(gate, o, i, n, D), v, s0);
        s1 = madd<T>(gateRow<T>(gate, o1, i, n, D), v, s1);
        if (sizeof<T>() == 4) {
          s2 = madd<T>(gateRow<T>(gate, o2, i, n, D), v, s2);
          s3 = madd<T>(gateRow<T>(gate, o3, i, n, D), v, s3);
        }
      }
      const sums = laneSums<T>(s0, s1, s2, s3);
      if (count == L) v128.store(y, sums);
      else storePartial<T>(y, sums, count);
    }
  }
}

/** Gradient for B >= lanes (any D): two rows o by four rows i at a time. */
export function gradientAlongB<T>(dGate: usize, gOut: usize, state: usize, A: i32, D: i32, B: i32): void {
  const L = lanes<T>();
  const rowBytes = <usize>B * sizeof<T>();
  for (let o = 0; o < D; o += 2) {
    const o1 = min(o + 1, D - 1);
    for (let i = 0; i < D; i += 4) {
      const i1 = min(i + 1, D - 1), i2 = min(i + 2, D - 1), i3 = min(i + 3, D - 1);
      let a00 = v128.splat<T>(0), a01 = v128.splat<T>(0), a02 = v128.splat<T>(0), a03 = v128.splat<T>(0);
      let a10 = v128.splat<T>(0), a11 = v128.splat<T>(0), a12 = v128.splat<T>(0), a13 = v128.splat<T>(0);
      for (let a = 0; a < A; a++) {
        const g = at<T>(gOut, <usize>a * D * B), s = at<T>(state, <usize>a * D * B);
        const g0 = g + <usize>o * rowBytes, g1 = g + <usize>o1 * rowBytes;
        const s0 = s + <usize>i * rowBytes, s1 = s + <usize>i1 * rowBytes, s2 = s + <usize>i2 * rowBytes, s3 = s + <usize>i3 * rowBytes;
        // Whole vectors of b, then a partial one (its zero lanes add nothing).
        for (let b = 0; b < B; b += L) {
          const n = min(L, B - b);
          const off = <usize>b * sizeof<T>();
          const y0 = loadLanes<T>(g0 + off, n), y1 = loadLanes<T>(g1 + off, n);
          const x0 = loadLanes<T>(s0 + off, n), x1 = loadLanes<T>(s1 + off, n), x2 = loadLanes<T>(s2 + off, n), x3 = loadLanes<T>(s3 + off, n);
          a00 = madd<T>(y0, x0, a00); a01 = madd<T>(y0, x1, a01); a02 = madd<T>(y0, x2, a02); a03 = madd<T>(y0, x3, a03);
          a10 = madd<T>(y1, x0, a10); a11 = madd<T>(y1, x1, a11); a12 = madd<T>(y1, x2, a12); a13 = madd<T>(y1, x3, a13);
        }
      }
      storeSums<T>(dGate, D, o, i, a00, a01, a02, a03);
      if (o + 1 < D) storeSums<T>(dGate, D, o + 1, i, a10, a11, a12, a13);
    }
  }
}

// dG[o, i + k] = the lane total of s_k, for the k with i + k < D.
@inline
function storeSums<T>(dGate: usize, D: i32, o: i32, i: i32, s0: v128, s1: v128, s2: v128, s3: v128): void {
  const row = at<T>(dGate, <usize>(o * D + i));
  store<T>(row, <T>laneTotal<T>(s0));
  if (i + 1 < D) store<T>(row, <T>laneTotal<T>(s1), sizeof<T>());
  if (i + 2 < D) store<T>(row, <T>laneTotal<T>(s2), 2 * sizeof<T>());
  if (i + 3 < D) store<T>(row, <T>laneTotal<T>(s3), 3 * sizeof<T>());
}

/** Gradient for B = 1 (any D): Σ_a gOut[a, o]·state[a, i·] with rows i in vectors, four rows o at a time. */
export function gradientRows<T>(dGate: usize, gOut: usize, state: usize, A: i32, D: i32): void {
  const L = lanes<T>();
  const rowBytes = <usize>D * sizeof<T>();
  for (let i = 0; i < D; i += L) {
    const n = min(L, D - i);
    for (let o = 0; o < D; o += 4) {
      const o1 = min(o + 1, D - 1), o2 = min(o + 2, D - 1), o3 = min(o + 3, D - 1);
      let s0 = v128.splat<T>(0), s1 = v128.splat<T>(0), s2 = v128.splat<T>(0), s3 = v128.splat<T>(0);
      let g = gOut, x = at<T>(state, <usize>i);
      for (let a = 0; a < A; a++, g += rowBytes, x += rowBytes) {
        const v = n == L ? v128.load(x) : loadPartial<T>(x, n);
        s0 = madd<T>(v128.splat<T>(load<T>(at<T>(g, <usize>o))), v, s0);
        s1 = madd<T>(v128.splat<T>(load<T>(at<T>(g, <usize>o1))), v, s1);
        s2 = madd<T>(v128.splat<T>(load<T>(at<T>(g, <usize>o2))), v, s2);
        s3 = madd<T>(v128.splat<T>(load<T>(at<T>(g, <usize>o3))), v, s3);
      }
      const rows: i32 = min(4, D - o);
      for (let k = 0; k < rows; k++) {
        const s = k == 0 ? s0 : k == 1 ? s1 : k == 2 ? s2 : s3;
        const p = at<T>(dGate, <usize>((o + k) * D + i));
        if (n == L) v128.store(p, s);
        else storePartial<T>(p, s, n);
      }
    }
  }
}
