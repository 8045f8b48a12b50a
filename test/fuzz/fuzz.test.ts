// Property-based fuzzing (fast-check): einsum specs and shapes, safetensors / IDX / CIFAR / gzip
// bytes, CLI argument lists, and operations called with arguments of random types, shapes and
// dtypes. The only acceptable outcomes are a correct result or one of the library's error classes
// (UsageError for the CLI): never another exception, a hang or a crash. A bounded run is part of
// `npm test`; `npm run fuzz` runs the same properties with ADTN_FUZZ_RUNS per property.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import * as L from '../../src/index.js';
import { loadIdxDataset } from '../../src/node.js';
import { parseFlags, UsageError } from '../../src/cli/args.js';
import { COMPARE } from '../../src/cli/commands/compare.js';
import { COMPRESS } from '../../src/cli/commands/compress.js';
import { EVAL } from '../../src/cli/commands/eval.js';
import { REPORT } from '../../src/cli/commands/report.js';
import { TRAIN } from '../../src/cli/commands/train.js';
import { compressionFrom, layerDepthsFrom, trainingFrom } from '../../src/cli/flag-groups.js';

const RUNS = Number(process.env.ADTN_FUZZ_RUNS ?? 150);
const SEED = Number(process.env.ADTN_FUZZ_SEED ?? 20261130);
const settings = { numRuns: RUNS, seed: SEED };
let generated = 0;

/** Runs fn; an error of the library's classes (or the given extra class) is an acceptable outcome. */
function refusedCleanly(fn: () => unknown, extra?: abstract new (...args: never[]) => Error): boolean {
  generated++;
  try {
    L.tidy(() => {
      fn();
    });
    return true;
  } catch (error) {
    if (error instanceof L.AdtnError || (extra !== undefined && error instanceof extra)) return true;
    throw error;
  }
}

// --- einsum ----------------------------------------------------------------------------------

const LABELS = 'abcd';

/** Sums over every assignment of the labels: the obvious einsum, for small sizes. */
function referenceEinsum(inputs: string[], output: string, sizes: Record<string, number>, values: Float64Array[], shapes: number[][]): number[] {
  const labels = [...new Set(inputs.join('') + output)];
  const result = new Array<number>(output.split('').reduce((p, l) => p * sizes[l]!, 1)).fill(0);
  const assignment: Record<string, number> = {};
  const visit = (k: number): void => {
    if (k === labels.length) {
      let product = 1;
      inputs.forEach((term, i) => {
        let offset = 0;
        term.split('').forEach((l, d) => { offset = offset * shapes[i]![d]! + assignment[l]!; });
        product *= values[i]![offset]!;
      });
      let at = 0;
      for (const l of output) at = at * sizes[l]! + assignment[l]!;
      result[at]! += product;
      return;
    }
    for (let v = 0; v < sizes[labels[k]!]!; v++) {
      assignment[labels[k]!] = v;
      visit(k + 1);
    }
  };
  visit(0);
  return result;
}

const einsumCase = fc.record({
  terms: fc.array(fc.array(fc.constantFrom(...LABELS), { maxLength: 3 }), { minLength: 1, maxLength: 3 }),
  sizes: fc.record({ a: fc.integer({ min: 1, max: 3 }), b: fc.integer({ min: 1, max: 3 }), c: fc.integer({ min: 0, max: 2 }), d: fc.integer({ min: 1, max: 2 }) }),
  explicit: fc.boolean(),
  outputPick: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
  breakShape: fc.option(fc.integer({ min: 0, max: 2 }), { freq: 4 }),
  garbage: fc.option(fc.string({ maxLength: 6 }), { freq: 6 }),
});

// --- bytes -----------------------------------------------------------------------------------

/** A valid file, then mutated: bytes changed, cut short, or extended. */
function mutated(valid: Uint8Array) {
  return fc.record({
    edits: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
    cut: fc.option(fc.nat(), { freq: 3 }),
    extra: fc.uint8Array({ maxLength: 8 }),
  }).map(({ edits, cut, extra }) => {
    const bytes = Uint8Array.from(valid);
    for (const [at, value] of edits) bytes[at % bytes.length] = value;
    const end = cut === null ? bytes.length : cut % (bytes.length + 1);
    const out = new Uint8Array(end + extra.length);
    out.set(bytes.subarray(0, end));
    out.set(extra, end);
    return out;
  });
}

