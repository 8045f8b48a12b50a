// Output files: folders are made without Node's recursive mkdir (which loops forever under /proc),
// unwritable outputs are found before work starts, and an atomic write removes the temporary
// files that killed writes left behind (and only those).

import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
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
