// The adtn command line, run as a separate process (the built dist/cli/main.js) on tiny inputs:
// every command works, exit codes are right, bad input gets a clear message, reports are complete.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSafetensors, saveSafetensors } from '../../src/node.js';

const CLI = resolve(__dirname, '../../dist/cli/main.js');
const TINY = ['--limit', '300', '--test-limit', '200'];
let dir = '';

function adtn(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 240_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function rowsOf(file: string): { label: string; method: string; layerParameters: number; testAccuracy: number }[] {
  return JSON.parse(readFileSync(join(dir, file), 'utf8')).rows;
}

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build (npm test builds it first)`);
  dir = mkdtempSync(join(tmpdir(), 'adtn-cli-'));
});

afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

describe('usage and errors', { timeout: 300_000 }, () => {
  it('without a command prints the overview and exits 2; --help exits 0', () => {
    const none = adtn([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/usage: adtn <command>/);
    for (const command of ['compare', 'train', 'compress', 'eval', 'report']) {
      const help = adtn([command, '--help']);
      expect(help.code, command).toBe(0);
      expect(help.stdout).toContain(`usage: adtn ${command} [flags]`);
      expect(help.stdout).toMatch(/--\w/);
    }
  });

  it('bad commands, flags and values exit 2 with a message naming the problem', () => {
    const cases: [string[], RegExp][] = [
      [['frobnicate'], /unknown command "frobnicate"; commands: compare, train/],
      [['train', '--bogus', '1'], /adtn train: unknown flag --bogus \(known flags: --model/],
      [['train', '--epochs', 'x', '--out', 'a.safetensors'], /--epochs must be a number, got "x"/],
      [['train', '--epochs', '1.5', '--out', 'a.safetensors'], /--epochs must be an integer/],
      [['train', '--epochs', '0x2', '--out', 'a.safetensors'], /--epochs must be a number, got "0x2"/],
      [['train', '--out', '/proc/adtn-cli/y.safetensors'], /adtn train: --out \/proc\/adtn-cli\/y.safetensors cannot be written: ENOENT/],
      [['compare', '--out', '/proc/adtn-cli'], /adtn compare: --out \/proc\/adtn-cli cannot be written/],
      [['report', '--results', 'r.json', '--out', '/proc/adtn-cli'], /adtn report: --out \/proc\/adtn-cli cannot be written/],
      [['train', '--lr', ' 0.1', '--out', 'a.safetensors'], /--lr must be a number, got " 0.1"/],
      [['train', '--epochs', '0', '--out', 'a.safetensors'], /--epochs must be at least 1/],
      [['train', '--model', 'resnet', '--out', 'a.safetensors'], /--model must be one of fc2, lenet5, alexnet, zfnet, vgg16, got "resnet"/],
      [['train', '--epochs'], /--epochs needs a value/],
      [['train'], /--out FILE is required/],
      [['train', 'fc2'], /unexpected argument "fc2"/],
      [['compress', '--out', 'c.safetensors'], /--checkpoint FILE is required/],
      [['compress', '--checkpoint', 'missing.safetensors', '--out', 'c.safetensors'], /no such checkpoint: missing.safetensors/],
      [['eval', '--checkpoint', 'missing.safetensors'], /no such checkpoint/],
      [['report', '--results', 'missing.json', '--out', 'r'], /no such results file: missing.json/],
      [['train', '--dataset', 'cifar10', '--model', 'alexnet', '--out', 'a.safetensors'], /cifar10 needs --data DIR/],
      [['train', '--data', 'nowhere', '--out', 'a.safetensors'], /--data: no such folder: nowhere/],
      [['train', '--width', '0', '--model', 'vgg16', '--out', 'a.safetensors'], /--width must be in \(0, 4\], got 0/],
      [['train', '--width', '100', '--model', 'vgg16', '--out', 'a.safetensors'], /--width must be in \(0, 4\], got 100/],
      [['train', '--hidden', '0', '--model', 'vgg16', '--out', 'a.safetensors'], /--hidden must be at least 1/],
      [['train', '--dataset', 'fashion-mnist', '--data', '.', '--out', 'a.safetensors'], /fashion-mnist: train-images-idx3-ubyte, .*t10k-labels-idx1-ubyte \(or \.gz\) missing in \./],
      [['compare', '--methods', 'lowrank', '--rank', '2000', '--out', 'never', ...TINY], /compare \(low rank r=2000\): .*rank must be an integer in \[1, 784\], got 2000/],
      [['compare', '--layer-depth', 'fc2:20', '--out', 'never', ...TINY], /--layer-depth takes layer=M pairs with M a positive integer, e.g. fc2=20; got "fc2:20"/],
      [['compare', '--layers', 'fc1,fc9', '--out', 'never', ...TINY], /compare --layers \(fc2\): .*no layer named "fc9"; layers with weights: fc1, fc2/],
      [['eval', '--checkpoint', '.'], /\. is not a file/],
      [['report', '--results', '.', '--out', 'r'], /\. is not a file/],
    ];
    for (const [args, message] of cases) {
      const r = adtn(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
  });
});

describe('train, compress, eval and report on MNIST', { timeout: 300_000 }, () => {
  it('train writes a checkpoint and resumes it; quiet output without a terminal', () => {
    const first = adtn(['train', '--model', 'fc2', '--epochs', '1', '--out', 'fc2.safetensors', ...TINY]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toBe('');
    expect(first.stdout).toMatch(/kernels: relaxed SIMD/);
    expect(first.stdout).toMatch(/fc2 epoch 1\/1: loss [\d.]+, train [\d.]+%, test [\d.]+%/);
    expect(existsSync(join(dir, 'fc2.safetensors'))).toBe(true);
    const again = adtn(['train', '--epochs', '1', '--out', 'fc2.safetensors', ...TINY]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/exists; pass --resume to continue it or --force to start over/);
    const resumed = adtn(['train', '--epochs', '2', '--out', 'fc2.safetensors', '--resume', ...TINY]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/resuming fc2.safetensors: fc2, 1 epochs done/);
    expect(resumed.stdout).toMatch(/fc2 epoch 2\/2/);
    expect(resumed.stdout).not.toMatch(/epoch 1\/2/);
    // A resumed run keeps its recipe: a conflicting flag is refused before any work.
    const conflicting = adtn(['train', '--epochs', '3', '--out', 'fc2.safetensors', '--resume', '--lr', '0.01', ...TINY]);
    expect(conflicting.code).toBe(2);
    expect(conflicting.stderr).toMatch(/fc2.safetensors was trained with --lr 0.001, not 0.01; resume without the flag/);
    const otherLimit = adtn(['train', '--epochs', '3', '--out', 'fc2.safetensors', '--resume', '--limit', '100']);
    expect(otherLimit.code).toBe(2);
    expect(otherLimit.stderr).toMatch(/was trained with --limit 300, not 100/);
  });

  it('ADTN_BUILD=simd runs the plain SIMD kernels and says so', () => {
    const r = adtn(['eval', '--checkpoint', 'fc2.safetensors', '--test-limit', '100'], { ADTN_BUILD: 'simd' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/kernels: SIMD/);
  });

  it('compress with each method, eval, then report with one row and one point per method', () => {
    const runs: [string, string[]][] = [
      ['adtn', ['--method', 'adtn', '--depth', '2']],
      ['lowrank', ['--method', 'lowrank', '--rank', '2']],
      ['tt', ['--method', 'tt', '--tt-ranks', '3', '--init', 'fit', '--fit-steps', '5']],
    ];
    for (const [method, flags] of runs) {
      const r = adtn(['compress', '--checkpoint', 'fc2.safetensors', '--layers', 'fc1,fc2', ...flags, '--epochs', '1', '--out', `fc2-${method}.safetensors`, '--results', 'results.json', '--label', method, ...TINY]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`fc1: ${method} .*802,816 -> [\\d,]+ parameters`));
      expect(r.stdout).toMatch(/parameters: 814,090 -> [\d,]+ \(model [\d.]+x, compressed layers [\d.]+x\)/);
      // Compression distils from the checkpoint it compresses unless told otherwise.
      expect(r.stdout).toMatch(/distilling from fc2.safetensors \(fc2, test accuracy [\d.]+%\): temperature 4, alpha 0.9/);
    }
    for (const [flags, message] of [
      [['--teacher', 'nowhere.safetensors'], /--teacher: no such checkpoint: nowhere.safetensors/],
      [['--method', 'tt', '--shared'], /--shared: only adtn generates several layers with one circuit, not tt/],
      [['--layer-depth', 'fc3=4'], /depth is given for fc3, which is not among the layers compressed \(fc1, fc2\)/],
      [['--shared', '--layer-depth', 'fc2=4'], /a shared ADTN has one depth/],
      [['--results', '/proc/adtn-cli/r.json'], /--results \/proc\/adtn-cli\/r.json cannot be written/],
    ] as const) {
      const r = adtn(['compress', '--checkpoint', 'fc2.safetensors', ...flags, '--out', 'never.safetensors', ...TINY]);
      expect(r.code, `${flags.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    const plain = adtn(['compress', '--checkpoint', 'fc2.safetensors', '--layers', 'fc2', '--method', 'lowrank', '--no-distill', '--epochs', '1', '--out', 'plain.safetensors', ...TINY]);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout).not.toMatch(/distilling/);
    for (const [flags, message] of [
      [['--method', 'tt', '--tt-ranks', '2,2,2'], /TTWeight: ranks must be a positive integer or 2 positive integers, got \[2,2,2\]/],
      [['--method', 'lowrank', '--rank', '20', '--layers', 'fc2'], /LowRankWeight: rank must be an integer in \[1, 10\], got 20/],
    ] as const) {
      const r = adtn(['compress', '--checkpoint', 'fc2.safetensors', ...flags, '--out', 'x.safetensors', ...TINY]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    const unknownLayer = adtn(['compress', '--checkpoint', 'fc2.safetensors', '--layers', 'fc3', '--out', 'x.safetensors', ...TINY]);
    expect(unknownLayer.code).toBe(2);
    expect(unknownLayer.stderr).toMatch(/no layer named "fc3"; layers with weights: fc1, fc2/);
    // TT-SVD cuts ranks the weight cannot have; the checkpoint still loads.
    const tooRanky = adtn(['compress', '--checkpoint', 'fc2.safetensors', '--layers', 'fc2', '--method', 'tt', '--tt-ranks', '20', '--epochs', '0', '--out', 'tt20.safetensors', ...TINY]);
    expect(tooRanky.code, tooRanky.stderr).toBe(0);
    const ttEval = adtn(['eval', '--checkpoint', 'tt20.safetensors', '--test-limit', '100']);
    expect(ttEval.code, ttEval.stderr).toBe(0);
    expect(ttEval.stdout).toMatch(/fc2\s+Linear\s+tt\s/);
    expect(adtn(['compress', '--checkpoint', 'fc2.safetensors', '--method', 'adtn', '--init', 'svd', '--out', 'x.safetensors', ...TINY]).stderr).toMatch(/--init svd does not exist for adtn/);

    const evaluation = adtn(['eval', '--checkpoint', 'fc2-adtn.safetensors', '--decode', '--test-limit', '200']);
    expect(evaluation.code, evaluation.stderr).toBe(0);
    expect(evaluation.stdout).toMatch(/fc1\s+Linear\s+adtn\s+\[1024, 784\]\s+802,816\s+609/);
    const decoded = adtn(['eval', '--checkpoint', 'fc2-adtn.safetensors', '--decode', '--test-limit', '200', '--results', 'decoded.json', '--label', 'decoded']);
    expect(decoded.code, decoded.stderr).toBe(0);
    expect(rowsOf('decoded.json')[0]).toMatchObject({ label: 'decoded', method: 'adtn', layerParameters: 16 * 2 * 19 + 1 + 16 * 2 * 13 + 1 });
    const dense = adtn(['eval', '--checkpoint', 'fc2.safetensors', '--test-limit', '200', '--results', 'results.json', '--label', 'dense', '--layers', 'fc1,fc2']);
    expect(dense.code, dense.stderr).toBe(0);
    const noSuchLayer = adtn(['eval', '--checkpoint', 'fc2.safetensors', '--test-limit', '10', '--layers', 'fc9']);
    expect(noSuchLayer.code).toBe(2);
    expect(noSuchLayer.stderr).toMatch(/--layers: fc2.safetensors has no layer fc9 \(layers: fc1, fc2\)/);

    const rows = rowsOf('results.json');
    expect(rows.map((r) => r.label).sort()).toEqual(['adtn', 'dense', 'lowrank', 'tt']);
    expect(rows.find((r) => r.label === 'adtn')!.layerParameters).toBe(16 * 2 * 19 + 1 + 16 * 2 * 13 + 1);
    // The dense row counts the weights the compressed rows replace: fc1 and fc2 of FC-2.
    expect(rows.find((r) => r.label === 'dense')!.layerParameters).toBe(1024 * 784 + 10 * 1024);

    const report = adtn(['report', '--results', 'results.json', '--out', 'report', '--title', 'FC-2 test']);
    expect(report.code, report.stderr).toBe(0);
    const markdown = readFileSync(join(dir, 'report', 'report.md'), 'utf8');
    for (const method of ['dense', 'adtn', 'lowrank', 'tt']) expect(markdown).toMatch(new RegExp(`^\\| ${method} \\|`, 'm'));
    expect(markdown.split('\n').filter((l) => /^\| (dense|adtn|lowrank|tt) \|/.test(l))).toHaveLength(4);
    const svg = readFileSync(join(dir, 'report', 'accuracy-vs-parameters.svg'), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<circle [^>]*data-method=/g)).toHaveLength(4);
    for (const method of ['dense', 'adtn', 'lowrank', 'tt']) expect(svg).toContain(`data-method="${method}"`);
  });

  it('compress --resume continues fine-tuning', () => {
    const r = adtn(['compress', '--out', 'fc2-lowrank.safetensors', '--resume', '--epochs', '2', ...TINY]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/1 fine-tuning epochs done/);
    expect(r.stdout).toMatch(/fine-tune epoch 2\/2/);
  });

  it('a corrupt checkpoint is reported, not crashed on', () => {
    writeFileSync(join(dir, 'bad.safetensors'), new Uint8Array([1, 2, 3]));
    const r = adtn(['eval', '--checkpoint', 'bad.safetensors']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/adtn eval: .*bad.safetensors/);
    expect(r.stderr).not.toMatch(/unexpected failure/);
    // Valid safetensors whose run metadata has no compression table.
    const { tensors, metadata } = loadSafetensors(join(dir, 'fc2.safetensors'));
    const state = JSON.parse(metadata['adtn.run']!);
    for (const [name, compression] of [['null', null], ['list', []]] as const) {
      saveSafetensors(join(dir, `compression-${name}.safetensors`), tensors, { ...metadata, 'adtn.run': JSON.stringify({ ...state, compression }) });
      const run = adtn(['eval', '--checkpoint', `compression-${name}.safetensors`]);
      expect(run.code, name).toBe(2);
      expect(run.stderr).toMatch(/metadata does not describe a run/);
    }
  });
});

