// Output files: folders are made without Node's recursive mkdir (which loops forever under /proc),
// unwritable outputs are found before work starts, and an atomic write removes the temporary
// files that killed writes left behind (and only those).

import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeFolder, removeStaleTemporaries, unwritableReason } from '../../src/node/output-files.js';
import { writeFileAtomically } from '../../src/node/files.js';

const dir = mkdtempSync(join(tmpdir(), 'adtn-output-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function deadPid(): number {
  for (let pid = 4_000_000; ; pid++) {
    try {
      process.kill(pid, 0);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ESRCH') return pid;
    }
  }
}

describe('output files', () => {
  it('makeFolder makes missing parents and fails clearly, without hanging, where it cannot', () => {
    makeFolder(join(dir, 'a', 'b', 'c'));
    expect(existsSync(join(dir, 'a', 'b', 'c'))).toBe(true);
    makeFolder(join(dir, 'a', 'b', 'c'));
    writeFileSync(join(dir, 'file'), 'x');
    expect(() => makeFolder(join(dir, 'file', 'sub'))).toThrow(/is not a folder/);
    expect(() => makeFolder('/proc/adtn-test/x')).toThrow(/ENOENT/);
  });

  it('unwritableReason names why an output cannot be written, and leaves nothing behind when it can', () => {
    expect(unwritableReason(join(dir, 'new', 'model.safetensors'))).toBeNull();
    expect(readdirSync(join(dir, 'new'))).toEqual([]);
    expect(unwritableReason('/proc/adtn-test/model.safetensors')).toMatch(/ENOENT/);
    expect(unwritableReason(join(dir, 'file', 'model.safetensors'))).toMatch(/is not a folder/);
    expect(unwritableReason(join(dir, 'a'))).toBe('it is a folder');
  });

  it('an atomic write removes temporary files of dead writers of the same file, not of live ones or other files', () => {
    const target = join(dir, 'run.safetensors');
    const dead = `run.safetensors.${deadPid()}.1700000000000.tmp`;
    const live = `run.safetensors.${process.ppid}.1700000000000.tmp`;
    const other = `other.safetensors.${deadPid()}.1700000000000.tmp`;
    for (const name of [dead, live, other]) writeFileSync(join(dir, name), 'partial');
    writeFileAtomically(target, 'complete');
    const left = readdirSync(dir);
    expect(left).not.toContain(dead);
    expect(left).toContain(live);
    expect(left).toContain(other);
    expect(left.filter((n) => n.startsWith('run.safetensors.') && n.endsWith('.tmp'))).toEqual([live]);
    removeStaleTemporaries(join(dir, 'missing-folder', 'x'));
  });
});

describe('results files written by several processes at once', () => {
  it('lose no rows, and a lock left by a killed writer is taken over', async () => {
    const { spawn } = await import('node:child_process');
    const { resolve } = await import('node:path');
    // In folders that do not exist yet: the writers also race to make them.
    const results = join(dir, 'fresh', 'nested', 'shared.json');
    const module = resolve(__dirname, '../../dist/cli/results-io.js');
    const writer = (w: number) => `
      const { appendResult } = await import(${JSON.stringify(module)});
      for (let i = 0; i < 5; i++) appendResult(${JSON.stringify(results)}, { label: 'w${w}-' + i, method: 'dense', model: 'fc2', dataset: 'mnist',
        layers: [], layerParameters: 1, ratio: 1, totalParameters: 1, testAccuracy: 0.5, seconds: 0, config: '' });`;
    const exits = await Promise.all(Array.from({ length: 6 }, (_, w) => new Promise<number | null>((done) => {
      spawn(process.execPath, ['--input-type=module', '-e', writer(w)], { stdio: 'inherit' }).on('exit', done);
    })));
    expect(exits).toEqual(new Array(6).fill(0));
    const rows = JSON.parse(readFileSync(results, 'utf8')).rows as { label: string }[];
    expect(rows).toHaveLength(30);
    expect(existsSync(`${results}.lock`)).toBe(false);
    writeFileSync(`${results}.lock`, String(deadPid()));
    const { appendResult } = await import('../../src/cli/results-io.js');
    appendResult(results, { label: 'after a crash', method: 'dense', model: 'fc2', dataset: 'mnist', layers: [], layerParameters: 1, ratio: 1, totalParameters: 1, testAccuracy: 0.5, seconds: 0, config: '' });
    expect(JSON.parse(readFileSync(results, 'utf8')).rows).toHaveLength(31);
    expect(existsSync(`${results}.lock`)).toBe(false);
  });
});