const validSafetensors = L.tidy(() => L.serializeSafetensors({ w: L.tensor([[1, 2], [3, 4]]), b: L.tensor([1, 2, 3], { dtype: 'float64' }) }, { note: 'x' }));
const validIdx = L.encodeIdx([2, 3, 3], Uint8Array.from({ length: 18 }, (_, i) => i));
const validCifar = new Uint8Array(2 * 3073).map((_, i) => (i % 3073 === 0 ? i % 10 : i % 251));

// --- CLI -------------------------------------------------------------------------------------

const COMMANDS = [COMPARE, COMPRESS, EVAL, REPORT, TRAIN];
const flagNames = [...new Set(COMMANDS.flatMap((c) => Object.keys(c.flags)))].map((k) => `--${k.replace(/[A-Z]/g, (x) => `-${x.toLowerCase()}`)}`);
const cliToken = fc.oneof(
  fc.constantFrom(...flagNames, '--bogus', '--', '-x', '--help', '--no-distill'),
  fc.constantFrom('0', '1', '-1', '1.5', '0x2', '1e400', 'NaN', '', ' ', 'adtn', 'tt', 'lowrank', 'fc2', 'vgg16', 'fc1,fc2', 'fc2=20', 'fc2=', '=3', '4,8', ',', 'mnist', 'x.safetensors'),
  fc.string({ maxLength: 8 }),
);

// --- operations ------------------------------------------------------------------------------

const shapeArb = fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 4 });
type Arg = { kind: 'tensor'; shape: number[]; dtype: 'float32' | 'float64'; grad: boolean } | { kind: 'value'; value: unknown };
const argArb: fc.Arbitrary<Arg> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('tensor' as const), shape: shapeArb, dtype: fc.constantFrom('float32' as const, 'float64' as const), grad: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('value' as const), value: fc.oneof(
    fc.integer({ min: -4, max: 4 }), fc.constantFrom(NaN, Infinity, -0, 1.5, 1e9, 2 ** 31),
    fc.constantFrom('same', '', 'float32', 'ij->j'), fc.constant(null), fc.constant(undefined), fc.boolean(),
    fc.array(fc.integer({ min: -3, max: 3 }), { maxLength: 4 }), fc.array(fc.array(fc.integer({ min: -3, max: 3 }), { maxLength: 3 }), { maxLength: 3 }),
    fc.constantFrom({}, { padding: 1 }, { stride: 0 }, { dtype: 'int8' }, { keepdims: true }, [null, [0, 2]]),
  ) }) },
);

function materialise(arg: Arg, seed: number): unknown {
  if (arg.kind === 'value') return arg.value;
  return L.randn(arg.shape, { dtype: arg.dtype, requiresGrad: arg.grad, seed });
}

// A Tensor method, on a first argument that is a tensor (other receivers are JavaScript's to refuse).
function method(receiver: unknown, call: (t: L.Tensor) => unknown): unknown {
  return receiver instanceof L.Tensor ? call(receiver) : undefined;
}