describe('the main job', { timeout: 300_000 }, () => {
  it('compare trains, compresses with every method, prints the table, writes the report, and reuses its runs', () => {
    const args = ['compare', '--out', 'cmp', '--epochs', '1', '--fine-tune-epochs', '1', '--depth', '2', ...TINY];
    const r = adtn(args);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/method\s+config\s+layer params\s+ratio\s+total params\s+test acc\s+time \(s\)/);
    for (const method of ['dense', 'adtn', 'lowrank', 'tt']) expect(r.stdout).toMatch(new RegExp(`^${method}\\s`, 'm'));
    expect(rowsOf('cmp/results.json').map((row) => row.method)).toEqual(['dense', 'adtn', 'lowrank', 'tt']);
    expect(existsSync(join(dir, 'cmp', 'report.md'))).toBe(true);
    expect(existsSync(join(dir, 'cmp', 'accuracy-vs-parameters.svg'))).toBe(true);
    // A dense checkpoint from before input shapes were recorded is still reused.
    const densePath = join(dir, 'cmp', 'fc2-dense.safetensors');
    const { tensors, metadata } = loadSafetensors(densePath);
    const state = JSON.parse(metadata['adtn.run']!);
    delete state.model.inputShape;
    saveSafetensors(densePath, tensors, { ...metadata, 'adtn.run': JSON.stringify(state) });
    const again = adtn(args);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/dense: loaded/);
    expect(again.stdout).toMatch(/ADTN M=2: loaded .*\(finished\)/);
    // Runs made with other settings are not passed off as this run's: they start over.
    const changed = adtn([...args, '--methods', 'dense,lowrank', '--fine-tune-lr', '0.002']);
    expect(changed.code, changed.stderr).toBe(0);
    expect(changed.stdout).toMatch(/dense: loaded/);
    expect(changed.stdout).toMatch(/fc2-lowrank-r2.safetensors was made with other settings; starting it over/);
    const otherSeed = adtn([...args, '--methods', 'dense', '--seed', '2']);
    expect(otherSeed.code, otherSeed.stderr).toBe(0);
    expect(otherSeed.stdout).toMatch(/fc2-dense.safetensors was made with other settings; training anew/);
  });

  it('compare --sweep trains each method at several sizes and plots one Pareto line per method; distillation, shifts and a start from scratch', () => {
    const args = ['compare', '--out', 'sweep', '--hidden', '32', '--epochs', '1', '--fine-tune-epochs', '1', '--sweep', '--depth', '1,2', '--rank', '1,2', '--tt-ranks', '2,3', ...TINY];
    const r = adtn([...args, '--distill', '--shift', '1']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/distilling from sweep\/fc2-dense.safetensors/);
    const rows = rowsOf('sweep/results.json');
    expect(rows.map((row) => row.label)).toEqual(['dense', 'ADTN M=1', 'ADTN M=2', 'low rank r=1', 'low rank r=2', 'TT r=2', 'TT r=3']);
    expect(rows[1]!.layerParameters).toBeLessThan(rows[2]!.layerParameters);
    const svg = readFileSync(join(dir, 'sweep', 'accuracy-vs-parameters.svg'), 'utf8');
    expect(svg.match(/<circle [^>]*data-method=/g)).toHaveLength(7);
    expect(readFileSync(join(dir, 'sweep', 'report.md'), 'utf8')).toMatch(/random shifts of up to 1 pixels/);
    // --sweep without lists: the default sizes (here only ADTN, at its four depths).
    const defaults = adtn(['compare', '--out', 'sweep-defaults', '--hidden', '16', '--methods', 'adtn', '--epochs', '1', '--fine-tune-epochs', '0', '--sweep', ...TINY]);
    expect(defaults.code, defaults.stderr).toBe(0);
    expect(rowsOf('sweep-defaults/results.json').map((row) => row.label)).toEqual(['ADTN M=2', 'ADTN M=4', 'ADTN M=8', 'ADTN M=12']);
    const scratch = adtn(['compare', '--out', 'scratch', '--hidden', '16', '--methods', 'dense,adtn,tt', '--from', 'scratch', '--shared', '--epochs', '1', '--fine-tune-epochs', '1', '--depth', '2', ...TINY]);
    expect(scratch.code, scratch.stderr).toBe(0);
    expect(scratch.stdout).toMatch(/fc1, fc2: one shared adtn/);
    const bad = adtn(['compare', '--out', 'never', '--from', 'scratch', '--adtn-init', 'fit', ...TINY]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--adtn-init fit needs the dense weights/);
  });
});

