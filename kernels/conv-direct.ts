// Direct convolution by taps, for stride-1 convolutions: no column matrix.
//
// The input is padded once (by TypeScript) into planes of Hp x Wp (the zero padding written out),
// and the output is computed on the same row pitch: output position o = oh·Wp + ow, so tap
// t = (c, kh, kw) of a stride-1 convolution reads input element c·Hp·Wp + kh·dh·Wp + kw·dw + o
// for every o. A tap is one byte offset, offsets[t], and the convolution is
//
//   out[r][o] = Σ_t W[r][t] · input[offsets[t] + o]                       (directConv)
//
// a GEMM whose B operand is the input itself, read at NR consecutive positions per tap: the GEMM's
// micro-kernel (an MR x NR tile in registers, weights packed by the GEMM's packA) runs on it
// without packing B. The positions ow >= OW of a row (Wp - OW of them) are computed and thrown
// away by the caller; so are rows past the output's. The weight gradient correlates the output
// gradient (same pitch, zero at the thrown-away positions) with the same taps:
//
//   dW[r][t] += Σ_o dY[r][o] · input[offsets[t] + o]                       (directConvWeightGrad)
//
// in 3 x 3 groups of (row, tap) accumulated in vectors along o and summed across lanes at the end
// of each image. (The zeros of dY at the thrown-away positions meet real input values there, so an
// infinite input makes NaN where the column matrix would not; finite inputs give finite sums.) The input gradient of a stride-1 convolution is itself a stride-1 convolution of
// the padded output gradient with the flipped, transposed weights (conv.ts arranges it).
//
// Reads: directConv reads input up to offsets[t] + positions rounded up to NR, the weight gradient
// up to offsets[t] + vectors·lanes; the caller's buffers extend that far (zeros past the last plane).

import { madd } from './fma';
import { MR, NV, nr, packA, slots } from './gemm';
import { at, laneTotal } from './lanes';

/** The micro-kernel tile of the direct convolution: MR rows | NV vectors of columns << 8. */
export function directConvTile(): i32 {
  return MR | (NV << 8);
}

// acc (+ C when accumulating) for one tile row of NV vectors (v2 unused when NV = 2).
@inline
function storeTileRow<T>(c: usize, v0: v128, v1: v128, v2: v128, accumulate: bool): void {
  if (accumulate) {
    v0 = v128.add<T>(v0, v128.load(c));
    v1 = v128.add<T>(v1, v128.load(c, 16));
    if (NV == 3) v2 = v128.add<T>(v2, v128.load(c, 32));
  }
  v128.store(c, v0);
  v128.store(c, v1, 16);
  if (NV == 3) v128.store(c, v2, 32);
}

// One MR x NR tile: c[r][0 .. NR) (+)= Σ_t ap[t][r] · b[offsets[t] .. + NR), stored for r < rows.
@inline
function tapTile<T>(taps: i32, ap: usize, b: usize, offsets: usize, c: usize, ldcBytes: usize, rows: i32, accumulate: bool): void {
  let a = ap;
  let offset = offsets;
  if (NV == 3) {
    let c00 = v128.splat<T>(0), c01 = v128.splat<T>(0), c02 = v128.splat<T>(0);
    let c10 = v128.splat<T>(0), c11 = v128.splat<T>(0), c12 = v128.splat<T>(0);
    let c20 = v128.splat<T>(0), c21 = v128.splat<T>(0), c22 = v128.splat<T>(0);
    for (let t = 0; t < taps; t++) {
      const p = b + <usize>load<i32>(offset);
      const b0 = v128.load(p), b1 = v128.load(p, 16), b2 = v128.load(p, 32);
      let x = v128.load_splat<T>(a);
      c00 = madd<T>(x, b0, c00); c01 = madd<T>(x, b1, c01); c02 = madd<T>(x, b2, c02);
      x = v128.load_splat<T>(a, sizeof<T>());
      c10 = madd<T>(x, b0, c10); c11 = madd<T>(x, b1, c11); c12 = madd<T>(x, b2, c12);
      x = v128.load_splat<T>(a, 2 * sizeof<T>());
      c20 = madd<T>(x, b0, c20); c21 = madd<T>(x, b1, c21); c22 = madd<T>(x, b2, c22);
      a += slots<T>() * sizeof<T>();
      offset += 4;
    }
    storeTileRow<T>(c, c00, c01, c02, accumulate);
    if (rows > 1) storeTileRow<T>(c + ldcBytes, c10, c11, c12, accumulate);
    if (rows > 2) storeTileRow<T>(c + 2 * ldcBytes, c20, c21, c22, accumulate);
  } else {
    let c00 = v128.splat<T>(0), c01 = v128.splat<T>(0);
    let c10 = v128.splat<T>(0), c11 = v128.splat<T>(0);
    let c20 = v128.splat<T>(0), c21 = v128.splat<T>(0);
    let c30 = v128.splat<T>(0), c31 = v128.splat<T>(0);
    for (let t = 0; t < taps; t++) {
      const p = b + <usize>load<i32>(offset);
      const b0 = v128.load(p), b1 = v128.load(p, 16);
      let x = v128.load_splat<T>(a);
      c00 = madd<T>(x, b0, c00); c01 = madd<T>(x, b1, c01);
      x = v128.load_splat<T>(a, sizeof<T>());
      c10 = madd<T>(x, b0, c10); c11 = madd<T>(x, b1, c11);
      x = v128.load_splat<T>(a, 2 * sizeof<T>());
      c20 = madd<T>(x, b0, c20); c21 = madd<T>(x, b1, c21);
      x = v128.load_splat<T>(a, 3 * sizeof<T>());
      c30 = madd<T>(x, b0, c30); c31 = madd<T>(x, b1, c31);
      a += slots<T>() * sizeof<T>();
      offset += 4;
    }
    storeTileRow<T>(c, c00, c01, c01, accumulate);
    if (rows > 1) storeTileRow<T>(c + ldcBytes, c10, c11, c11, accumulate);
    if (rows > 2) storeTileRow<T>(c + 2 * ldcBytes, c20, c21, c21, accumulate);
    if (rows > 3) storeTileRow<T>(c + 3 * ldcBytes, c30, c31, c31, accumulate);
  }
}

