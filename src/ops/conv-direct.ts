// Stride-1 convolutions without a column matrix (kernels/conv-direct.ts): the input is padded once
// into planes of Hp x Wp, and every tap (c, kh, kw) of the window is one offset into them, so the
// output on the padded row pitch (position oh·Wp + ow) is a GEMM whose B operand is the padded
// input itself. The Wp - OW positions at the end of each output row are computed and dropped by
// the copy into NCHW order.
//
// Backward, per chunk of images:
//   dW += Σ_o dY[oc][o] · Xpad[tap + o]      (dY on the same pitch, zero at the dropped positions)
//   dX  = the stride-1 convolution of dY padded by (K - 1)·d - pad with the weights transposed
//         and flipped (a window turned by 180 degrees), on the pitch of that padding.
//
// Threads: the convolutions split images (each output entry is the same sum whatever the split);
// the weight gradient splits its rows or its taps. Results are bitwise equal for any thread count.

import { Tensor } from '../tensor.js';
import { kernels } from '../backend/engine.js';
import type { KernelCall } from '../backend/thread-pool.js';
import { kernelsFor } from './kernel-set.js';
import { splitRange } from './parallel-kernels.js';
import { stridedCopy } from './movement.js';
import { evenChunks, type ConvGeometry } from './conv.js';

// Taps of one channel block (the weights of one block and one tile's input windows stay in cache;
// the GEMM's KC).
const BLOCK_TAPS = 512;
// Bytes of the padded buffers of one chunk of images.
const CHUNK_BYTES = 16 * 2 ** 20;
// The padded pitch may add at most this share of thrown-away positions (measured: at 8 x 8 maps,
// 25% more work, the column-matrix GEMM is faster).
const MAX_PITCH_WASTE = 0.2;

/** Whether conv2d runs `g` by taps: stride 1 and little waste on the padded pitch. */
export function directConvApplies(g: ConvGeometry): boolean {
  if (g.strideH !== 1 || g.strideW !== 1) return false;
  // No channels in or out: the column path writes the zeros. A window of more taps than a block
  // holds would not fit one panel of packed weights into the workspace.
  if (g.C === 0 || g.OC === 0 || g.KH * g.KW > BLOCK_TAPS) return false;
  // The input gradient pads the output gradient by (K - 1)·d - pad, which must not be negative.
  if (g.padH > (g.KH - 1) * g.dilationH || g.padW > (g.KW - 1) * g.dilationW) return false;
  const pitch = g.W + 2 * g.padW;
  return pitch / g.OW - 1 <= MAX_PITCH_WASTE;
}

interface Tile { rows: number; columns: number; slots: number }

function tileOf(bytes: number): Tile {
  const shape = kernels().kernels.directConvTile();
  const rows = shape & 0xff;
  const columns = (shape >> 8) * (16 / bytes);
  return { rows, columns, slots: bytes === 4 ? 4 : rows };
}

// One stride-1 convolution as directConv sees it: `channels` input planes of planeH x pitch,
// `outRows` output rows of `positions` positions (on the input's pitch), `KH x KW` taps of dilation
// (dh, dw).
interface TapConv {
  channels: number; planeH: number; pitch: number; outRows: number; positions: number;
  KH: number; KW: number; dh: number; dw: number;
}

const planeOf = (c: TapConv): number => c.planeH * c.pitch;
// Elements read past the last plane: the tiles' and the vectors' overrun of the last row.
const slackOf = (c: TapConv, tile: Tile): number => tile.columns + (c.KW - 1) * c.dw;

// Byte offsets of taps (c, kh, kw), c in [c0, c0 + count), into padded planes.
function writeOffsets(view: Int32Array, at: number, c: TapConv, c0: number, count: number, bytes: number): void {
  let i = at;
  for (let ch = c0; ch < c0 + count; ch++) {
    for (let kh = 0; kh < c.KH; kh++) {
      for (let kw = 0; kw < c.KW; kw++) view[i++] = (ch * planeOf(c) + kh * c.dh * c.pitch + kw * c.dw) * bytes;
    }
  }
}

