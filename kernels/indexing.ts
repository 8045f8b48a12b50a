// Index-driven movement along one axis of a contiguous array viewed as [outer, axis, inner].
// Indices are i32 and were validated by TypeScript (0 <= index < axisLength).
//
//   indexSelect:  out[o, j, i] = src[o, idx[j], i]              (j < count)
//   indexAdd:     dst[o, idx[j], i] += src[o, j, i]             (the backward of indexSelect)
//   gatherAlong:  out[o, j, i] = src[o, idx[o, j, i], i]        (take_along_axis)
//   scatterAlongAdd: dst[o, idx[o, j, i], i] += src[o, j, i]    (the backward of gatherAlong)
//
// Repeated indices accumulate in the add forms, so the gradient of a repeated pick is summed.

import { at } from './lanes';

export function indexSelect<T>(out: usize, src: usize, idx: usize, outer: i32, axisLength: i32, count: i32, inner: i32): void {
  const rowBytes = <usize>inner * sizeof<T>();
  for (let o = 0; o < outer; o++) {
    const srcBase = at<T>(src, <usize>o * axisLength * inner);
    let dst = at<T>(out, <usize>o * count * inner);
    for (let j = 0; j < count; j++) {
      const k = load<i32>(idx + (<usize>j << 2));
      memory.copy(dst, srcBase + <usize>k * rowBytes, rowBytes);
      dst += rowBytes;
    }
  }
}

export function indexAdd<T>(dst: usize, src: usize, idx: usize, outer: i32, axisLength: i32, count: i32, inner: i32): void {
  for (let o = 0; o < outer; o++) {
    const dstBase = at<T>(dst, <usize>o * axisLength * inner);
    let s = at<T>(src, <usize>o * count * inner);
    for (let j = 0; j < count; j++) {
      const d = at<T>(dstBase, <usize>load<i32>(idx + (<usize>j << 2)) * inner);
      for (let i = 0; i < inner; i++) store<T>(at<T>(d, i), load<T>(at<T>(d, i)) + load<T>(at<T>(s, i)));
      s = at<T>(s, inner);
    }
  }
}

export function gatherAlong<T>(out: usize, src: usize, idx: usize, outer: i32, axisLength: i32, count: i32, inner: i32): void {
  for (let o = 0; o < outer; o++) {
    const srcBase = at<T>(src, <usize>o * axisLength * inner);
    for (let j = 0; j < count; j++) {
      const flat = (<usize>o * count + j) * inner;
      for (let i = 0; i < inner; i++) {
        const k = load<i32>(idx + ((flat + i) << 2));
        store<T>(at<T>(out, flat + i), load<T>(at<T>(srcBase, <usize>k * inner + i)));
      }
    }
  }
}

export function scatterAlongAdd<T>(dst: usize, src: usize, idx: usize, outer: i32, axisLength: i32, count: i32, inner: i32): void {
  for (let o = 0; o < outer; o++) {
    const dstBase = at<T>(dst, <usize>o * axisLength * inner);
    for (let j = 0; j < count; j++) {
      const flat = (<usize>o * count + j) * inner;
      for (let i = 0; i < inner; i++) {
        const k = load<i32>(idx + ((flat + i) << 2));
        const d = at<T>(dstBase, <usize>k * inner + i);
        store<T>(d, load<T>(d) + load<T>(at<T>(src, flat + i)));
      }
    }
  }
}