const OPERATIONS: [string, (...args: any[]) => unknown][] = [
  ['add', L.add], ['sub', L.sub], ['mul', L.mul], ['div', L.div], ['pow', L.pow], ['maximum', L.maximum],
  ['matmul', L.matmul], ['sum', L.sum], ['mean', L.mean], ['max', L.max], ['argmax', L.argmax], ['min', L.min],
  ['reshape', L.reshape], ['flatten', L.flatten], ['squeeze', L.squeeze], ['unsqueeze', L.unsqueeze], ['permute', L.permute],
  ['transpose', L.transpose], ['expand', L.expand], ['slice', L.slice], ['concat', (a: unknown, b: unknown, c: unknown) => L.concat([a, b] as never, c as never)],
  ['stack', (a: unknown, b: unknown, c: unknown) => L.stack([a, b] as never, c as never)], ['pad', L.pad],
  ['indexSelect', L.indexSelect], ['gather', L.gather], ['where', L.where], ['oneHot', L.oneHot],
  ['softmax', L.softmax], ['logSoftmax', L.logSoftmax], ['logsumexp', L.logsumexp], ['crossEntropy', L.crossEntropy], ['mse', L.mse],
  ['gelu', L.gelu], ['dropout', L.dropout], ['conv2d', L.conv2d], ['maxPool2d', L.maxPool2d], ['avgPool2d', L.avgPool2d],
  ['adaptiveAvgPool2d', L.adaptiveAvgPool2d], ['einsum', (s: unknown, a: unknown, b: unknown) => L.einsum(s as never, a as never, b as never)],
  ['tensor', L.tensor], ['zeros', L.zeros], ['ones', L.ones], ['full', L.full], ['arange', L.arange], ['eye', L.eye], ['randn', L.randn],
  ['rand', L.rand], ['svd', L.svd], ['qr', L.qr], ['svdTruncated', L.svdTruncated], ['randomizedSvd', L.randomizedSvd],
  ['backward', (a: unknown, b: unknown, c: unknown) => method(a, (t) => t.backward(b as never, c as never))],
  ['item', (a: unknown) => method(a, (t) => t.item())], ['astype', (a: unknown, b: unknown) => method(a, (t) => t.astype(b as never))],
  ['slice method', (a: unknown, b: unknown) => method(a, (t) => t.slice(b as never))], ['sum method', (a: unknown, b: unknown, c: unknown) => method(a, (t) => t.sum(b as never, c as never))],
  ['assign', (a: unknown, b: unknown) => method(a, (t) => L.noGrad(() => t.assign(b as never)))],
  ['addInPlace', (a: unknown, b: unknown, c: unknown) => method(a, (t) => L.noGrad(() => t.addInPlace(b as never, c as never)))],
  ['detach', L.detach], ['gradcheck', L.gradcheck], ['contractPath', (s: unknown, a: unknown, b: unknown) => L.contractPath(s as never, a as never, b as never)],
  ['applyCircuit', L.applyCircuit], ['subset', L.subset], ['fans', L.fans], ['kaimingUniform', L.kaimingUniform],
  ['Linear', (a: unknown, b: unknown, c: unknown) => new L.Linear(a as never, b as never, c as never)],
  ['Conv2d', (a: unknown, b: unknown, c: unknown, d: unknown) => new L.Conv2d(a as never, b as never, c as never, d as never)],
  ['Dropout', (a: unknown, b: unknown) => new L.Dropout(a as never, b as never)], ['BatchNorm1d', (a: unknown, b: unknown) => new L.BatchNorm1d(a as never, b as never)],
  ['AdtnWeight', (a: unknown, b: unknown) => new L.AdtnWeight(a as never, b as never)], ['TTWeight', (a: unknown, b: unknown) => new L.TTWeight(a as never, b as never)],
  ['LowRankWeight', (a: unknown, b: unknown) => new L.LowRankWeight(a as never, b as never)],
  ['Adam', (a: unknown, b: unknown) => new L.Adam(a as never, b as never)], ['SGD', (a: unknown, b: unknown) => new L.SGD(a as never, b as never)],
  ['DataLoader', (a: unknown, b: unknown) => new L.DataLoader(a as never, b as never)], ['fc2', L.fc2], ['lenet5', L.lenet5],
  ['distillationLoss', L.distillationLoss],
];

const dir = mkdtempSync(join(tmpdir(), 'adtn-fuzz-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  if (process.env.ADTN_FUZZ_RUNS !== undefined) process.stdout.write(`fuzz: ${generated} generated inputs\n`);
});

