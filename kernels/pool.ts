// 2-D pooling over planes [NC, H, W] (every (image, channel) plane is independent).
//
//   maxPool2d: the maximum of each window (NaN wins), with the flat in-plane index of the first
//              position attaining it, which the backward pass routes the gradient to.
//   avgPool2d: the window mean; with countIncludePad the divisor is KH·KW (padding counts as 0),
//              otherwise the number of in-image positions.
//   adaptiveAvgPool2d: output cell (oh, ow) averages rows [floor(oh·H/OH), ceil((oh+1)·H/OH)) and
//              likewise columns (PyTorch's rule).
// Geometry is validated by TypeScript: every window has at least one in-image position.

import { at } from './lanes';

// maxPool2d's 2 x 2 windows at stride 2 without padding (VGG's, LeNet's), float32: four outputs
// per step, each the first maximum (or first NaN) of its window in row-major order, as the
// general loop decides it: a candidate replaces the best when it is greater or NaN, unless the
// best is NaN already. The last OW mod 4 outputs of a row go through the general loop.
function maxPool2x2F32(out: usize, argmax: usize, x: usize, NC: i32, H: i32, W: i32, OH: i32, OW: i32): void {
  const wide = OW & ~3;
  const one = i32x4.splat(1), below = i32x4.splat(W), belowRight = i32x4.splat(W + 1);
  for (let p = 0; p < NC; p++) {
    const plane = x + <usize>p * H * W * 4;
    for (let oh = 0; oh < OH; oh++) {
      const top = plane + <usize>(2 * oh * W) * 4;
      const bottom = top + <usize>W * 4;
      const o = (<usize>p * OH + oh) * OW;
      for (let ow = 0; ow < wide; ow += 4) {
        const t0 = v128.load(top + (<usize>ow << 3)), t1 = v128.load(top + (<usize>ow << 3), 16);
        const b0 = v128.load(bottom + (<usize>ow << 3)), b1 = v128.load(bottom + (<usize>ow << 3), 16);
        // Candidates in window order: top-left, top-right, bottom-left, bottom-right.
        const c0 = i32x4.shuffle(t0, t1, 0, 2, 4, 6), c1 = i32x4.shuffle(t0, t1, 1, 3, 5, 7);
        const c2 = i32x4.shuffle(b0, b1, 0, 2, 4, 6), c3 = i32x4.shuffle(b0, b1, 1, 3, 5, 7);
        let best = c0;
        let at = i32x4.add(i32x4.splat(2 * oh * W + 2 * ow), i32x4(0, 2, 4, 6));
        const base = at;
        let take = v128.and(f32x4.eq(best, best), v128.or(f32x4.gt(c1, best), f32x4.ne(c1, c1)));
        best = v128.bitselect(c1, best, take);
        at = v128.bitselect(i32x4.add(base, one), at, take);
        take = v128.and(f32x4.eq(best, best), v128.or(f32x4.gt(c2, best), f32x4.ne(c2, c2)));
        best = v128.bitselect(c2, best, take);
        at = v128.bitselect(i32x4.add(base, below), at, take);
        take = v128.and(f32x4.eq(best, best), v128.or(f32x4.gt(c3, best), f32x4.ne(c3, c3)));
        best = v128.bitselect(c3, best, take);
        at = v128.bitselect(i32x4.add(base, belowRight), at, take);
        v128.store(out + ((o + ow) << 2), best);
        v128.store(argmax + ((o + ow) << 2), at);
      }
    }
  }
}

export function maxPool2d<T>(
  out: usize, argmax: usize, x: usize, NC: i32, H: i32, W: i32, OH: i32, OW: i32,
  KH: i32, KW: i32, strideH: i32, strideW: i32, padH: i32, padW: i32,
): void {
  let firstColumn = 0;
  if (sizeof<T>() == 4 && KH == 2 && KW == 2 && strideH == 2 && strideW == 2 && padH == 0 && padW == 0) {
    maxPool2x2F32(out, argmax, x, NC, H, W, OH, OW);
    firstColumn = OW & ~3;
    if (firstColumn == OW) return;
  }
  for (let p = 0; p < NC; p++) {
    const plane = at<T>(x, <usize>p * H * W);
    for (let oh = 0; oh < OH; oh++) {
      const h0 = max(oh * strideH - padH, 0), h1 = min(oh * strideH - padH + KH, H);
      for (let ow = firstColumn; ow < OW; ow++) {
        const w0 = max(ow * strideW - padW, 0), w1 = min(ow * strideW - padW + KW, W);
        let best = load<T>(at<T>(plane, <usize>(h0 * W + w0)));
        let bestAt = h0 * W + w0;
        for (let ih = h0; ih < h1 && best == best; ih++) {
          for (let iw = ih == h0 ? w0 + 1 : w0; iw < w1; iw++) {
            const v = load<T>(at<T>(plane, <usize>(ih * W + iw)));
            if (v > best || v != v) {
              best = v;
              bestAt = ih * W + iw;
              if (v != v) break;
            }
          }
        }
        const o = (<usize>p * OH + oh) * OW + ow;
        store<T>(at<T>(out, o), best);
        store<i32>(argmax + (o << 2), bestAt);
      }
    }
  }
}

