// The results table as aligned plain text for the terminal.

import type { ResultRow } from '../report/results.js';

export function resultsTable(rows: readonly ResultRow[]): string {
  const validation = rows.length > 0 && rows.every((r) => r.evaluation === 'validation');
  const header = ['method', 'config', 'layer params', 'ratio', 'total params', validation ? 'val acc' : 'test acc', 'time (s)'];
  const body = rows.map((r) => [
    r.method, r.config, r.layerParameters.toLocaleString('en-US'), `${r.ratio.toFixed(1)}x`,
    r.totalParameters.toLocaleString('en-US'), `${(r.testAccuracy * 100).toFixed(2)}%`, r.seconds.toFixed(1),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i <= 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}