// A full `npm run fuzz` takes minutes per property on a busy machine: the limit grows with the runs.
describe('fuzzing', { timeout: Math.max(600_000, RUNS * 250) }, () => {
  it('einsum: random specs and shapes give the reference result or a library error', () => {
    fc.assert(fc.property(einsumCase, ({ terms, sizes, explicit, outputPick, breakShape, garbage }) => {
      const inputs = terms.map((t) => t.join(''));
      const counts = new Map<string, number>();
      for (const l of inputs.join('')) counts.set(l, (counts.get(l) ?? 0) + 1);
      const output = explicit
        ? [...LABELS].filter((l, i) => outputPick[i] && counts.has(l)).join('')
        : [...counts.keys()].filter((l) => counts.get(l) === 1).sort().join('');
      const spec = garbage ?? `${inputs.join(',')}${explicit ? `->${output}` : ''}`;
      const shapes = inputs.map((t, i) => t.split('').map((l, d) => sizes[l as 'a'] + (breakShape === i && d === 0 ? 1 : 0)));
      return refusedCleanly(() => {
        const values = shapes.map((s, i) => Float64Array.from({ length: s.reduce((p, x) => p * x, 1) }, (_, k) => ((k * 7 + i * 3) % 5) - 2));
        const tensors = values.map((v, i) => L.tensor(Array.from(v), { shape: shapes[i]!, dtype: 'float64' }));
        const result = L.einsum(spec, ...tensors);
        if (garbage === null && breakShape === null) {
          const expected = referenceEinsum(inputs, output, sizes, values, shapes);
          expect(Array.from(result.toArray())).toEqual(expected);
        }
      });
    }), settings);
  });

  it('safetensors, IDX and CIFAR bytes: parsed or refused with DataFormatError', () => {
    const anyBytes = fc.uint8Array({ maxLength: 96 });
    fc.assert(fc.property(fc.oneof(mutated(validSafetensors), anyBytes), (bytes) => refusedCleanly(() => {
      const { tensors } = L.parseSafetensors(bytes);
      for (const t of L.tensorsFromSafetensors(tensors).values()) t.toArray();
    })), settings);
    fc.assert(fc.property(fc.oneof(mutated(validIdx), anyBytes), (bytes) => refusedCleanly(() => L.parseIdx(bytes))), settings);
    fc.assert(fc.property(fc.oneof(mutated(validCifar), anyBytes), fc.constantFrom('cifar10', 'cifar100'), (bytes, variant) => refusedCleanly(() => L.parseCifar(bytes, variant as L.CifarVariant))), settings);
  });

  it('gzip files: inflated and parsed, or refused with DataFormatError', () => {
    const labels = join(dir, 'labels');
    writeFileSync(labels, L.encodeIdx([2], Uint8Array.from([1, 2])));
    fc.assert(fc.property(mutated(gzipSync(validIdx)), (bytes) => {
      const path = join(dir, 'images.gz');
      writeFileSync(path, bytes);
      return refusedCleanly(() => loadIdxDataset(path, labels));
    }), { ...settings, numRuns: Math.max(1, Math.floor(RUNS / 3)) });
  });

  it('CLI argument lists: parsed, or refused with a UsageError', () => {
    fc.assert(fc.property(fc.constantFrom(...COMMANDS), fc.array(cliToken, { maxLength: 8 }), (command, argv) => refusedCleanly(() => {
      const parsed = parseFlags(command, argv);
      if (parsed === null) return;
      if ('lr' in parsed.flags) trainingFrom(parsed.flags);
      if ('method' in parsed.flags && 'ttRanks' in parsed.flags) compressionFrom(parsed.flags);
      layerDepthsFrom(parsed.flags.layerDepth as string[] | undefined);
    }, UsageError)), settings);
  });

  it('operations with arguments of random types, shapes and dtypes: a result or a library error', () => {
    fc.assert(fc.property(fc.constantFrom(...OPERATIONS), fc.array(argArb, { maxLength: 4 }), fc.nat(), ([, op], args, seed) => refusedCleanly(() => {
      const values = args.map((a, i) => materialise(a, seed + i));
      const out = op(...values);
      if (out instanceof L.Tensor && out.size < 1e6) out.toArray();
    })), { ...settings, numRuns: RUNS * 4 });
  });
});
