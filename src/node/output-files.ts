// Making room for output files: folders made one level at a time (Node's recursive mkdirSync
// loops forever on some paths, e.g. under /proc), a probe that an output can be written before
// long work starts, and the removal of temporary files left by a killed atomic write.

import { existsSync, mkdirSync, readdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/** Makes a folder and its missing parents, top down; throws the first failure (ENOENT, EACCES, ENOTDIR ...). */
export function makeFolder(path: string): void {
  const missing: string[] = [];
  let current = resolve(path);
  while (!existsSync(current)) {
    missing.push(current);
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }
  if (existsSync(current) && !statSync(current).isDirectory()) throw new Error(`${current} is not a folder`);
  for (const folder of missing.reverse()) {
    try {
      mkdirSync(folder);
    } catch (error) {
      // Another process made it meanwhile: fine, as long as it is a folder.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || !statSync(folder).isDirectory()) throw error;
    }
  }
}

/**
 * Checks that a file can be written at path (its folder made if missing) by writing and removing
 * a probe next to it. Returns the reason when it cannot, null when it can.
 */
export function unwritableReason(path: string): string | null {
  try {
    if (existsSync(path) && statSync(path).isDirectory()) return 'it is a folder';
    makeFolder(dirname(path));
    const probe = `${path}.${process.pid}.probe.tmp`;
    writeFileSync(probe, '');
    unlinkSync(probe);
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

/** The temporary name of an atomic write of path by this process. */
export function temporaryName(path: string): string {
  return `${path}.${process.pid}.${Date.now()}.tmp`;
}

/** Whether a process with this id exists (one we may not signal counts as running). */
export function processIsRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temporary files of earlier atomic writes of path whose process is gone (a write
 * killed between creating its temporary file and renaming it). Files of running processes stay.
 */
export function removeStaleTemporaries(path: string): void {
  const folder = dirname(path);
  const name = basename(path);
  let entries: string[];
  try {
    entries = readdirSync(folder);
  } catch {
    return;
  }
  for (const entry of entries) {
    if (!entry.startsWith(`${name}.`)) continue;
    const match = /^\.(\d+)\.(\d+|probe)\.tmp$/.exec(entry.slice(name.length));
    if (match === null) continue;
    const pid = Number(match[1]);
    if (pid === process.pid || processIsRunning(pid)) continue;
    try {
      unlinkSync(join(folder, entry));
    } catch {
      // Removed by someone else meanwhile, or not ours to remove: either way not this write's concern.
    }
  }
}
