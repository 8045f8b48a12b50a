// The process-wide kernel module that tensors live in. It is created on first use with the best
// build this JavaScript engine supports; initEngine() chooses explicitly (and works where
// synchronous compilation is not allowed, such as a browser's main thread).

import { KernelModule, checkThreads, type KernelBuildChoice } from './kernel-module.js';
import type { AllocatorStats } from './allocator.js';
import { ArgumentError, optionsObject } from '../errors.js';

let engine: KernelModule | undefined;

/** The engine's kernel module, instantiated synchronously on first use. */
export function kernels(): KernelModule {
  engine ??= KernelModule.create('auto');
  return engine;
}

/** What initEngine chooses. */
export interface EngineOptions {
  /** Kernel build (default 'auto': relaxed SIMD where the engine has it). */
  build?: KernelBuildChoice;
  /**
   * Threads that run kernels, the calling thread included (default: ADTN_THREADS when set, else
   * the available cores). Large GEMMs, convolutions, gate circuits and elementwise ops are split
   * across them; results do not depend on the count.
   */
  threads?: number;
}

/**
 * Instantiates the engine's kernel module asynchronously with a chosen build and thread count.
 * Call it before creating any tensor; calling it again with a different build or thread count
 * throws.
 *
 * @example
 * await initEngine({ build: 'simd', threads: 2 });
 */
export async function initEngine(optionsIn: EngineOptions = {}): Promise<KernelModule> {
  const options = optionsObject('initEngine', optionsIn);
  const choice = options.build ?? 'auto';
  const threads = options.threads === undefined ? undefined : checkThreads('initEngine', options.threads);
  if (engine !== undefined) {
    if (choice !== 'auto' && engine.build !== choice) {
      throw new ArgumentError(`initEngine: the engine already runs the '${engine.build}' build; it cannot switch to '${choice}'`);
    }
    if (threads !== undefined && engine.threads !== threads) {
      throw new ArgumentError(`initEngine: the engine already runs ${engine.threads} thread(s); it cannot switch to ${threads}`);
    }
    return engine;
  }
  engine = await KernelModule.load(choice, threads);
  return engine;
}

/**
 * Threads that run the engine's kernels, the calling thread included.
 *
 * @example
 * engineThreads();   // 2 on a two-core machine unless ADTN_THREADS or initEngine says otherwise
 */
export function engineThreads(): number {
  return kernels().threads;
}

/**
 * Worker threads started and ready to take parts of kernel calls (at most engineThreads() - 1).
 * The engine starts them with the first call it splits, and they join within tens of
 * milliseconds; until then, or where they cannot start (a page whose Content-Security-Policy
 * forbids `blob:` workers), the calling thread runs every part, with the same results.
 *
 * @example
 * engineWorkersReady();   // 1 on a two-core machine once a large matmul has run
 */
export function engineWorkersReady(): number {
  return kernels().pool.readyWorkers;
}

/**
 * Which kernel build the engine runs ('relaxed' or 'simd').
 *
 * @example
 * engineBuild();   // 'relaxed' where relaxed SIMD is enabled, else 'simd'
 */
export function engineBuild(): string {
  return kernels().build;
}

/**
 * Allocator counters of the engine's memory: bytes in use, peak, live blocks, free bytes, memory size.
 *
 * @example
 * const { bytesInUse, peakBytesInUse } = memoryStats();
 */
export function memoryStats(): AllocatorStats {
  return kernels().stats();
}
