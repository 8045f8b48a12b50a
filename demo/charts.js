// Drawing on canvases: line charts of training curves and weight matrices as images. Plain 2D
// canvas, no library; every function redraws its canvas from the data it is given.

const PHASE_COLORS = { dense: '#1f6feb', compressed: '#d2571e' };

/** Prepares a canvas for crisp drawing at the device's pixel ratio; returns its context and CSS size. */
function context(canvas) {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth;
  const height = canvas.clientHeight;
  if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
  }
  const ctx = canvas.getContext('2d');
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, width, height);
  ctx.font = '11px system-ui, sans-serif';
  return { ctx, width, height };
}

/**
 * Draws series of points [{ label, phase, points: [[x, y], ...] }] with axes; `yRange` fixes the
 * vertical range (else it fits the data); `log` draws y on a logarithmic scale (positive values);
 * `format` prints y tick labels.
 */
export function drawLines(canvas, series, { title, yRange = null, log = false, format = (v) => v.toFixed(2), xLabel = '' } = {}) {
  const { ctx, width, height } = context(canvas);
  const pad = { left: 44, right: 10, top: 20, bottom: 26 };
  const lift = log ? (v) => Math.log10(Math.max(v, 1e-6)) : (v) => v;
  const all = series.flatMap((s) => s.points.map(([px, py]) => [px, lift(py)]));
  ctx.fillStyle = '#222';
  ctx.fillText(title, pad.left, 13);
  if (all.length === 0) {
    ctx.fillStyle = '#888';
    ctx.fillText('no data yet', pad.left, height / 2);
    return;
  }
  const xMax = Math.max(1, ...all.map((p) => p[0]));
  let [yMin, yMax] = yRange?.map(lift) ?? [Math.min(...all.map((p) => p[1])), Math.max(...all.map((p) => p[1]))];
  if (yMax - yMin < 1e-9) [yMin, yMax] = [yMin - 0.5, yMax + 0.5];
  const x = (v) => pad.left + (v / xMax) * (width - pad.left - pad.right);
  const y = (v) => height - pad.bottom - ((lift(v) - yMin) / (yMax - yMin)) * (height - pad.top - pad.bottom);
  ctx.strokeStyle = '#ccc';
  ctx.fillStyle = '#555';
  ctx.lineWidth = 1;
  for (let i = 0; i <= 4; i++) {
    const lifted = yMin + ((yMax - yMin) * i) / 4;
    const v = log ? 10 ** lifted : lifted;
    ctx.beginPath();
    ctx.moveTo(pad.left, y(v));
    ctx.lineTo(width - pad.right, y(v));
    ctx.stroke();
    ctx.fillText(format(v), 2, y(v) + 4);
  }
  ctx.fillText(xLabel, width - pad.right - ctx.measureText(xLabel).width, height - 6);
  let legendX = pad.left + ctx.measureText(title).width + 16;
  for (const s of series) {
    if (s.points.length === 0) continue;
    ctx.strokeStyle = PHASE_COLORS[s.phase] ?? '#444';
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    s.points.forEach(([px, py], i) => (i === 0 ? ctx.moveTo(x(px), y(py)) : ctx.lineTo(x(px), y(py))));
    ctx.stroke();
    ctx.fillStyle = ctx.strokeStyle;
    if (s.points.length === 1) ctx.fillRect(x(s.points[0][0]) - 2, y(s.points[0][1]) - 2, 4, 4);
    ctx.fillRect(legendX, 6, 10, 3);
    ctx.fillText(s.label, legendX + 14, 13);
    legendX += 24 + ctx.measureText(s.label).width;
  }
}

/**
 * Draws a weight matrix { shape: [rows, cols], values } as an image, blue (negative) to white to
 * red (positive), scaled symmetrically to the largest magnitude; each pixel shows the mean of the
 * block of entries it covers, so a 1024 x 784 weight fits a small canvas.
 */
export function drawWeight(canvas, weight, title) {
  const { ctx, width, height } = context(canvas);
  ctx.fillStyle = '#222';
  ctx.fillText(title, 4, 13);
  const [rows, cols] = weight.shape;
  const top = 20;
  const scale = Math.min((width - 8) / cols, (height - top - 4) / rows);
  const w = Math.max(1, Math.floor(cols * scale));
  const h = Math.max(1, Math.floor(rows * scale));
  const sums = new Float64Array(w * h);
  const counts = new Uint32Array(w * h);
  for (let r = 0; r < rows; r++) {
    const py = Math.min(h - 1, Math.floor((r * h) / rows));
    for (let c = 0; c < cols; c++) {
      const p = py * w + Math.min(w - 1, Math.floor((c * w) / cols));
      sums[p] += weight.values[r * cols + c];
      counts[p]++;
    }
  }
  let largest = 1e-12;
  for (let p = 0; p < sums.length; p++) largest = Math.max(largest, Math.abs(sums[p] / Math.max(1, counts[p])));
  const image = ctx.createImageData(w, h);
  for (let p = 0; p < sums.length; p++) {
    const v = Math.max(-1, Math.min(1, sums[p] / Math.max(1, counts[p]) / largest));
    const fade = Math.round(255 * (1 - Math.abs(v)));
    image.data.set(v >= 0 ? [255, fade, fade, 255] : [fade, fade, 255, 255], 4 * p);
  }
  const offscreen = document.createElement('canvas');
  offscreen.width = w;
  offscreen.height = h;
  offscreen.getContext('2d').putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(offscreen, 4, top, w, h);
  ctx.fillStyle = '#555';
  ctx.fillText(`${rows} x ${cols}`, 4, Math.min(height - 2, top + h + 12));
}