describe('a validation split', { timeout: 300_000 }, () => {
  it('--validation N holds out the last N training images, reports accuracy on them, and is part of the recipe', () => {
    const args = ['compare', '--out', 'val', '--hidden', '16', '--methods', 'dense,tt', '--epochs', '1', '--fine-tune-epochs', '1', '--validation', '500', '--limit', '300', '--test-limit', '50'];
    const r = adtn(args);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\(300 training, 50 validation images\)/);
    expect(r.stdout).toMatch(/dense: validation accuracy/);
    expect(r.stdout).toMatch(/val acc/);
    const rows = JSON.parse(readFileSync(join(dir, 'val', 'results.json'), 'utf8')).rows as { evaluation?: string }[];
    expect(rows.map((row) => row.evaluation)).toEqual(['validation', 'validation']);
    const report = readFileSync(join(dir, 'val', 'report.md'), 'utf8');
    expect(report).toMatch(/% \(validation\) \|/);
    expect(report).toMatch(/the last 500 training images, held out/);
    // The same folder without the split: the dense run was made on other images and trains anew.
    const onTest = adtn(args.filter((a, i) => a !== '--validation' && args[i - 1] !== '--validation'));
    expect(onTest.code, onTest.stderr).toBe(0);
    expect(onTest.stdout).toMatch(/fc2-dense.safetensors was made with other settings; training anew/);
    expect(onTest.stdout).toMatch(/50 test images/);
    // A checkpoint trained on the split resumes only on it.
    const train = adtn(['train', '--epochs', '1', '--out', 'val-fc2.safetensors', '--validation', '500', '--limit', '200', '--test-limit', '50']);
    expect(train.code, train.stderr).toBe(0);
    expect(train.stdout).toMatch(/validation accuracy/);
    // Evaluating or compressing it on a larger split would measure on images it learned.
    const larger = adtn(['eval', '--checkpoint', 'val-fc2.safetensors', '--validation', '600', '--test-limit', '50']);
    expect(larger.code).toBe(2);
    expect(larger.stderr).toMatch(/val-fc2.safetensors was trained with only the last 500 training images held out; --validation 600 would measure accuracy on images it learned/);
    const compressLarger = adtn(['compress', '--checkpoint', 'val-fc2.safetensors', '--method', 'lowrank', '--validation', '600', '--out', 'never.safetensors']);
    expect(compressLarger.code).toBe(2);
    expect(compressLarger.stderr).toMatch(/--validation 600 would measure accuracy on images it learned/);
    const same = adtn(['eval', '--checkpoint', 'val-fc2.safetensors', '--validation', '500', '--test-limit', '50']);
    expect(same.code, same.stderr).toBe(0);
    expect(same.stdout).toMatch(/validation accuracy/);
    const other = adtn(['train', '--epochs', '2', '--out', 'val-fc2.safetensors', '--resume', '--validation', '400']);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/--validation 500, not 400/);
    const tooMany = adtn(['train', '--epochs', '1', '--out', 'never.safetensors', '--validation', '60000']);
    expect(tooMany.code).toBe(2);
    expect(tooMany.stderr).toMatch(/--validation must hold out between 1 and 59999 of the 60000 training images of mnist, got 60000/);
  });
});