/**
 * out[n][r][o] (+)= Σ_t weight[r][tapFirst + t] · input[n][offsets[tapFirst + t] + o] for images
 * n < images, rows r < rows, taps t < taps and positions o < positions; image n of out starts
 * outImage elements after image n - 1 (rows outRow apart), of input inImage elements after;
 * weight rows are ldw elements apart; `offsets` holds one i32 byte offset per tap. With accumulate
 * the sums add to out, otherwise they overwrite it; nothing past `positions` is written. Input is
 * read up to offsets[t] + positions rounded up to NR (directConvTile). `work` holds
 * ceil(rows / MR)·slots·taps + MR·NR elements: the packed weights (slots = 4 for float32, MR for
 * float64) and one tile.
 */
export function directConv<T>(
  out: usize, outImage: i32, outRow: i32, input: usize, inImage: i32,
  weight: usize, ldw: i32, rows: i32, tapFirst: i32, taps: i32, offsets: usize,
  positions: i32, images: i32, accumulate: bool, work: usize,
): void {
  const NR = nr<T>();
  packA<T>(false, weight, ldw, 0, tapFirst, rows, taps, work);
  const tileScratch = at<T>(work, <usize>((rows + MR - 1) / MR) * slots<T>() * taps);
  const tapOffsets = offsets + (<usize>tapFirst << 2);
  const tileBytes = <usize>NR * sizeof<T>();
  const panelBytes = <usize>taps * slots<T>() * sizeof<T>();
  const rowBytes = <usize>outRow * sizeof<T>();
  const fullTiles = positions / NR;
  const rest = positions - fullTiles * NR;
  for (let n = 0; n < images; n++) {
    const image = at<T>(input, <usize>n * inImage);
    const outImageAt = at<T>(out, <usize>n * outImage);
    // Tiles outside, panels inside (the GEMM's order): one tile's input windows stay in L1 while
    // the packed weights stream past them.
    for (let tile = 0; tile < fullTiles; tile++) {
      const b = image + <usize>tile * tileBytes;
      const c = outImageAt + <usize>tile * tileBytes;
      for (let r = 0, panel = 0; r < rows; r += MR, panel++) {
        tapTile<T>(taps, work + <usize>panel * panelBytes, b, tapOffsets, c + <usize>r * rowBytes, rowBytes, rows - r, accumulate);
      }
    }
    if (rest == 0) continue;
    // The last, partial tile: through the scratch tile, of which `rest` columns are stored.
    const b = image + <usize>fullTiles * tileBytes;
    const c = outImageAt + <usize>fullTiles * tileBytes;
    for (let r = 0, panel = 0; r < rows; r += MR, panel++) {
      tapTile<T>(taps, work + <usize>panel * panelBytes, b, tapOffsets, tileScratch, tileBytes, MR, false);
      for (let i = 0; i < min(MR, rows - r); i++) {
        const row = c + <usize>(r + i) * rowBytes;
        for (let q = 0; q < rest; q++) {
          const p = at<T>(row, q);
          const v = load<T>(at<T>(tileScratch, i * NR + q));
          store<T>(p, accumulate ? load<T>(p) + v : v);
        }
      }
    }
  }
}

@inline
function addTo<T>(p: usize, v: v128): void {
  store<T>(p, <T>(<f64>load<T>(p) + laneTotal<T>(v)));
}

