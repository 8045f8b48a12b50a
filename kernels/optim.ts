// Fused optimizer updates over contiguous parameter, gradient and state arrays (one pass each),
// following PyTorch's definitions.
//
//   sgdStep:  g = grad + wd·param; with momentum, buf = first ? g : μ·buf + (1 - dampening)·g and
//             g = nesterov ? g + μ·buf : buf; param -= lr·g.
//   adamStep: Adam (L2 weight decay added to the gradient) or AdamW (decoupled: param *= 1 - lr·wd);
//             m = β1·m + (1 - β1)·g, v = β2·v + (1 - β2)·g²,
//             param -= lr·(m / bias1) / (sqrt(v / bias2) + eps), bias_k = 1 - β_k^t.

import { at, lanes, loadPartial, storePartial } from './lanes';

export function sgdStep<T>(
  param: usize, grad: usize, buffer: usize, n: i32, lr: T, momentum: T, dampening: T, weightDecay: T, nesterov: bool, first: bool,
): void {
  const L = lanes<T>();
  const vlr = v128.splat<T>(lr), vmu = v128.splat<T>(momentum), vkeep = v128.splat<T>(<T>1 - dampening), vwd = v128.splat<T>(weightDecay);
  const hasMomentum = momentum != 0;
  for (let i = 0; i < n; i += L) {
    const count = min(L, n - i);
    const pp = at<T>(param, i), gp = at<T>(grad, i), bp = at<T>(buffer, i);
    const full = count == L;
    const p = full ? v128.load(pp) : loadPartial<T>(pp, count);
    const g = full ? v128.load(gp) : loadPartial<T>(gp, count);
    const b = !hasMomentum ? v128.splat<T>(0) : full ? v128.load(bp) : loadPartial<T>(bp, count);
    let d = v128.add<T>(g, v128.mul<T>(vwd, p));
    let buf = b;
    if (hasMomentum) {
      buf = first ? d : v128.add<T>(v128.mul<T>(vmu, b), v128.mul<T>(vkeep, d));
      d = nesterov ? v128.add<T>(d, v128.mul<T>(vmu, buf)) : buf;
    }
    const updated = v128.sub<T>(p, v128.mul<T>(vlr, d));
    if (full) {
      v128.store(pp, updated);
      if (hasMomentum) v128.store(bp, buf);
    } else {
      storePartial<T>(pp, updated, count);
      if (hasMomentum) storePartial<T>(bp, buf, count);
    }
  }
}

export function adamStep<T>(
  param: usize, grad: usize, m: usize, v: usize, n: i32, lr: T, beta1: T, beta2: T, eps: T, weightDecay: T,
  decoupled: bool, bias1: T, bias2: T,
): void {
  const L = lanes<T>();
  const vb1 = v128.splat<T>(beta1), vc1 = v128.splat<T>(<T>1 - beta1);
  const vb2 = v128.splat<T>(beta2), vc2 = v128.splat<T>(<T>1 - beta2);
  const vwd = v128.splat<T>(weightDecay), vdecay = v128.splat<T>(<T>1 - lr * weightDecay);
  const vstep = v128.splat<T>(lr / bias1), vinvb2 = v128.splat<T>(<T>1 / bias2), veps = v128.splat<T>(eps);
  for (let i = 0; i < n; i += L) {
    const count = min(L, n - i);
    const full = count == L;
    const pp = at<T>(param, i), gp = at<T>(grad, i), mp = at<T>(m, i), vp = at<T>(v, i);
    let p = full ? v128.load(pp) : loadPartial<T>(pp, count);
    let g = full ? v128.load(gp) : loadPartial<T>(gp, count);
    let mv = full ? v128.load(mp) : loadPartial<T>(mp, count);
    let vv = full ? v128.load(vp) : loadPartial<T>(vp, count);
    if (decoupled) p = v128.mul<T>(p, vdecay);
    else g = v128.add<T>(g, v128.mul<T>(vwd, p));
    mv = v128.add<T>(v128.mul<T>(vb1, mv), v128.mul<T>(vc1, g));
    vv = v128.add<T>(v128.mul<T>(vb2, vv), v128.mul<T>(vc2, v128.mul<T>(g, g)));
    const denom = v128.add<T>(v128.sqrt<T>(v128.mul<T>(vv, vinvb2)), veps);
    p = v128.sub<T>(p, v128.div<T>(v128.mul<T>(vstep, mv), denom));
    if (full) {
      v128.store(pp, p);
      v128.store(mp, mv);
      v128.store(vp, vv);
    } else {
      storePartial<T>(pp, p, count);
      storePartial<T>(mp, mv, count);
      storePartial<T>(vp, vv, count);
    }
  }
}
