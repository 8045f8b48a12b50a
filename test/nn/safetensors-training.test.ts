import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DataFormatError, DataLoader, SGD, evaluate, fc2, fit, lenet5, parseSafetensors, randn, serializeSafetensors, subset, tensor,
} from '../../src/index.js';
import { loadMnist, loadModel, loadSafetensors, saveModel, saveSafetensors } from '../../src/node.js';

const dir = mkdtempSync(join(tmpdir(), 'adtn-st-'));

describe('safetensors', () => {
  it('writes exactly the specified layout', () => {
    const bytes = serializeSafetensors({ b: tensor([1, 2], { dtype: 'float64' }), a: tensor([[3]]) });
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
    // Entries sorted by name, offsets relative to the buffer, little-endian data.
    expect(header).toEqual({ a: { dtype: 'F32', shape: [1, 1], data_offsets: [0, 4] }, b: { dtype: 'F64', shape: [2], data_offsets: [4, 20] } });
    expect((8 + headerLength) % 8).toBe(0);
    const data = bytes.subarray(8 + headerLength);
    expect(new DataView(data.buffer, data.byteOffset).getFloat32(0, true)).toBe(3);
    expect(new DataView(data.buffer, data.byteOffset).getFloat64(12, true)).toBe(2);
  });

  it('round-trips float32 and float64 tensors and metadata through a file, atomically', () => {
    const tensors = new Map([['w', randn([3, 4], { seed: 1 })], ['x.y', randn([5], { dtype: 'float64', seed: 2 })], ['empty', tensor([])]]);
    const path = join(dir, 'model.safetensors');
    saveSafetensors(path, tensors, { format: 'adtn', epoch: '3' });
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const { tensors: back, metadata } = loadSafetensors(path);
    expect(metadata).toEqual({ format: 'adtn', epoch: '3' });
    for (const [name, t] of tensors) {
      expect(back.get(name)!.dtype).toBe(t.dtype);
      expect(back.get(name)!.shape).toEqual(t.shape);
      expect(Array.from(back.get(name)!.toArray())).toEqual(Array.from(t.toArray()));
    }
  });

  it('saves and loads a model state', () => {
    const a = lenet5({ seed: 1 });
    const b = lenet5({ seed: 2 });
    const path = join(dir, 'lenet.safetensors');
    saveModel(a, path, { note: 'test' });
    expect(loadModel(b, path)).toEqual({ note: 'test' });
    expect(Array.from(b.parameters()[0]!.toArray())).toEqual(Array.from(a.parameters()[0]!.toArray()));
  });

  it('round-trips a tensor named __proto__ and space-padded headers', () => {
    const bytes = serializeSafetensors(new Map([['__proto__', tensor([1, 2])], ['b', tensor([3])]]), { __proto__x: 'y' });
    const parsed = parseSafetensors(bytes);
    expect([...parsed.tensors.keys()].sort()).toEqual(['__proto__', 'b']);
    expect(Array.from(parsed.tensors.get('__proto__')!.data)).toEqual([1, 2]);
  });

  it('loading a state dict is all or nothing', () => {
    const model = fc2({ seed: 1 });
    const before = model.parameters().map((p) => Array.from(p.toArray()));
    const state = model.stateDict();
    const wrong = new Map([...state].map(([k, t]) => [k, k === 'fc2.bias' ? tensor([1, 2, 3]) : t.mul(0)]));
    expect(() => model.loadStateDict(wrong)).toThrow(/fc2.bias has shape \[3\], the module has \[10\]/);
    expect(model.parameters().map((p) => Array.from(p.toArray()))).toEqual(before);
  });

  it('rejects malformed files with a clear error', () => {
    const good = serializeSafetensors({ a: tensor([1, 2, 3]) });
    const headerLength = Number(new DataView(good.buffer).getBigUint64(0, true));
    const withHeader = (header: object, data = new Uint8Array(12)) => {
      const json = new TextEncoder().encode(JSON.stringify(header));
      const out = new Uint8Array(8 + json.length + data.length);
      new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
      out.set(json, 8);
      out.set(data, 8 + json.length);
      return out;
    };
    const withRawHeader = (json: string) => {
      const text = new TextEncoder().encode(json);
      const out = new Uint8Array(8 + text.length + 12);
      new DataView(out.buffer).setBigUint64(0, BigInt(text.length), true);
      out.set(text, 8);
      return out;
    };
    const cases: [string, Uint8Array, RegExp][] = [
      ['short', good.subarray(0, 5), /too short/],
      ['huge header', (() => { const b = Uint8Array.from(good); new DataView(b.buffer).setBigUint64(0, 10n ** 12n, true); return b; })(), /header length/],
      ['not json', (() => { const b = Uint8Array.from(good); b[8] = 0x7b + 1; return b; })(), /not valid UTF-8 JSON/],
      ['array header', withHeader([1, 2]), /not a JSON object/],
      ['bad dtype', withHeader({ a: { dtype: 'X9', shape: [3], data_offsets: [0, 12] } }), /unknown dtype/],
      ['unsupported dtype', withHeader({ a: { dtype: 'F16', shape: [6], data_offsets: [0, 12] } }), /F32 and F64 only/],
      ['bad shape', withHeader({ a: { dtype: 'F32', shape: [-3], data_offsets: [0, 12] } }), /invalid shape/],
      ['offsets outside', withHeader({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 16] } }), /outside the 12-byte buffer/],
      ['size mismatch', withHeader({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 12] } }), /needs 8/],
      ['hole', withHeader({ a: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }), /hole/],
      ['overlap', withHeader({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }), /overlaps/],
      ['trailing', withHeader({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }), /4 bytes that no entry uses/],
      ['metadata', withHeader({ __metadata__: { n: 3 }, a: { dtype: 'F32', shape: [3], data_offsets: [0, 12] } }), /not a string/],
      ['leading whitespace', withRawHeader('\n {"a":{"dtype":"F32","shape":[3],"data_offsets":[0,12]}}'), /must start with "\{"/],
      ['tab padding', withRawHeader('{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,12]}}\t'), /followed only by spaces/],
    ];
    for (const [name, bytes, pattern] of cases) {
      expect(() => parseSafetensors(bytes, name), name).toThrow(DataFormatError);
      expect(() => parseSafetensors(bytes, name), name).toThrow(pattern);
    }
    expect(headerLength).toBeGreaterThan(0);
    writeFileSync(join(dir, 'broken.safetensors'), good.subarray(0, good.length - 1));
    expect(() => loadSafetensors(join(dir, 'broken.safetensors'))).toThrow(/broken.safetensors/);
    expect(existsSync(join(dir, 'broken.safetensors'))).toBe(true);
    expect(readFileSync(join(dir, 'broken.safetensors')).length).toBe(good.length - 1);
  });
});

describe('training on real data', () => {
  it('FC-2 learns MNIST: trained on 2,000 images for a few seconds, clearly above chance on 1,000 held-out ones', async () => {
    const { train, test } = loadMnist();
    const norm = { mean: [0.1307], std: [0.3081] };
    const model = fc2({ hidden: 256, seed: 1 });
    const loader = new DataLoader(subset(train, 2000), { batchSize: 50, shuffle: true, seed: 2, ...norm });
    const heldOut = new DataLoader(subset(test, 1000), { batchSize: 250, ...norm });
    const before = evaluate(model, heldOut).accuracy;
    const start = performance.now();
    const reports = await fit(model, new SGD(model.parameters(), { lr: 0.05, momentum: 0.9 }), loader, { epochs: 3 });
    const after = evaluate(model, heldOut).accuracy;
    console.log(`FC-2 on 2,000 MNIST images: held-out accuracy ${before.toFixed(3)} -> ${after.toFixed(3)} in ${((performance.now() - start) / 1000).toFixed(1)} s`);
    expect(reports[2]!.loss).toBeLessThan(reports[0]!.loss);
    expect(after).toBeGreaterThan(0.8);
  });
});