/** dx[plane][argmax] += dy (dx initialised by the caller). */
export function maxPool2dBackward<T>(dx: usize, dy: usize, argmax: usize, NC: i32, H: i32, W: i32, OH: i32, OW: i32): void {
  for (let p = 0; p < NC; p++) {
    const plane = at<T>(dx, <usize>p * H * W);
    for (let q = 0; q < OH * OW; q++) {
      const o = <usize>p * OH * OW + q;
      const d = at<T>(plane, <usize>load<i32>(argmax + (o << 2)));
      store<T>(d, load<T>(d) + load<T>(at<T>(dy, o)));
    }
  }
}

@inline
function avgDivisor(h0: i32, h1: i32, w0: i32, w1: i32, KH: i32, KW: i32, countIncludePad: bool): i32 {
  return countIncludePad ? KH * KW : (h1 - h0) * (w1 - w0);
}

export function avgPool2d<T>(
  out: usize, x: usize, NC: i32, H: i32, W: i32, OH: i32, OW: i32,
  KH: i32, KW: i32, strideH: i32, strideW: i32, padH: i32, padW: i32, countIncludePad: bool,
): void {
  for (let p = 0; p < NC; p++) {
    const plane = at<T>(x, <usize>p * H * W);
    for (let oh = 0; oh < OH; oh++) {
      const h0 = max(oh * strideH - padH, 0), h1 = min(oh * strideH - padH + KH, H);
      for (let ow = 0; ow < OW; ow++) {
        const w0 = max(ow * strideW - padW, 0), w1 = min(ow * strideW - padW + KW, W);
        let s: T = 0;
        for (let ih = h0; ih < h1; ih++) for (let iw = w0; iw < w1; iw++) s += load<T>(at<T>(plane, <usize>(ih * W + iw)));
        store<T>(at<T>(out, (<usize>p * OH + oh) * OW + ow), s / <T>avgDivisor(h0, h1, w0, w1, KH, KW, countIncludePad));
      }
    }
  }
}

/** dx += the adjoint of avgPool2d applied to dy (dx initialised by the caller). */
export function avgPool2dBackward<T>(
  dx: usize, dy: usize, NC: i32, H: i32, W: i32, OH: i32, OW: i32,
  KH: i32, KW: i32, strideH: i32, strideW: i32, padH: i32, padW: i32, countIncludePad: bool,
): void {
  for (let p = 0; p < NC; p++) {
    const plane = at<T>(dx, <usize>p * H * W);
    for (let oh = 0; oh < OH; oh++) {
      const h0 = max(oh * strideH - padH, 0), h1 = min(oh * strideH - padH + KH, H);
      for (let ow = 0; ow < OW; ow++) {
        const w0 = max(ow * strideW - padW, 0), w1 = min(ow * strideW - padW + KW, W);
        const g = load<T>(at<T>(dy, (<usize>p * OH + oh) * OW + ow)) / <T>avgDivisor(h0, h1, w0, w1, KH, KW, countIncludePad);
        for (let ih = h0; ih < h1; ih++) {
          for (let iw = w0; iw < w1; iw++) {
            const d = at<T>(plane, <usize>(ih * W + iw));
            store<T>(d, load<T>(d) + g);
          }
        }
      }
    }
  }
}

@inline
function adaptiveStart(i: i32, inSize: i32, outSize: i32): i32 {
  return <i32>((<i64>i * inSize) / outSize);
}

@inline
function adaptiveEnd(i: i32, inSize: i32, outSize: i32): i32 {
  return <i32>(((<i64>(i + 1) * inSize) + outSize - 1) / outSize);
}

export function adaptiveAvgPool2d<T>(out: usize, x: usize, NC: i32, H: i32, W: i32, OH: i32, OW: i32): void {
  for (let p = 0; p < NC; p++) {
    const plane = at<T>(x, <usize>p * H * W);
    for (let oh = 0; oh < OH; oh++) {
      const h0 = adaptiveStart(oh, H, OH), h1 = adaptiveEnd(oh, H, OH);
      for (let ow = 0; ow < OW; ow++) {
        const w0 = adaptiveStart(ow, W, OW), w1 = adaptiveEnd(ow, W, OW);
        let s: T = 0;
        for (let ih = h0; ih < h1; ih++) for (let iw = w0; iw < w1; iw++) s += load<T>(at<T>(plane, <usize>(ih * W + iw)));
        store<T>(at<T>(out, (<usize>p * OH + oh) * OW + ow), s / <T>((h1 - h0) * (w1 - w0)));
      }
    }
  }
}

/** dx += the adjoint of adaptiveAvgPool2d applied to dy. */
export function adaptiveAvgPool2dBackward<T>(dx: usize, dy: usize, NC: i32, H: i32, W: i32, OH: i32, OW: i32): void {
  for (let p = 0; p < NC; p++) {
    const plane = at<T>(dx, <usize>p * H * W);
    for (let oh = 0; oh < OH; oh++) {
      const h0 = adaptiveStart(oh, H, OH), h1 = adaptiveEnd(oh, H, OH);
      for (let ow = 0; ow < OW; ow++) {
        const w0 = adaptiveStart(ow, W, OW), w1 = adaptiveEnd(ow, W, OW);
        const g = load<T>(at<T>(dy, (<usize>p * OH + oh) * OW + ow)) / <T>((h1 - h0) * (w1 - w0));
        for (let ih = h0; ih < h1; ih++) {
          for (let iw = w0; iw < w1; iw++) {
            const d = at<T>(plane, <usize>(ih * W + iw));
            store<T>(d, load<T>(d) + g);
          }
        }
      }
    }
  }
}
