// The safetensors format (https://huggingface.co/docs/safetensors): an 8-byte little-endian
// unsigned header length N, N bytes of UTF-8 JSON {name: {dtype, shape, data_offsets: [begin,
// end]}, "__metadata__": {string: string}}, then the byte buffer, little-endian, row-major; each
// tensor's offsets are relative to the start of the buffer.
//
// Reading trusts nothing the file declares: the header length must fit the file (and the 100 MB
// limit of the reference implementation), every entry must have a known dtype, integer shape and
// offsets inside the buffer whose length equals shape × element size, and the entries must cover
// the buffer exactly, without overlaps or holes (as the specification requires).

import { ArgumentError, DataFormatError, describeValue } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { tensor } from '../tensor/creation.js';
import type { Dtype } from '../tensor/dtype.js';

const MAX_HEADER_BYTES = 100_000_000;

const SAFETENSORS_DTYPES: Record<Dtype, string> = { float32: 'F32', float64: 'F64' };
const BYTES: Record<string, number> = { F32: 4, F64: 8, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1, U16: 2, U32: 4, U64: 8, F8_E4M3: 1, F8_E5M2: 1 };

/** One tensor of a parsed safetensors file: its dtype, shape and row-major data. */
export interface SafetensorsEntry {
  dtype: Dtype;
  shape: number[];
  data: Float32Array | Float64Array;
}

/**
 * Serialises named tensors (and string metadata) to safetensors bytes.
 *
 * @example
 * writeFileSync('model.safetensors', serializeSafetensors(model.stateDict(), { model: 'lenet5' }));
 */
export function serializeSafetensors(tensors: ReadonlyMap<string, Tensor> | Record<string, Tensor>, metadata: Record<string, string> = {}): Uint8Array {
  const map: ReadonlyMap<string, Tensor> = tensors instanceof Map ? tensors : new Map(Object.entries(tensors as Record<string, Tensor>));
  const entries = [...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  // Null prototype: a tensor named "__proto__" is an ordinary key, not the object's prototype.
  const header: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  if (Object.keys(metadata).length > 0) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new DataFormatError(`safetensors: metadata value of ${k} must be a string`);
    }
    header.__metadata__ = metadata;
  }
  let offset = 0;
  const arrays: Uint8Array[] = [];
  for (const [name, t] of entries) {
    if (name === '__metadata__') throw new DataFormatError('safetensors: a tensor cannot be named __metadata__');
    const data = t.toArray();
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    header[name] = { dtype: SAFETENSORS_DTYPES[t.dtype], shape: [...t.shape], data_offsets: [offset, offset + bytes.length] };
    offset += bytes.length;
    arrays.push(bytes);
  }
  let json = JSON.stringify(header);
  // Pad the header with spaces so the buffer starts 8-byte aligned.
  const encoder = new TextEncoder();
  let headerBytes = encoder.encode(json);
  const padding = (8 - ((8 + headerBytes.length) % 8)) % 8;
  if (padding > 0) {
    json += ' '.repeat(padding);
    headerBytes = encoder.encode(json);
  }
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const a of arrays) {
    out.set(a, at);
    at += a.length;
  }
  return out;
}

/**
 * Parses and validates safetensors bytes; `source` names the file in errors.
 *
 * @example
 * const { tensors, metadata } = parseSafetensors(readFileSync('model.safetensors'), 'model.safetensors');
 * tensors.get('0.weight')?.shape;   // e.g. [256, 784]
 */
