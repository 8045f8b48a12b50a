// The Markdown report: a table of the result rows (method, parameters, ratio, accuracy, time).

import type { ResultRow } from './results.js';
import { optionsObject } from '../errors.js';

/** Text safe inside a table cell or heading: pipes escaped, line breaks and control characters as spaces. */
function cell(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\|/g, '\\|').trim();
}

function grouped(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/**
 * A Markdown table with one row per result, dense first, then by parameter count.
 *
 * @example
 * writeFileSync('report.md', resultsMarkdown(rows, { title: 'FC-2 on MNIST' }));
 */
export function resultsMarkdown(rows: readonly ResultRow[], optionsIn: { title?: string; notes?: string[] } = {}): string {
  const options = optionsObject('resultsMarkdown', optionsIn);
  // Dense rows first, then by parameter count; ties keep their order (the sort is stable).
  const rank = (r: ResultRow): number => (r.method === 'dense' ? 0 : 1);
  const sorted = [...rows].sort((a, b) => rank(a) - rank(b) || a.layerParameters - b.layerParameters);
  const dense = sorted.find((r) => r.method === 'dense');
  const lines = [
    `# ${cell(options.title ?? 'Compression results')}`,
    '',
    '| label | method | config | compressed layers | layer params | ratio | total params | test accuracy | vs dense | time (s) |',
    '|---|---|---|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of sorted) {
    const delta = dense === undefined || r === dense ? '' : `${((r.testAccuracy - dense.testAccuracy) * 100 >= 0 ? '+' : '')}${((r.testAccuracy - dense.testAccuracy) * 100).toFixed(2)}`;
    lines.push(`| ${cell(r.label)} | ${cell(r.method)} | ${cell(r.config)} | ${cell(r.layers.join(', '))} | ${grouped(r.layerParameters)} | ${r.ratio.toFixed(1)}x | ${grouped(r.totalParameters)} | ${(r.testAccuracy * 100).toFixed(2)}%${r.evaluation === 'validation' ? ' (validation)' : ''} | ${delta} | ${r.seconds.toFixed(1)} |`);
  }
  lines.push('');
  lines.push('"layer params" counts the parameters that make the compressed layers\' weights (for dense: the weights themselves); "ratio" is the dense size of those weights over that count; "vs dense" is the accuracy difference in points.');
  for (const note of options.notes ?? []) lines.push('', note);
  return lines.join('\n') + '\n';
}
