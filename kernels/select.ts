// where(cond, a, b) with broadcasting: out = cond != 0 ? a : b, elementwise over a contiguous
// out of shape `shape`; cond, a and b are read through per-axis element strides (0 when
// broadcast). cond has the element type of a and b. NaN in cond counts as true (it is != 0).
//
// desc (i32, caller-provided): shape[rank], condStrides[rank], aStrides[rank], bStrides[rank],
// then rank i32 of scratch for the odometer.

import { at } from './lanes';

@inline
function i32At(base: usize, index: i32): usize {
  return base + (<usize>index << 2);
}

export function select<T>(out: usize, cond: usize, a: usize, b: usize, rank: i32, desc: usize): void {
  if (rank == 0) {
    store<T>(out, load<T>(cond) != 0 ? load<T>(a) : load<T>(b));
    return;
  }
  const shape = desc;
  const cStrides = i32At(desc, rank);
  const aStrides = i32At(desc, 2 * rank);
  const bStrides = i32At(desc, 3 * rank);
  const counter = i32At(desc, 4 * rank);
  const last = rank - 1;
  const inner = load<i32>(i32At(shape, last));
  const sc = load<i32>(i32At(cStrides, last));
  const sa = load<i32>(i32At(aStrides, last));
  const sb = load<i32>(i32At(bStrides, last));
  let rows = 1;
  for (let d = 0; d < last; d++) {
    rows *= load<i32>(i32At(shape, d));
    store<i32>(i32At(counter, d), 0);
  }
  let offC: isize = 0, offA: isize = 0, offB: isize = 0;
  let o = out;
  for (let r = 0; r < rows; r++) {
    const c0 = cond + offC * sizeof<T>(), a0 = a + offA * sizeof<T>(), b0 = b + offB * sizeof<T>();
    for (let i = 0; i < inner; i++) {
      const keep = load<T>(at<T>(c0, <usize>(i * sc))) != 0;
      store<T>(at<T>(o, i), keep ? load<T>(at<T>(a0, <usize>(i * sa))) : load<T>(at<T>(b0, <usize>(i * sb))));
    }
    o = at<T>(o, inner);
    for (let d = last - 1; d >= 0; d--) {
      const count = load<i32>(i32At(counter, d)) + 1;
      offC += load<i32>(i32At(cStrides, d));
      offA += load<i32>(i32At(aStrides, d));
      offB += load<i32>(i32At(bStrides, d));
      if (count < load<i32>(i32At(shape, d))) {
        store<i32>(i32At(counter, d), count);
        break;
      }
      offC -= <isize>load<i32>(i32At(cStrides, d)) * count;
      offA -= <isize>load<i32>(i32At(aStrides, d)) * count;
      offB -= <isize>load<i32>(i32At(bStrides, d)) * count;
      store<i32>(i32At(counter, d), 0);
    }
  }
}