/**
 * dW[r][t] += Σ_n Σ_o gradOut[n][r][o] · input[n][offsets[t] + o] for rows r in
 * [rowFirst, rowFirst + rowCount) and taps t in [tapFirst, tapFirst + tapCount), o over `vectors`
 * vectors of each gradient row; dW rows are ldw elements apart; gradient rows gradRow elements
 * apart, images gradImage apart; input images inImage apart. Each entry sums over its image's
 * positions in lanes, then across lanes, then adds to dW image by image: the same order whatever
 * ranges of rows and taps a call covers.
 */
export function directConvWeightGrad<T>(
  dW: usize, ldw: i32, rowFirst: i32, rowCount: i32, tapFirst: i32, tapCount: i32,
  gradOut: usize, gradImage: i32, gradRow: i32, input: usize, inImage: i32, offsets: usize,
  vectors: i32, images: i32,
): void {
  const rowEnd = rowFirst + rowCount;
  const tapEnd = tapFirst + tapCount;
  for (let n = 0; n < images; n++) {
    const image = at<T>(input, <usize>n * inImage);
    const grad = at<T>(gradOut, <usize>n * gradImage);
    for (let r = rowFirst; r < rowEnd; r += 3) {
      // A group past the last row or tap repeats the group's first (its sums are not stored).
      const rows = min(3, rowEnd - r);
      const g0 = at<T>(grad, <usize>r * gradRow);
      const g1 = rows > 1 ? at<T>(g0, <usize>gradRow) : g0;
      const g2 = rows > 2 ? at<T>(g0, 2 * <usize>gradRow) : g0;
      for (let t = tapFirst; t < tapEnd; t += 3) {
        const taps = min(3, tapEnd - t);
        const x0 = image + <usize>load<i32>(offsets + (<usize>t << 2));
        const x1 = taps > 1 ? image + <usize>load<i32>(offsets + (<usize>(t + 1) << 2)) : x0;
        const x2 = taps > 2 ? image + <usize>load<i32>(offsets + (<usize>(t + 2) << 2)) : x0;
        let s00 = v128.splat<T>(0), s01 = v128.splat<T>(0), s02 = v128.splat<T>(0);
        let s10 = v128.splat<T>(0), s11 = v128.splat<T>(0), s12 = v128.splat<T>(0);
        let s20 = v128.splat<T>(0), s21 = v128.splat<T>(0), s22 = v128.splat<T>(0);
        for (let v = 0; v < vectors; v++) {
          const step = <usize>v << 4;
          const a0 = v128.load(g0 + step), a1 = v128.load(g1 + step), a2 = v128.load(g2 + step);
          let x = v128.load(x0 + step);
          s00 = madd<T>(a0, x, s00); s10 = madd<T>(a1, x, s10); s20 = madd<T>(a2, x, s20);
          x = v128.load(x1 + step);
          s01 = madd<T>(a0, x, s01); s11 = madd<T>(a1, x, s11); s21 = madd<T>(a2, x, s21);
          x = v128.load(x2 + step);
          s02 = madd<T>(a0, x, s02); s12 = madd<T>(a1, x, s12); s22 = madd<T>(a2, x, s22);
        }
        const d0 = at<T>(dW, <usize>r * ldw + t);
        addTo<T>(d0, s00);
        if (taps > 1) addTo<T>(d0 + sizeof<T>(), s01);
        if (taps > 2) addTo<T>(d0 + 2 * sizeof<T>(), s02);
        if (rows > 1) {
          const d1 = at<T>(d0, <usize>ldw);
          addTo<T>(d1, s10);
          if (taps > 1) addTo<T>(d1 + sizeof<T>(), s11);
          if (taps > 2) addTo<T>(d1 + 2 * sizeof<T>(), s12);
        }
        if (rows > 2) {
          const d2 = at<T>(d0, 2 * <usize>ldw);
          addTo<T>(d2, s20);
          if (taps > 1) addTo<T>(d2 + sizeof<T>(), s21);
          if (taps > 2) addTo<T>(d2 + 2 * sizeof<T>(), s22);
        }
      }
    }
  }
}

/**
 * The weights of the input gradient: out[c][r][KK - 1 - t] = w[r][c][t] for a weight [rows, C, KK]
 * (KK = KH·KW taps per channel): transposed channels, each window turned by 180 degrees.
 */
export function flipConvWeights<T>(out: usize, w: usize, rows: i32, C: i32, KK: i32): void {
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < C; c++) {
      const src = at<T>(w, (<usize>r * C + c) * KK);
      const dst = at<T>(out, (<usize>c * rows + r) * KK);
      for (let t = 0; t < KK; t++) store<T>(at<T>(dst, KK - 1 - t), load<T>(at<T>(src, t)));
    }
  }
}
