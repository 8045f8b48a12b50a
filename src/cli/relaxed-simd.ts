// The CLI runs the relaxed-SIMD kernel build when the machine can: Node.js 20 validates it only
// with --experimental-wasm-relaxed-simd, so when the flag is missing the CLI starts itself
// again with it (once: ADTN_REEXEC marks the child) and passes the exit code through.

import { spawnSync } from 'node:child_process';
import { relaxedSimdSupported } from '../backend/kernel-module.js';

const FLAG = '--experimental-wasm-relaxed-simd';

/**
 * Returns the exit code of a child run with the flag, or null when this process should carry on
 * (relaxed SIMD already works, the flag is already set, or ADTN_BUILD=simd asks for plain SIMD).
 */
export function rerunWithRelaxedSimd(): number | null {
  if (relaxedSimdSupported()) return null;
  if (process.env.ADTN_REEXEC === '1' || process.env.ADTN_BUILD === 'simd') return null;
  if (process.execArgv.includes(FLAG) || (process.env.NODE_OPTIONS ?? '').includes(FLAG)) return null;
  const child = spawnSync(process.execPath, [...process.execArgv, FLAG, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, ADTN_REEXEC: '1' },
  });
  if (child.error) return null;
  if (child.signal) {
    process.kill(process.pid, child.signal);
    return 1;
  }
  return child.status ?? 1;
}
