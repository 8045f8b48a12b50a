// Fused update y = alpha·x + y over contiguous arrays (the building block of gradient
// accumulation and plain SGD).

import { madd } from './fma';
import { at, lanes, loadPartial, storePartial } from './lanes';

export function axpy<T>(n: i32, alpha: T, x: usize, y: usize): void {
  const L = lanes<T>();
  const va = v128.splat<T>(alpha);
  let i = 0;
  for (; i + L <= n; i += L) {
    const py = at<T>(y, i);
    v128.store(py, madd<T>(va, v128.load(at<T>(x, i)), v128.load(py)));
  }
  if (i < n) {
    const py = at<T>(y, i);
    storePartial<T>(py, madd<T>(va, loadPartial<T>(at<T>(x, i), n - i), loadPartial<T>(py, n - i)), n - i);
  }
}
