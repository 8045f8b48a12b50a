// The IDX format of MNIST and Fashion-MNIST: a 4-byte magic number (two zero bytes, a type code,
// the number of dimensions), one big-endian uint32 per dimension, then the data, row-major.
// Nothing is trusted: the header must fit, the type code must be known, and the declared sizes
// must account for exactly the bytes that follow, before anything is allocated.

import { ArgumentError, DataFormatError, describeValue } from '../errors.js';

/** The contents of an IDX file: its dimensions and its data, row-major. */
export interface IdxArray {
  shape: number[];
  /** Unsigned bytes for type 0x08 (the MNIST files); other types are converted to float64. */
  data: Uint8Array | Float64Array;
}

const TYPES: Record<number, { name: string; bytes: number }> = {
  0x08: { name: 'unsigned byte', bytes: 1 },
  0x09: { name: 'signed byte', bytes: 1 },
  0x0b: { name: 'short', bytes: 2 },
  0x0c: { name: 'int', bytes: 4 },
  0x0d: { name: 'float', bytes: 4 },
  0x0e: { name: 'double', bytes: 8 },
};

/**
 * The size in bytes of the IDX file whose first bytes are `prefix` (header plus the data its
 * dimensions declare), or null when the prefix does not hold a whole, valid header. A reader of
 * compressed files inflates no further than this.
 */
export function idxDeclaredBytes(prefix: Uint8Array): number | null {
  if (prefix.length < 4 || prefix[0] !== 0 || prefix[1] !== 0) return null;
  const type = TYPES[prefix[2]!];
  const rank = prefix[3]!;
  if (type === undefined || rank === 0 || prefix.length < 4 + 4 * rank) return null;
  const view = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength);
  let size = type.bytes;
  for (let i = 0; i < rank; i++) size *= view.getUint32(4 + 4 * i, false);
  return 4 + 4 * rank + size;
}

/**
 * Parses IDX bytes; `source` names the file in errors.
 *
 * @example
 * const { shape, data } = parseIdx(readFileSync('train-images-idx3-ubyte'), 'train-images');   // [60000, 28, 28]
 */
export function parseIdx(bytes: Uint8Array, source = 'IDX data'): IdxArray {
  const fail = (message: string): never => {
    throw new DataFormatError(`IDX: ${source}: ${message}`);
  };
  if (!(bytes instanceof Uint8Array)) throw new ArgumentError(`parseIdx: expected the file's bytes as a Uint8Array, got ${describeValue(bytes)}`);
  if (bytes.length < 4) fail(`${bytes.length} bytes is too short for the 4-byte magic number`);
  if (bytes[0] !== 0 || bytes[1] !== 0) fail(`wrong magic number 0x${Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join('')} (expected 0x0000TTDD)`);
  const type = TYPES[bytes[2]!];
  if (type === undefined) fail(`unknown element type 0x${bytes[2]!.toString(16)}`);
  const rank = bytes[3]!;
  if (rank === 0) fail('zero dimensions');
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) fail(`truncated header: ${rank} dimensions need ${headerBytes} bytes, the file has ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i, false));
  const expected = shape.reduce((p, s) => p * s, 1) * type!.bytes;
  const actual = bytes.length - headerBytes;
  if (expected !== actual) fail(`the header declares ${shape.join(' x ')} ${type!.name} values (${expected} bytes) but ${actual} bytes follow it`);
  const body = bytes.subarray(headerBytes);
  if (bytes[2] === 0x08) return { shape, data: Uint8Array.from(body) };
  const out = new Float64Array(expected / type!.bytes);
  const bodyView = new DataView(body.buffer, body.byteOffset, body.byteLength);
  for (let i = 0; i < out.length; i++) {
    const o = i * type!.bytes;
    out[i] = bytes[2] === 0x09 ? bodyView.getInt8(o) : bytes[2] === 0x0b ? bodyView.getInt16(o, false)
      : bytes[2] === 0x0c ? bodyView.getInt32(o, false) : bytes[2] === 0x0d ? bodyView.getFloat32(o, false) : bodyView.getFloat64(o, false);
  }
  return { shape, data: out };
}

/**
 * Builds IDX bytes (for tests and tools).
 *
 * @example
 * const bytes = encodeIdx([2, 2], new Uint8Array([0, 64, 128, 255]));
 * parseIdx(bytes).shape;   // [2, 2]
 */
export function encodeIdx(shape: readonly number[], data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * shape.length + data.length);
  out[2] = 0x08;
  out[3] = shape.length;
  const view = new DataView(out.buffer);
  shape.forEach((s, i) => view.setUint32(4 + 4 * i, s, false));
  out.set(data, 4 + 4 * shape.length);
  return out;
}