export function parseSafetensors(bytes: Uint8Array, source = 'safetensors data'): { tensors: Map<string, SafetensorsEntry>; metadata: Record<string, string> } {
  const fail = (message: string): never => {
    throw new DataFormatError(`safetensors: ${source}: ${message}`);
  };
  if (!(bytes instanceof Uint8Array)) throw new ArgumentError(`parseSafetensors: expected the file's bytes as a Uint8Array, got ${describeValue(bytes)}`);
  if (bytes.length < 8) fail(`file of ${bytes.length} bytes is too short for the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const declared = view.getBigUint64(0, true);
  if (declared > BigInt(Math.min(MAX_HEADER_BYTES, bytes.length - 8))) {
    fail(`header length ${declared} exceeds the ${bytes.length - 8} bytes after it (or the 100 MB limit)`);
  }
  const headerLength = Number(declared);
  let header: unknown;
  let text = '';
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength));
    header = JSON.parse(text);
  } catch (error) {
    fail(`the header is not valid UTF-8 JSON (${(error as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) fail('the header is not a JSON object');
  // The specification: the header starts with '{' and may be padded at the end with spaces only.
  if (!text.startsWith('{') || !text.replace(/ +$/, '').endsWith('}')) fail('the header must start with "{" and may be followed only by spaces');
  const bufferStart = 8 + headerLength;
  const bufferLength = bytes.length - bufferStart;
  const metadata: Record<string, string> = Object.create(null) as Record<string, string>;
  const tensors = new Map<string, SafetensorsEntry>();
  const spans: [number, number, string][] = [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) fail('__metadata__ must be an object of strings');
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`metadata value of ${k} is not a string`);
        metadata[k] = v as string;
      }
      continue;
    }
    const info = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (info === null || typeof info !== 'object') fail(`entry ${name} is not an object`);
    const code = info.dtype;
    if (typeof code !== 'string' || !(code in BYTES)) fail(`entry ${name} has an unknown dtype ${JSON.stringify(code)}`);
    const dtype = (Object.keys(SAFETENSORS_DTYPES) as Dtype[]).find((d) => SAFETENSORS_DTYPES[d] === code);
    if (dtype === undefined) fail(`entry ${name} has dtype ${code as string}, which this engine does not load (F32 and F64 only)`);
    const shape = info.shape;
    if (!Array.isArray(shape) || !shape.every((s) => Number.isInteger(s) && s >= 0)) fail(`entry ${name} has an invalid shape ${JSON.stringify(shape)}`);
    const offsets = info.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isInteger(o) && o >= 0)) {
      fail(`entry ${name} has invalid data_offsets ${JSON.stringify(offsets)}`);
    }
    const [begin, end] = offsets as [number, number];
    if (begin > end || end > bufferLength) fail(`entry ${name} has data_offsets [${begin}, ${end}] outside the ${bufferLength}-byte buffer`);
    const count = (shape as number[]).reduce((p, s) => p * s, 1);
    const size = BYTES[code as string]!;
    if (end - begin !== count * size) fail(`entry ${name} spans ${end - begin} bytes but shape ${JSON.stringify(shape)} of ${code as string} needs ${count * size}`);
    spans.push([begin, end, name]);
    const slice = bytes.slice(bufferStart + begin, bufferStart + end);
    const data = dtype === 'float32' ? new Float32Array(slice.buffer, 0, count) : new Float64Array(slice.buffer, 0, count);
    tensors.set(name, { dtype: dtype as Dtype, shape: shape as number[], data });
  }
  spans.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let cursor = 0;
  for (const [begin, end, name] of spans) {
    if (begin < cursor) fail(`entry ${name} overlaps another entry`);
    if (begin > cursor) fail(`the buffer has a hole before entry ${name} (bytes ${cursor}..${begin})`);
    cursor = end;
  }
  if (cursor !== bufferLength) fail(`the buffer has ${bufferLength - cursor} bytes that no entry uses`);
  return { tensors, metadata };
}

/**
 * Tensors (owned by the caller) from parsed safetensors entries.
 *
 * @example
 * model.loadStateDict(tensorsFromSafetensors(parseSafetensors(bytes).tensors));
 */
export function tensorsFromSafetensors(entries: ReadonlyMap<string, SafetensorsEntry>): Map<string, Tensor> {
  return new Map([...entries].map(([name, e]) => [name, tensor(e.data, { shape: e.shape, dtype: e.dtype })]));
}
