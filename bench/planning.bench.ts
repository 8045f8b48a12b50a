// Contraction-path planning time for einsums of 2 to 25 operands: random connected networks
// (sparse, as tensor networks are) and dense ones (every operand shares labels with many others),
// planned with 'optimal' (exact up to OPTIMAL_EXACT_LIMIT operands, greedy beyond) and 'auto'.
// Prints the worst time per operand count; the goal is under 100 ms for every einsum up to 25.

import { contractPath, initEngine } from '../src/index.js';
import { OPTIMAL_EXACT_LIMIT } from '../src/tn/contract-path.js';

const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

function network(n: number, seed: number, extraEdges: number): { spec: string; shapes: number[][] } {
  let state = seed;
  const random = (): number => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  const terms: string[][] = Array.from({ length: n }, () => []);
  let next = 0;
  const connect = (i: number, j: number): void => {
    if (next >= LETTERS.length - 1 || i === j) return;
    const label = LETTERS[next++]!;
    terms[i]!.push(label);
    terms[j]!.push(label);
  };
  for (let i = 1; i < n; i++) connect(i, Math.floor(random() * i));
  for (let e = 0; e < extraEdges; e++) connect(Math.floor(random() * n), Math.floor(random() * n));
  const output = LETTERS[LETTERS.length - 1]!;
  terms[0]!.push(output);
  const size = new Map<string, number>();
  for (const t of terms) for (const l of t) if (!size.has(l)) size.set(l, 2 + Math.floor(random() * 3));
  return { spec: `${terms.map((t) => t.join('')).join(',')}->${output}`, shapes: terms.map((t) => t.map((l) => size.get(l)!)) };
}

await initEngine();
console.log(`contraction planning, worst of 5 networks per row ('optimal' is exact up to ${OPTIMAL_EXACT_LIMIT} operands)`);
console.log('operands  sparse optimal  dense optimal  dense auto  ran');
let worst = 0;
for (let n = 2; n <= 25; n++) {
  const times = { sparse: 0, dense: 0, auto: 0 };
  let ran = '';
  for (let seed = 1; seed <= 5; seed++) {
    for (const [kind, extra, optimize] of [['sparse', Math.floor(n / 3), 'optimal'], ['dense', 2 * n, 'optimal'], ['auto', 2 * n, 'auto']] as const) {
      const { spec, shapes } = network(n, seed * 97 + n, extra);
      const start = performance.now();
      const plan = contractPath(spec, ...shapes, { optimize });
      const ms = performance.now() - start;
      times[kind] = Math.max(times[kind], ms);
      if (kind === 'dense') ran = plan.optimizer;
    }
  }
  worst = Math.max(worst, times.sparse, times.dense, times.auto);
  console.log(`${String(n).padStart(8)}  ${times.sparse.toFixed(1).padStart(14)}  ${times.dense.toFixed(1).padStart(13)}  ${times.auto.toFixed(1).padStart(10)}  ${ran}`);
}
console.log(`worst planning time up to 25 operands: ${worst.toFixed(1)} ms (goal: under 100 ms)`);
