// An SVG plot of test accuracy against parameter count on a log axis: one colour per method, every
// point a marker, each method's Pareto front (the points that no point with fewer parameters
// beats) joined by a line, and a label next to each point placed where it overlaps no other label
// or marker. No plotting library: plain SVG.

import type { ResultRow } from './results.js';
import { optionsObject } from '../errors.js';

const COLORS: Record<string, string> = { dense: '#333333', adtn: '#d62728', lowrank: '#1f77b4', tt: '#2ca02c' };
const FALLBACK = ['#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];
const LABEL_FONT = 10;
// Text width estimate for the label font (average glyph width of a sans-serif at 10 px).
const CHAR_WIDTH = 5.6;
const MARKER = 5;

function escapeXml(text: string): string {
  // XML 1.0 forbids most control characters even escaped: they become spaces.
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, ' ').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** An axis-aligned box: left, top, right, bottom. */
export type Box = [number, number, number, number];

function overlaps(a: Box, b: Box): boolean {
  return a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];
}

/**
 * The Pareto front of one method's points: sorted by parameters, the points whose accuracy is
 * higher than that of every point with fewer (or as many) parameters.
 *
 * @example
 * const front = paretoFront(results.rows.filter((r) => r.method === 'adtn'));   // ascending layerParameters
 */
export function paretoFront(rows: readonly ResultRow[]): ResultRow[] {
  const sorted = [...rows].sort((a, b) => a.layerParameters - b.layerParameters || b.testAccuracy - a.testAccuracy);
  const front: ResultRow[] = [];
  for (const r of sorted) if (front.length === 0 || r.testAccuracy > front[front.length - 1]!.testAccuracy) front.push(r);
  return front;
}

/**
 * Places one label per point: the first of several positions around the point (right, left,
 * above, below, then further out) whose box stays inside `area` and overlaps no marker and no
 * label placed before. Returns null for a label that fits nowhere (its point keeps a tooltip).
 *
 * @example
 * placeLabels([{ x: 120, y: 80, text: 'adtn M=8' }], [70, 40, 610, 424]);   // [[128, 74, 172.8, 86]]: right of it
 */
export function placeLabels(points: readonly { x: number; y: number; text: string }[], area: Box): (Box | null)[] {
  const taken: Box[] = points.map((p) => [p.x - MARKER - 1, p.y - MARKER - 1, p.x + MARKER + 1, p.y + MARKER + 1]);
  const placed: (Box | null)[] = [];
  // Points from left to right, so labels of crowded regions are placed in a stable order.
  const order = points.map((_, i) => i).sort((a, b) => points[a]!.x - points[b]!.x || points[a]!.y - points[b]!.y);
  const result = new Array<Box | null>(points.length).fill(null);
  for (const i of order) {
    const { x, y, text } = points[i]!;
    const w = text.length * CHAR_WIDTH;
    const h = LABEL_FONT + 2;
    let chosen: Box | null = null;
    // Rings of candidate positions, nearest first: right, upper right, lower right, left, above,
    // below, upper left, lower left; farther rings are joined to their point by a leader line.
    for (const reach of [1, 2, 3.5, 5, 7, 9.5]) {
      const dx = (MARKER + 3) * reach;
      const dy = (MARKER + 2) * reach;
      const candidates: Box[] = [
        [x + dx, y - h / 2, x + dx + w, y + h / 2],
        [x + dx, y - dy - h, x + dx + w, y - dy],
        [x + dx, y + dy, x + dx + w, y + dy + h],
        [x - dx - w, y - h / 2, x - dx, y + h / 2],
        [x - w / 2, y - dy - h, x + w / 2, y - dy],
        [x - w / 2, y + dy, x + w / 2, y + dy + h],
        [x - dx - w, y - dy - h, x - dx, y - dy],
        [x - dx - w, y + dy, x - dx, y + dy + h],
      ];
      chosen = candidates.find((c) => c[0] >= area[0] && c[1] >= area[1] && c[2] <= area[2] && c[3] <= area[3]
        && !taken.some((t) => overlaps(c, t)) && !placed.some((p) => p !== null && overlaps(c, p))) ?? null;
      if (chosen !== null) break;
    }
    placed.push(chosen);
    result[i] = chosen;
  }
  return result;
}

/**
 * The plot as an SVG document: x = parameters of the compressed layers (log scale), y = test
 * accuracy (%). Each row is one <circle> with data-method and data-label attributes; each method's
 * Pareto front is a <polyline data-front="method">; labels are <text data-label> elements.
 *
 * @example
 * writeFileSync('accuracy-vs-parameters.svg', accuracyPlotSvg(rows, { title: 'FC-2 on MNIST' }));
 */
export function accuracyPlotSvg(rows: readonly ResultRow[], optionsIn: { title?: string; width?: number; height?: number } = {}): string {
  const options = optionsObject('accuracyPlotSvg', optionsIn);
  const width = options.width ?? 760;
  const height = options.height ?? 480;
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
  for (const m of methods) {
    const front = paretoFront(rows.filter((r) => r.method === m));
    if (front.length < 2) continue;
    const points = front.map((r) => `${px(Math.log10(r.layerParameters)).toFixed(1)},${py(r.testAccuracy * 100).toFixed(1)}`).join(' ');
    out.push(`<polyline points="${points}" fill="none" stroke="${color(m)}" stroke-width="1.5" data-front="${escapeXml(m)}"/>`);
  }
  const centres = rows.map((r, i) => ({ x: px(xs[i]!), y: py(ys[i]!), text: r.label }));
  const boxes = placeLabels(centres, [margin.left + 2, margin.top + 2, margin.left + plotW - 2, margin.top + plotH - 2]);
  rows.forEach((r, i) => {
    const { x, y } = centres[i]!;
    out.push(`<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="${MARKER}" fill="${color(r.method)}" data-method="${escapeXml(r.method)}" data-label="${escapeXml(r.label)}"><title>${escapeXml(`${r.label}: ${r.layerParameters} parameters, ${(r.testAccuracy * 100).toFixed(2)}%`)}</title></circle>`);
    const box = boxes[i];
    if (box !== null && box !== undefined) {
      // A label placed away from its point gets a leader line to the nearest point of its box.
      const nx = Math.min(Math.max(x, box[0]), box[2]);
      const ny = Math.min(Math.max(y, box[1]), box[3]);
      if (Math.hypot(nx - x, ny - y) > 2 * (MARKER + 3)) {
        out.push(`<line x1="${x.toFixed(1)}" y1="${y.toFixed(1)}" x2="${nx.toFixed(1)}" y2="${ny.toFixed(1)}" stroke="#bbb" stroke-width="0.8"/>`);
      }
      out.push(`<text x="${box[0].toFixed(1)}" y="${(box[3] - 2).toFixed(1)}" font-size="${LABEL_FONT}" fill="#444" data-label="${escapeXml(r.label)}" data-box="${box.map((v) => v.toFixed(1)).join(' ')}">${escapeXml(r.label)}</text>`);
    }
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