// Channel blocks of at most BLOCK_TAPS taps, as even as possible: [first channel, channels].
function channelBlocks(c: TapConv): [number, number][] {
  const taps = c.KH * c.KW;
  const blocks = Math.max(1, Math.ceil((c.channels * taps) / BLOCK_TAPS));
  const per = Math.ceil(c.channels / blocks);
  const out: [number, number][] = [];
  for (let c0 = 0; c0 < c.channels; c0 += per) out.push([c0, Math.min(per, c.channels - c0)]);
  return out;
}

/**
 * out[n] [outRows, positions] (rows outRow apart, images outImage apart) = the convolution of
 * `input` (count images of `channels` padded planes, then zeros) with `weight` [outRows,
 * channels·KH·KW].
 */
function convolve(c: TapConv, weight: Tensor, input: Tensor, out: Tensor, count: number, outImage: number, outRow: number): void {
  const module = kernels();
  const bytes = input.dtype === 'float32' ? 4 : 8;
  const tile = tileOf(bytes);
  const taps = c.KH * c.KW;
  const blocks = channelBlocks(c);
  // Rows per call: their packed weights of the largest block and one tile fit the GEMM workspace
  // (directConvApplies keeps a block's taps small enough for one panel).
  const blockTaps = Math.max(...blocks.map(([, channels]) => channels * taps));
  const panelBytes = blockTaps * tile.slots * bytes;
  const tileBytes = tile.rows * tile.columns * bytes;
  const rowGroup = Math.floor((module.kernels.gemmWorkspaceBytes() - tileBytes) / panelBytes) * tile.rows;
  const offsets = module.allocator.alloc(c.channels * taps * 4, 'conv2d taps');
  try {
    writeOffsets(module.i32, offsets / 4, c, 0, c.channels, bytes);
    const inImage = c.channels * planeOf(c);
    // Images [first, first + images), output rows [rowStart, rowEnd): each row group runs the
    // channel blocks in order, the first overwriting, the others adding.
    const calls = (first: number, images: number, rowStart: number, rowEnd: number, work: number): KernelCall[] => {
      const list: KernelCall[] = [];
      for (let r0 = rowStart; r0 < rowEnd; r0 += rowGroup) {
        blocks.forEach(([c0, channels], b) => list.push({
          name: `directConv${bytes === 4 ? 'F32' : 'F64'}`,
          args: [
            out.ptr + (first * outImage + r0 * outRow) * bytes, outImage, outRow, input.ptr + first * inImage * bytes, inImage,
            weight.ptr + r0 * c.channels * taps * bytes, c.channels * taps, Math.min(rowGroup, rowEnd - r0), c0 * taps, channels * taps, offsets,
            c.positions, images, b > 0 ? 1 : 0, work,
          ],
        }));
      }
      return list;
    };
    // Parts: ranges of images; with fewer images than threads (a single image, say), ranges of
    // output rows. Either way each output entry is the same sum.
    const threads = module.pool.active;
    const parts = count >= threads
      ? splitRange(count, threads, 1).map(([start, end]) => [start, end - start, 0, c.outRows] as const)
      : splitRange(c.outRows, threads, tile.rows).map(([start, end]) => [0, count, start, end] as const);
    module.pool.run(parts.map(([first, images, rowStart, rowEnd], p) => calls(first, images, rowStart, rowEnd, module.gemmWorkspace(p))));
  } finally {
    module.allocator.free(offsets);
  }
}

