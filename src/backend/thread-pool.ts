// Worker threads that run kernel calls on the engine's shared memory.
//
// A task is a list of parts; a part is a list of kernel calls (export name + numeric arguments)
// that touch memory no other part of the task writes. The calling thread publishes the task in
// shared memory and then claims parts itself, like every worker does: a part runs on whichever
// thread claims it first, so a task completes even when no worker is awake (or none has started
// yet: workers start asynchronously and join when ready). The caller returns once every part is
// done, so a task behaves like one synchronous kernel call. Each thread claims "its" part first
// (the caller part 0, worker i part i), then any other: consecutive ops split the same way (the
// halves of a circuit's state, gate after gate) then keep their data in the same core's cache.
//
// Because a part computes the same thing whoever runs it, a task's result does not depend on how
// many threads there are; splitting that changes the order of a summation is chosen from the
// sizes alone (see parallel-kernels.ts), so results are bitwise equal for any thread count.
//
// Shared layout (Int32 control words, then the task area as float64 words):
//   control[GENERATION]  bumped when a task is published; sleeping workers wait on it
//   control[CLAIM]       generation (11 bits) << 21 | parts (5 bits) << 16 | mask of claimed parts
//                        (16 bits); a part is claimed by a CAS that sets its bit
//   control[DONE]        parts finished; the caller waits on it
//   control[STOP]        set when the pool shuts down
//   control[READY]       workers that are serving
//   control[ERROR]       1 + the function index of a call that trapped on a worker, or 0
//   tasks[0 .. parts]    where each part's calls start (tasks[parts] = end), in words
//   tasks[...]           calls: function index, argument count, arguments

import { KernelModuleError } from '../errors.js';
import { THREAD_WORKER_SOURCE } from './thread-worker-source.js';

const CONTROL = { GENERATION: 0, CLAIM: 1, DONE: 2, STOP: 3, READY: 4, ERROR: 5 } as const;
const CONTROL_BYTES = 64;
/** Words of the task area (parts' offsets and calls): 256 KiB. A larger task runs on the caller. */
const TASK_WORDS = 32768;
/** The most parts one task may have (the claim word holds one bit per part). */
export const MAX_PARTS = 16;
/** The most threads a pool runs (the caller and MAX_THREADS - 1 workers). */
export const MAX_THREADS = 16;
const GENERATION_MASK = 0x7ff;
// Polls of the generation word before a worker sleeps (tens of microseconds: back-to-back ops of
// a training step find it awake), and of the done counter before the caller sleeps.
const WORKER_SPIN = 1 << 18;
const CALLER_SPIN = 1 << 12;

/** One kernel call of a part: an export of the kernel module and its arguments. */
export interface KernelCall {
  readonly name: string;
  readonly args: readonly number[];
}

/** The bytes of shared memory a pool uses (control words and task area), allocated by its owner. */
export const THREAD_POOL_BYTES = CONTROL_BYTES + TASK_WORDS * 8;

interface WorkerHandle {
  terminate(): unknown;
}

/** How this runtime starts workers: Node's worker_threads, Web Workers, or not at all. */
function workerStarter(): ((start: object) => WorkerHandle) | null {
  const nodeProcess = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const threads = nodeProcess?.getBuiltinModule?.('node:worker_threads') as
    | { Worker: new (source: string, options: object) => WorkerHandle & { unref(): void; on(event: 'error', listener: () => void): void } }
    | undefined;
  if (threads !== undefined) {
    return (start) => {
      const worker = new threads.Worker(THREAD_WORKER_SOURCE, { eval: true, workerData: start });
      // A finished script exits although workers wait: they hold no work of their own.
      worker.unref();
      // A worker that fails to start (it catches kernel traps itself) must not crash the process
      // as an unhandled 'error' event; it never becomes ready, and the caller runs its parts.
      worker.on('error', () => undefined);
      return worker;
    };
  }
  const web = globalThis as { Worker?: new (url: string) => WorkerHandle & { postMessage(m: object): void }; Blob?: typeof Blob; URL?: typeof URL };
  if (web.Worker !== undefined && web.Blob !== undefined && web.URL !== undefined) {
    const url = web.URL.createObjectURL(new web.Blob([THREAD_WORKER_SOURCE], { type: 'text/javascript' }));
    return (start) => {
      const worker = new web.Worker!(url);
      worker.postMessage(start);
      return worker;
    };
  }
  return null;
}

