// Convolution lowering for one image: im2col unfolds the receptive fields of a [C, H, W] image
// into a column matrix [C·KH·KW, OH·OW] (row (c, kh, kw), column (oh, ow)), so the convolution is
// one GEMM with the weight [OC, C·KH·KW]; col2im is its adjoint (it adds each column entry back
// to the pixel it came from, so overlapping windows accumulate). Rows of the column matrix are
// `ld` elements apart, so the columns of several images can sit side by side in one matrix
// [C·KH·KW, images·OH·OW] and one GEMM covers the whole batch.
//
// Geometry (validated by TypeScript): ih = oh·strideH - padH + kh·dilationH, likewise for w;
// positions outside the image read as 0 (and are skipped by col2im).

import { at } from './lanes';
import { addElements, copyElements, zeroElements } from './short-rows';


export function im2col<T>(
  cols: usize, ld: i32, image: usize, C: i32, H: i32, W: i32, KH: i32, KW: i32,
  strideH: i32, strideW: i32, padH: i32, padW: i32, dilationH: i32, dilationW: i32, OH: i32, OW: i32,
): void {
  if (strideH == 1 && strideW == 1 && OW == W) {
    shiftedPlanes<T>(cols, ld, image, C, H, W, KH, KW, padH, padW, dilationH, dilationW, OH);
    return;
  }
  let row = 0;
  for (let c = 0; c < C; c++) {
    const plane = at<T>(image, <usize>c * H * W);
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++) {
        const dst = at<T>(cols, <usize>row * ld);
        const dw = kw * dilationW - padW;
        for (let oh = 0; oh < OH; oh++) {
          const ih = oh * strideH - padH + kh * dilationH;
          const out = at<T>(dst, <usize>oh * OW);
          if (ih < 0 || ih >= H) {
            zeroElements<T>(out, OW);
            continue;
          }
          const src = at<T>(plane, <usize>ih * W);
          // Columns whose input position lies inside the row: ow in [first, last).
          let first = dw >= 0 ? 0 : (-dw + strideW - 1) / strideW;
          let last = (W - dw + strideW - 1) / strideW;
          if (first > OW) first = OW;
          if (last > OW) last = OW;
          if (last < first) last = first;
          zeroElements<T>(out, first);
          if (strideW == 1) {
            copyElements<T>(at<T>(out, first), at<T>(src, first + dw), last - first);
          } else {
            for (let ow = first; ow < last; ow++) store<T>(at<T>(out, ow), load<T>(at<T>(src, ow * strideW + dw)));
          }
          zeroElements<T>(at<T>(out, last), OW - last);
        }
        row++;
      }
    }
  }
}

// im2col for stride 1 with output rows as wide as the input's (OW == W, "same" padding): row
// (c, kh, kw) of the column matrix is plane c shifted by (dh, dw) = (kh·dilationH - padH,
// kw·dilationW - padW) with zeros where the shift leaves the image. On the flat plane that is one
// copy, src[i + dh·W + dw] for the rows that stay inside, and then, per row, |dw| entries that
// wrapped around from the neighbouring row set to zero: per plane rather than per row of 2-8
// elements (small maps). The copy's range leaves out the first (dw < 0) or last (dw > 0) entries,
// which are wrapped ones, so it never reads outside the plane.
function shiftedPlanes<T>(
  cols: usize, ld: i32, image: usize, C: i32, H: i32, W: i32, KH: i32, KW: i32,
  padH: i32, padW: i32, dilationH: i32, dilationW: i32, OH: i32,
): void {
  let row = 0;
  for (let c = 0; c < C; c++) {
    const plane = at<T>(image, <usize>c * H * W);
    for (let kh = 0; kh < KH; kh++) {
      const dh = kh * dilationH - padH;
      // Output rows [first, last) read input rows first + dh .. last + dh - 1.
      let first = max(0, -dh), last = min(OH, H - dh);
      if (last < first) last = first = 0;
      for (let kw = 0; kw < KW; kw++) {
        const dst = at<T>(cols, <usize>row * ld);
        const dw = kw * dilationW - padW;
        zeroElements<T>(dst, first * W);
        zeroElements<T>(at<T>(dst, <usize>last * W), (OH - last) * W);
        if (dw >= W || -dw >= W) {
          zeroElements<T>(at<T>(dst, <usize>first * W), (last - first) * W);
        } else if (last > first) {
          const begin = first * W + max(0, -dw), end = last * W - max(0, dw);
          copyElements<T>(at<T>(dst, begin), at<T>(plane, <usize>(begin + dh * W + dw)), end - begin);
          // The wrapped entries: columns [W - dw, W) of each row when dw > 0, [0, -dw) when dw < 0.
          const zeroFrom = dw > 0 ? W - dw : 0;
          const zeros = dw > 0 ? dw : -dw;
          for (let oh = first; oh < last; oh++) zeroElements<T>(at<T>(dst, <usize>(oh * W + zeroFrom)), zeros);
        }
        row++;
      }
    }
  }
}

/** image += col2im(cols): the adjoint of im2col (image must be initialised, usually to 0). */
export function col2im<T>(
  image: usize, cols: usize, ld: i32, C: i32, H: i32, W: i32, KH: i32, KW: i32,
  strideH: i32, strideW: i32, padH: i32, padW: i32, dilationH: i32, dilationW: i32, OH: i32, OW: i32,
): void {
  let row = 0;
  for (let c = 0; c < C; c++) {
    const plane = at<T>(image, <usize>c * H * W);
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++) {
        const srcRow = at<T>(cols, <usize>row * ld);
        const dw = kw * dilationW - padW;
        for (let oh = 0; oh < OH; oh++) {
          const ih = oh * strideH - padH + kh * dilationH;
          if (ih < 0 || ih >= H) continue;
          const dst = at<T>(plane, <usize>ih * W);
          const src = at<T>(srcRow, <usize>oh * OW);
          let first = dw >= 0 ? 0 : (-dw + strideW - 1) / strideW;
          let last = (W - dw + strideW - 1) / strideW;
          if (last > OW) last = OW;
          if (strideW == 1 && last > first) {
            addElements<T>(at<T>(dst, first + dw), at<T>(src, first), last - first);
            continue;
          }
          for (let ow = first; ow < last; ow++) {
            const p = at<T>(dst, ow * strideW + dw);
            store<T>(p, load<T>(p) + load<T>(at<T>(src, ow)));
          }
        }
        row++;
      }
    }
  }
}
