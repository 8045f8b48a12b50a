// An exclusive lock on a file for read-modify-write updates by several processes (e.g. two
// `adtn eval --results same.json` at once): a lock file `<path>.lock` created exclusively, holding
// the owner's process id. A lock whose owner is gone (killed mid-update) is taken over.

import { closeSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { processIsRunning } from './output-files.js';

const WAIT_MS = 20;
const TIMEOUT_MS = 60_000;
const pause = new Int32Array(new SharedArrayBuffer(4));

// A lock without a process id is being created (the id is written just after), unless it is old.
const UNWRITTEN_GRACE_MS = 10_000;

function ownerIsGone(lockPath: string): boolean {
  let text: string;
  let age: number;
  try {
    text = readFileSync(lockPath, 'utf8');
    age = Date.now() - statSync(lockPath).mtimeMs;
  } catch {
    return false; // Released meanwhile: try again.
  }
  const pid = Number(text);
  if (text === '' || !Number.isInteger(pid) || pid <= 0) return age > UNWRITTEN_GRACE_MS;
  return !processIsRunning(pid);
}

/** Runs fn while holding the lock on path; waits for another holder, up to a minute. */
export function withFileLock<T>(path: string, fn: () => T): T {
  const lockPath = `${path}.lock`;
  const start = Date.now();
  let fd: number | null = null;
  while (fd === null) {
    try {
      fd = openSync(lockPath, 'wx');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (ownerIsGone(lockPath)) {
        // Take the stale lock out of the way atomically: of several waiters that saw it, only one
        // renames it, and none can remove a lock that another one created meanwhile.
        const stale = `${lockPath}.${process.pid}.stale`;
        try {
          renameSync(lockPath, stale);
          if (ownerIsGone(stale)) unlinkSync(stale);
          else renameSync(stale, lockPath);
        } catch {
          // Another waiter moved it first.
        }
        continue;
      }
      if (Date.now() - start > TIMEOUT_MS) throw new Error(`${path}: locked by another process for over ${TIMEOUT_MS / 1000} s (${lockPath})`);
      Atomics.wait(pause, 0, 0, WAIT_MS);
    }
  }
  try {
    writeSync(fd, String(process.pid));
    closeSync(fd);
    return fn();
  } finally {
    // Ours unless something broke the protocol: remove it only if it still names this process.
    try {
      if (readFileSync(lockPath, 'utf8') === String(process.pid)) unlinkSync(lockPath);
    } catch {
      // Already gone.
    }
  }
}
