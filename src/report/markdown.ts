// The Markdown report: a table of the result rows (method, parameters, ratio, accuracy, time).

import type { ResultRow } from './results.js';

function grouped(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/**
 * A Markdown table with one row per result, dense first, then by parameter count.
 *
 * @example
 * writeFileSync('report.md', resultsMarkdown(rows, { title: 'FC-2 on MNIST' }));
 */
export function resultsMarkdown(rows: readonly ResultRow[], options: { title?: string; notes?: string[] } = {}): string {
  const sorted = [...rows].sort((a, b) => (a.method === 'dense' ? -1 : b.method === 'dense' ? 1 : a.layerParameters - b.layerParameters));
  const dense = sorted.find((r) => r.method === 'dense');
  const lines = [
    `# ${options.title ?? 'Compression results'}`,
    '',
    '| method | config | compressed layers | layer params | ratio | total params | test accuracy | vs dense | time (s) |',
    '|---|---|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of sorted) {
    const delta = dense === undefined || r === dense ? '' : `${((r.testAccuracy - dense.testAccuracy) * 100 >= 0 ? '+' : '')}${((r.testAccuracy - dense.testAccuracy) * 100).toFixed(2)}`;
    lines.push(`| ${r.method} | ${r.config} | ${r.layers.join(', ')} | ${grouped(r.layerParameters)} | ${r.ratio.toFixed(1)}x | ${grouped(r.totalParameters)} | ${(r.testAccuracy * 100).toFixed(2)}% | ${delta} | ${r.seconds.toFixed(1)} |`);
  }
  lines.push('');
  lines.push('"layer params" counts the parameters that make the compressed layers\' weights (for dense: the weights themselves); "ratio" is the dense size of those weights over that count; "vs dense" is the accuracy difference in points.');
  for (const note of options.notes ?? []) lines.push('', note);
  return lines.join('\n') + '\n';
}