describe('CIFAR networks on generated CIFAR binary files', { timeout: 300_000 }, () => {
  function writeCifar(folder: string, variant: 'cifar10' | 'cifar100', files: string[], records: number): void {
    mkdirSync(join(dir, folder), { recursive: true });
    const labelBytes = variant === 'cifar10' ? 1 : 2;
    let seed = 1;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648);
    for (const file of files) {
      const bytes = new Uint8Array(records * (labelBytes + 3072));
      for (let i = 0; i < records; i++) {
        const at = i * (labelBytes + 3072);
        if (variant === 'cifar10') bytes[at] = i % 10;
        else { bytes[at] = i % 20; bytes[at + 1] = i % 100; }
        for (let p = 0; p < 3072; p++) bytes[at + labelBytes + p] = next() % 256;
      }
      writeFileSync(join(dir, folder, file), bytes);
    }
  }

  it('alexnet and zfnet train on CIFAR-10 files; VGG-16 at reduced width gets its two big linear layers ADTN-compressed end to end', () => {
    writeCifar('c10', 'cifar10', ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin', 'test_batch.bin'], 12);
    for (const model of ['alexnet', 'zfnet']) {
      const r = adtn(['train', '--model', model, '--width', '0.0625', '--dataset', 'cifar10', '--data', 'c10', '--epochs', '1', '--batch-size', '16', '--out', `${model}.safetensors`]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/60 training, 12 test images/);
    }
    const vgg = adtn(['train', '--model', 'vgg16', '--width', '0.0625', '--dataset', 'cifar10', '--data', 'c10', '--epochs', '1', '--batch-size', '16', '--out', 'vgg.safetensors']);
    expect(vgg.code, vgg.stderr).toBe(0);
    const compressed = adtn(['compress', '--checkpoint', 'vgg.safetensors', '--data', 'c10', '--layers', 'fc1,fc2', '--method', 'adtn', '--depth', '2', '--epochs', '1', '--batch-size', '16', '--out', 'vgg-adtn.safetensors']);
    expect(compressed.code, compressed.stderr).toBe(0);
    expect(compressed.stdout).toMatch(/fc1: adtn .*8,192 -> 385 parameters/);
    expect(compressed.stdout).toMatch(/fc2: adtn .*65,536 -> 481 parameters/);
    const evaluation = adtn(['eval', '--checkpoint', 'vgg-adtn.safetensors', '--data', 'c10']);
    expect(evaluation.code, evaluation.stderr).toBe(0);
    expect(evaluation.stdout).toMatch(/on cifar10/);
  });

  it('every zoo model trains on every image set: VGG-16 on 28 x 28 grayscale, LeNet-5 on CIFAR', () => {
    const vgg = adtn(['train', '--model', 'vgg16', '--width', '0.0625', '--hidden', '40', '--epochs', '1', '--batch-size', '32', '--out', 'vgg-mnist.safetensors', ...TINY]);
    expect(vgg.code, vgg.stderr).toBe(0);
    const compressed = adtn(['compress', '--checkpoint', 'vgg-mnist.safetensors', '--layers', 'fc2', '--method', 'tt', '--tt-ranks', '2', '--epochs', '1', '--out', 'vgg-mnist-tt.safetensors', ...TINY]);
    expect(compressed.code, compressed.stderr).toBe(0);
    expect(compressed.stdout).toMatch(/fc2: tt .*1,600 -> /);
    writeCifar('c10-small', 'cifar10', ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin', 'test_batch.bin'], 12);
    const lenet = adtn(['train', '--model', 'lenet5', '--dataset', 'cifar10', '--data', 'c10-small', '--epochs', '1', '--batch-size', '16', '--out', 'lenet5-c10.safetensors']);
    expect(lenet.code, lenet.stderr).toBe(0);
  });

  it('CIFAR-100 files with 100 classes', () => {
    writeCifar('c100', 'cifar100', ['train.bin', 'test.bin'], 20);
    const r = adtn(['train', '--model', 'alexnet', '--width', '0.0625', '--dataset', 'cifar100', '--data', 'c100', '--epochs', '1', '--batch-size', '10', '--out', 'alex100.safetensors']);
    expect(r.code, r.stderr).toBe(0);
    const broken = join(dir, 'c100', 'test.bin');
    writeFileSync(broken, new Uint8Array(100));
    const bad = adtn(['eval', '--checkpoint', 'alex100.safetensors', '--data', 'c100']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/100 bytes is not a whole number of 3074-byte cifar100 records/);
  });
});
