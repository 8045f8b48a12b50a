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

export function maxPool2d<T>(
  out: usize, argmax: usize, x: usize, NC: i32, H: i32, W: i32, OH: i32, OW: i32,
  KH: i32, KW: i32, strideH: i32, strideW: i32, padH: i32, padW: i32,
): void {
  for (let p = 0; p < NC; p++) {
    const plane = at<T>(x, <usize>p * H * W);
    for (let oh = 0; oh < OH; oh++) {
      const h0 = max(oh * strideH - padH, 0), h1 = min(oh * strideH - padH + KH, H);
      for (let ow = 0; ow < OW; ow++) {
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