// A zero-filled buffer of count images of `channels` planes of planeH x pitch (plus the slack),
// with the images of src ([.., channels, h, w], from image n0) written at (top, left) of each plane.
function padded(src: Tensor, n0: number, count: number, c: TapConv, h: number, w: number, top: number, left: number, owner: string): Tensor {
  const tile = tileOf(src.dtype === 'float32' ? 4 : 8);
  const plane = planeOf(c);
  const out = Tensor.empty([count * c.channels * plane + slackOf(c, tile)], src.dtype, owner);
  try {
    kernelsFor(src.dtype).fill(out.ptr, 0, out.size);
    stridedCopy(out, src, [count * c.channels, h, w], [h * w, w, 1], n0 * c.channels * h * w, [plane, c.pitch, 1], top * c.pitch + left);
  } catch (error) {
    out.dispose();
    throw error;
  }
  return out;
}

// Images per chunk: as many as fit CHUNK_BYTES, in chunks of equal size (the last one no larger).
function imagesPerChunk(g: ConvGeometry, perImage: number, bytes: number): number {
  return evenChunks(g.N, Math.max(1, Math.floor(CHUNK_BYTES / (perImage * bytes))));
}

// The forward convolution of g: input planes padded by (padH, padW).
function forwardConv(g: ConvGeometry): TapConv {
  return {
    channels: g.C, planeH: g.H + 2 * g.padH, pitch: g.W + 2 * g.padW, outRows: g.OC, positions: g.OH * (g.W + 2 * g.padW),
    KH: g.KH, KW: g.KW, dh: g.dilationH, dw: g.dilationW,
  };
}

// The padding of dY for the input gradient: (K - 1)·d - pad per axis.
function gradientPadding(g: ConvGeometry): [number, number] {
  return [(g.KH - 1) * g.dilationH - g.padH, (g.KW - 1) * g.dilationW - g.padW];
}

// The input gradient's convolution: dY planes padded by gradientPadding, C output rows of H x W.
function inputGradientConv(g: ConvGeometry): TapConv {
  const [qh, qw] = gradientPadding(g);
  return {
    channels: g.OC, planeH: g.OH + 2 * qh, pitch: g.OW + 2 * qw, outRows: g.C, positions: g.H * (g.OW + 2 * qw),
    KH: g.KH, KW: g.KW, dh: g.dilationH, dw: g.dilationW,
  };
}

// Runs the convolution c over chunks of images: src [N, channels, h, w] padded at (top, left),
// result [N, outRows, oh, ow] written into out (its positions ow >= the row's width dropped).
function convolveImages(
  g: ConvGeometry, c: TapConv, weight: Tensor, src: Tensor, srcHW: [number, number], padAt: [number, number],
  out: Tensor, outHW: [number, number],
): void {
  const bytes = src.dtype === 'float32' ? 4 : 8;
  const outRow = c.positions;
  const outImage = c.outRows * outRow;
  const chunk = imagesPerChunk(g, c.channels * planeOf(c) + outImage, bytes);
  const [oh, ow] = outHW;
  for (let n0 = 0; n0 < g.N; n0 += chunk) {
    const count = Math.min(chunk, g.N - n0);
    const input = padded(src, n0, count, c, srcHW[0], srcHW[1], padAt[0], padAt[1], 'conv2d');
    let result: Tensor | null = null;
    try {
      result = Tensor.empty([count * outImage], src.dtype, 'conv2d');
      convolve(c, weight, input, result, count, outImage, outRow);
      stridedCopy(out, result, [count, c.outRows, oh, ow], [outImage, outRow, c.pitch, 1], 0, [c.outRows * oh * ow, oh * ow, ow, 1], n0 * c.outRows * oh * ow);
    } finally {
      input.dispose();
      result?.dispose();
    }
  }
}

/** @internal out [N, OC, OH, OW] = conv2d(x, weight) (no bias) by taps; g must satisfy directConvApplies. */
export function directConvForward(g: ConvGeometry, x: Tensor, weight: Tensor, out: Tensor): void {
  convolveImages(g, forwardConv(g), weight, x, [g.H, g.W], [g.padH, g.padW], out, [g.OH, g.OW]);
}