/**
 * Whether this runtime can start worker threads (Node.js 20.16+ through process.getBuiltinModule,
 * or Web Workers).
 *
 * @example
 * const threads = workerThreadsSupported() ? 2 : 1;
 */
export function workerThreadsSupported(): boolean {
  return workerStarter() !== null;
}

/** Whether this thread may block in Atomics.wait (a browser's main thread may not). */
function canBlock(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * The caller's side of the worker pool. `threads` counts the calling thread: a pool of 1 runs
 * every task on the caller, with no workers.
 *
 * @example
 * const pool = new ThreadPool(module, memory, exportsOf(instance), address, 2);
 * pool.run([[{ name: 'fillF32', args: [p, 1, 64] }], [{ name: 'fillF32', args: [p + 256, 1, 64] }]]);
 */
export class ThreadPool {
  private readonly names: readonly string[];
  private readonly index = new Map<string, number>();
  private readonly workers: WorkerHandle[] = [];
  private readonly blocking = canBlock();
  private closed = false;
  private started = false;
  private activeThreads: number;
  private partsOnCaller = 0;
  private partsTotal = 0;

  constructor(
    private readonly module: WebAssembly.Module,
    private readonly memory: WebAssembly.Memory,
    private readonly functions: Readonly<Record<string, unknown>>,
    private readonly address: number,
    /** Threads that run tasks, the caller included. */
    readonly threads: number,
  ) {
    this.activeThreads = threads;
    this.names = Object.keys(functions).filter((name) => typeof functions[name] === 'function');
    this.names.forEach((name, i) => this.index.set(name, i));
    if (threads > 1) {
      new Int32Array(memory.buffer, address, CONTROL_BYTES / 4).fill(0);
      if (workerStarter() === null) {
        throw new KernelModuleError(`thread pool: ${threads} threads were asked for, but this runtime has no worker threads`);
      }
    }
  }

  // Workers start with the first task worth splitting (a module used only for single calls, as in
  // tests, starts none); they join as they become ready.
  private startWorkers(): void {
    this.started = true;
    const start = workerStarter()!;
    const message = { module: this.module, memory: this.memory, control: this.address, tasks: this.address + CONTROL_BYTES, names: this.names, spin: WORKER_SPIN };
    try {
      for (let i = 1; i < this.threads; i++) this.workers.push(start({ ...message, index: i }));
    } catch {
      // A page whose policy refuses workers: the workers that did start serve; the caller runs
      // everything else.
    }
  }

  /**
   * @internal Threads that split work now (1 .. threads): benchmarks and tests compare thread
   * counts in one process with it.
   */
  get active(): number {
    return this.activeThreads;
  }

  set active(count: number) {
    if (!Number.isInteger(count) || count < 1 || count > this.threads) {
      throw new KernelModuleError(`thread pool: active threads must be from 1 to ${this.threads}, got ${count}`);
    }
    this.activeThreads = count;
  }

  /** @internal Parts of split tasks so far, and how many of them the calling thread ran. */
  get counters(): { parts: number; partsOnCaller: number } {
    return { parts: this.partsTotal, partsOnCaller: this.partsOnCaller };
  }

  /** Workers that have started and serve tasks (they start asynchronously). */
  get readyWorkers(): number {
    return Atomics.load(this.control(), CONTROL.READY);
  }

  /**
   * Runs the parts, each part's calls in order, on the pool's threads, and returns when all are
   * done. Parts must not write memory that another part reads or writes.
   */
  run(parts: readonly (readonly KernelCall[])[]): void {
    if (parts.length === 0) return;
    if (!this.started && this.activeThreads > 1 && parts.length > 1 && !this.closed) this.startWorkers();
    if (this.activeThreads === 1 || parts.length === 1 || this.closed || this.readyWorkers === 0 || parts.length > MAX_PARTS) {
      for (const part of parts) this.runPart(part);
      return;
    }
    if (!this.encode(parts)) {
      for (const part of parts) this.runPart(part);
      return;
    }
    const control = this.control();
    const generation = Atomics.load(control, CONTROL.GENERATION) + 1;
    Atomics.store(control, CONTROL.DONE, 0);
    Atomics.store(control, CONTROL.ERROR, 0);
    Atomics.store(control, CONTROL.CLAIM, ((generation & GENERATION_MASK) << 21) | (parts.length << 16));
    Atomics.add(control, CONTROL.GENERATION, 1);
    Atomics.notify(control, CONTROL.GENERATION);
    // A trap on this thread must not leave the task half-claimed while workers still run parts
    // of it: it is kept until every part is done, then thrown.
    let failure: unknown = null;
    for (;;) {
      const claim = Atomics.load(control, CONTROL.CLAIM);
      const free = ~claim & ((1 << parts.length) - 1);
      if (free === 0) break;
      // Part 0 first, then the lowest unclaimed one.
      const next = (free & 1) !== 0 ? 0 : 31 - Math.clz32(free & -free);
      if (Atomics.compareExchange(control, CONTROL.CLAIM, claim, claim | (1 << next)) !== claim) continue;
      this.partsOnCaller++;
      try {
        if (failure === null) this.runPart(parts[next]!);
      } catch (error) {
        failure = error;
      }
      Atomics.add(control, CONTROL.DONE, 1);
    }
    this.partsTotal += parts.length;
    this.waitForDone(control, parts.length);
    if (failure !== null) throw failure;
    const failed = Atomics.load(control, CONTROL.ERROR);
    if (failed !== 0) {
      throw new KernelModuleError(`thread pool: kernel ${this.names[failed - 1] ?? '?'} trapped on a worker thread (an out-of-range pointer or size)`);
    }
  }

  /** Stops the workers (they finish the task at hand first). Later tasks run on the caller. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const control = this.control();
    Atomics.store(control, CONTROL.STOP, 1);
    Atomics.add(control, CONTROL.GENERATION, 1);
    Atomics.notify(control, CONTROL.GENERATION);
    for (const worker of this.workers) void worker.terminate();
    this.workers.length = 0;
  }

  // Views of the control words and the task area, re-made only when memory grew (a grown shared
  // memory has a new buffer object; the old one keeps its old length).
  private views: { buffer: ArrayBufferLike; control: Int32Array; tasks: Float64Array } | null = null;

  private control(): Int32Array {
    return this.currentViews().control;
  }

  private currentViews(): { buffer: ArrayBufferLike; control: Int32Array; tasks: Float64Array } {
    const buffer = this.memory.buffer;
    if (this.views === null || this.views.buffer !== buffer) {
      this.views = {
        buffer,
        control: new Int32Array(buffer, this.address, CONTROL_BYTES / 4),
        tasks: new Float64Array(buffer, this.address + CONTROL_BYTES, TASK_WORDS),
      };
    }
    return this.views;
  }

  private runPart(part: readonly KernelCall[]): void {
    for (const call of part) {
      const fn = this.functions[call.name] as ((...args: number[]) => void) | undefined;
      if (fn === undefined) throw new KernelModuleError(`thread pool: the kernel module has no export ${call.name}`);
      fn(...call.args);
    }
  }

  // Writes the task area; false when the task does not fit in it.
  private encode(parts: readonly (readonly KernelCall[])[]): boolean {
    let words = parts.length + 1;
    for (const part of parts) for (const call of part) words += 2 + call.args.length;
    if (words > TASK_WORDS) return false;
    const table = this.currentViews().tasks;
    let at = parts.length + 1;
    parts.forEach((part, p) => {
      table[p] = at;
      for (const call of part) {
        const fn = this.index.get(call.name);
        if (fn === undefined) throw new KernelModuleError(`thread pool: the kernel module has no export ${call.name}`);
        table[at] = fn;
        table[at + 1] = call.args.length;
        table.set(call.args, at + 2);
        at += 2 + call.args.length;
      }
    });
    table[parts.length] = at;
    return true;
  }

  private waitForDone(control: Int32Array, parts: number): void {
    let spins = 0;
    for (;;) {
      const done = Atomics.load(control, CONTROL.DONE);
      if (done >= parts) return;
      if (this.blocking && ++spins > CALLER_SPIN) Atomics.wait(control, CONTROL.DONE, done, 1);
    }
  }
}
