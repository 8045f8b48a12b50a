// An SVG scatter plot of test accuracy against parameter count on a log axis, one colour and
// marker per method, each point labelled: no plotting library, plain SVG text.

import type { ResultRow } from './results.js';

const COLORS: Record<string, string> = { dense: '#333333', adtn: '#d62728', lowrank: '#1f77b4', tt: '#2ca02c' };
const FALLBACK = ['#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];

function escapeXml(text: string): string {
  // XML 1.0 forbids most control characters even escaped: they become spaces.
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, ' ').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * The plot as an SVG document: x = parameters of the compressed layers (log scale), y = test
 * accuracy (%). Each row is one <circle> with a data-method attribute.
 *
 * @example
 * writeFileSync('accuracy-vs-parameters.svg', accuracyPlotSvg(rows, { title: 'FC-2 on MNIST' }));
 */
export function accuracyPlotSvg(rows: readonly ResultRow[], options: { title?: string; width?: number; height?: number } = {}): string {
  const width = options.width ?? 720;
  const height = options.height ?? 440;
  const margin = { left: 70, right: 150, top: 40, bottom: 56 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const xs = rows.map((r) => Math.log10(r.layerParameters));
  const ys = rows.map((r) => r.testAccuracy * 100);
  const xMin = Math.floor(Math.min(...xs, 2));
  const xMax = Math.ceil(Math.max(...xs, xMin + 1));
  const yLow = Math.min(...ys, 100);
  const yHigh = Math.max(...ys, 0);
  const span = Math.max(1, yHigh - yLow);
  const yMin = Math.max(0, Math.floor(yLow - 0.1 * span));
  const yMax = Math.min(100, Math.ceil(yHigh + 0.1 * span));
  const px = (lx: number) => margin.left + ((lx - xMin) / (xMax - xMin)) * plotW;
  const py = (y: number) => margin.top + (1 - (y - yMin) / Math.max(1e-9, yMax - yMin)) * plotH;
  const methods = [...new Set(rows.map((r) => r.method))];
  const color = (m: string) => COLORS[m] ?? FALLBACK[methods.indexOf(m) % FALLBACK.length]!;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  if (options.title) out.push(`<text x="${width / 2}" y="22" text-anchor="middle" font-size="15">${escapeXml(options.title)}</text>`);
  out.push(`<rect x="${margin.left}" y="${margin.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#888"/>`);
  for (let e = xMin; e <= xMax; e++) {
    const x = px(e).toFixed(1);
    out.push(`<line x1="${x}" y1="${margin.top}" x2="${x}" y2="${margin.top + plotH}" stroke="#eee"/>`);
    out.push(`<text x="${x}" y="${margin.top + plotH + 18}" text-anchor="middle">1e${e}</text>`);
  }
  const yStep = niceStep((yMax - yMin) / 6);
  for (let y = Math.ceil(yMin / yStep) * yStep; y <= yMax + 1e-9; y += yStep) {
    const yy = py(y).toFixed(1);
    out.push(`<line x1="${margin.left}" y1="${yy}" x2="${margin.left + plotW}" y2="${yy}" stroke="#eee"/>`);
    out.push(`<text x="${margin.left - 8}" y="${yy}" text-anchor="end" dominant-baseline="middle">${Number(y.toFixed(2))}</text>`);
  }
  out.push(`<text x="${margin.left + plotW / 2}" y="${height - 14}" text-anchor="middle">parameters of the compressed layers (log scale)</text>`);
  out.push(`<text transform="translate(18 ${margin.top + plotH / 2}) rotate(-90)" text-anchor="middle">test accuracy (%)</text>`);
  rows.forEach((r, i) => {
    const cx = px(xs[i]!).toFixed(1);
    const cy = py(ys[i]!).toFixed(1);
    out.push(`<circle cx="${cx}" cy="${cy}" r="6" fill="${color(r.method)}" data-method="${escapeXml(r.method)}" data-label="${escapeXml(r.label)}"><title>${escapeXml(`${r.label}: ${r.layerParameters} parameters, ${(r.testAccuracy * 100).toFixed(2)}%`)}</title></circle>`);
    out.push(`<text x="${(Number(cx) + 9).toFixed(1)}" y="${(Number(cy) - 8).toFixed(1)}" font-size="10" fill="#444">${escapeXml(r.label)}</text>`);
  });
  methods.forEach((m, k) => {
    const y = margin.top + 14 + 20 * k;
    const x = margin.left + plotW + 20;
    out.push(`<circle cx="${x}" cy="${y}" r="6" fill="${color(m)}"/><text x="${x + 12}" y="${y}" dominant-baseline="middle">${escapeXml(m)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}

function niceStep(raw: number): number {
  const power = 10 ** Math.floor(Math.log10(Math.max(raw, 1e-9)));
  for (const m of [1, 2, 5, 10]) if (m * power >= raw) return m * power;
  return 10 * power;
}