/** @internal dX [N, C, H, W] (overwritten) from the output gradient [N, OC, OH, OW]. */
export function directConvInputGradient(g: ConvGeometry, gradient: Tensor, weight: Tensor, dX: Tensor): void {
  const c = inputGradientConv(g);
  const flipped = Tensor.empty([g.C, g.OC * g.KH * g.KW], weight.dtype, 'conv2d gradient');
  try {
    kernelsFor(weight.dtype).flipConvWeights(flipped.ptr, weight.ptr, g.OC, g.C, g.KH * g.KW);
    convolveImages(g, c, flipped, gradient, [g.OH, g.OW], gradientPadding(g), dX, [g.H, g.W]);
  } finally {
    flipped.dispose();
  }
}

/** @internal dW [OC, C·KH·KW] += the weight gradient from x and the output gradient. */
export function directConvWeightGradient(g: ConvGeometry, x: Tensor, gradient: Tensor, dW: Tensor): void {
  const module = kernels();
  const k = kernelsFor(x.dtype);
  const bytes = x.dtype === 'float32' ? 4 : 8;
  const lanes = 16 / bytes;
  const c = forwardConv(g);
  const taps = g.C * g.KH * g.KW;
  const vectors = Math.ceil(c.positions / lanes);
  const gradRow = vectors * lanes;
  const gradImage = g.OC * gradRow;
  const chunk = imagesPerChunk(g, g.C * planeOf(c) + gradImage, bytes);
  const offsets = module.allocator.alloc(taps * 4, 'conv2d taps');
  try {
    writeOffsets(module.i32, offsets / 4, c, 0, g.C, bytes);
    const parts = weightGradientParts(g.OC, taps, module.pool.active);
    for (let n0 = 0; n0 < g.N; n0 += chunk) {
      const count = Math.min(chunk, g.N - n0);
      const input = padded(x, n0, count, c, g.H, g.W, g.padH, g.padW, 'conv2d gradient');
      let grad: Tensor | null = null;
      try {
        grad = Tensor.empty([count * gradImage], x.dtype, 'conv2d gradient');
        // dY on the input's pitch, zero at the positions past each row.
        k.fill(grad.ptr, 0, grad.size);
        stridedCopy(grad, gradient, [count * g.OC, g.OH, g.OW], [g.OH * g.OW, g.OW, 1], n0 * g.OC * g.OH * g.OW, [gradRow, c.pitch, 1], 0);
        const gradPtr = grad.ptr;
        module.pool.run(parts.map(([r0, rows, t0, tapCount]) => [{
          name: `directConvWeightGrad${bytes === 4 ? 'F32' : 'F64'}`,
          args: [dW.ptr, taps, r0, rows, t0, tapCount, gradPtr, gradImage, gradRow, input.ptr, g.C * planeOf(c), offsets, vectors, count],
        }]));
      } finally {
        input.dispose();
        grad?.dispose();
      }
    }
  } finally {
    module.allocator.free(offsets);
  }
}

// Parts of the weight gradient [rows, taps] for `threads` threads: ranges of rows or of taps in
// groups of 3 (the kernel's), whichever divides more evenly; [row0, rows, tap0, taps].
function weightGradientParts(rows: number, taps: number, threads: number): [number, number, number, number][] {
  const groups = (n: number) => Math.ceil(n / 3);
  const imbalance = (n: number) => {
    const g = groups(n);
    return Math.ceil(g / threads) * threads / g;
  };
  if (threads === 1) return [[0, rows, 0, taps]];
  if (imbalance(rows) <= imbalance(taps)) {
    return splitRange(rows, Math.min(threads, groups(rows)), 3).map(([s, e]) => [s, e - s, 0, taps]);
  }
  return splitRange(taps, Math.min(threads, groups(taps)), 3).map(([s, e]) => [0, rows, s, e - s]);
}
