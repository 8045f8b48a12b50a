// Instantiating the kernel module, and the memory it owns.
//
// Two builds come from one AssemblyScript source: `simd` (WebAssembly SIMD) and `relaxed`
// (also relaxed SIMD, whose fused multiply-add makes GEMM ~1.2x faster). `auto` picks relaxed
// when this engine validates it (Node 22+, or Node 20 with --experimental-wasm-relaxed-simd).
//
// Typed views of linear memory are detached whenever memory grows; the view getters check the
// buffer identity and re-create them, so a view read through them is always current. Never keep
// a view across a call that may allocate.
//
// Memory is a shared WebAssembly.Memory (the module imports it), so worker threads can run
// kernels on the same tensors (thread-pool.ts). Shared memory must declare its maximum: 65536
// pages, the wasm32 ceiling of 4 GiB, which only reserves address space until memory grows (where
// the engine cannot reserve that much, e.g. a 32-bit browser, the largest maximum it grants).
// Where shared memory does not exist (a page that is not cross-origin isolated), the module runs
// on a plain memory, with one thread (unshared-memory.ts).

import { Allocator, type AllocatorStats } from './allocator.js';
import { RELAXED_WASM_BASE64, SIMD_WASM_BASE64 } from './kernel-binaries.generated.js';
import { checkKernelExports, type KernelExports } from './kernel-exports.js';
import { MAX_THREADS, THREAD_POOL_BYTES, ThreadPool, workerThreadsSupported } from './thread-pool.js';
import { unsharedMemoryVariant } from './unshared-memory.js';
import { ArgumentError } from '../errors.js';

/** A kernel build: plain 128-bit SIMD, or relaxed SIMD (fused multiply-add where the engine has it). */
export type KernelBuild = 'simd' | 'relaxed';
/** A build to load, or 'auto': relaxed SIMD when the engine supports it, plain SIMD otherwise. */
export type KernelBuildChoice = KernelBuild | 'auto';

/** Pages of the shared memory's declared maximum: all of wasm32's 4 GiB. */
const MAXIMUM_PAGES = 65536;
/** The smallest maximum tried when the engine refuses to reserve more (256 MiB). */
const SMALLEST_MAXIMUM_PAGES = 4096;

// A shared memory with the largest maximum the engine reserves, from 4 GiB down by halves, or null.
function sharedMemoryWithLargestMaximum(): WebAssembly.Memory | null {
  for (let maximum = MAXIMUM_PAGES; maximum >= SMALLEST_MAXIMUM_PAGES; maximum /= 2) {
    try {
      return new WebAssembly.Memory({ initial: 1, maximum, shared: true });
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
    }
  }
  return null;
}

/**
 * The threads a module runs when none are asked for: ADTN_THREADS when set (Node.js), else the
 * cores this process may use (1 where the runtime cannot start workers).
 *
 * @example
 * defaultThreads();   // 2 on a two-core machine
 */
export function defaultThreads(): number {
  const nodeProcess = (globalThis as { process?: { env?: Record<string, string | undefined>; getBuiltinModule?: (id: string) => unknown } }).process;
  const fromEnvironment = nodeProcess?.env?.ADTN_THREADS;
  if (fromEnvironment !== undefined && fromEnvironment !== '') {
    if (!/^[0-9]+$/.test(fromEnvironment.trim())) {
      throw new ArgumentError(`ADTN_THREADS: expected a whole number of threads from 1 to ${MAX_THREADS}, got ${JSON.stringify(fromEnvironment)}`);
    }
    return checkThreads('ADTN_THREADS', Number(fromEnvironment));
  }
  if (!workerThreadsSupported()) return 1;
  const os = nodeProcess?.getBuiltinModule?.('node:os') as { availableParallelism?: () => number } | undefined;
  const cores = os?.availableParallelism?.() ?? (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
  return Math.max(1, Math.min(MAX_THREADS, Math.floor(cores)));
}

/** `threads` if it is a whole number from 1 to MAX_THREADS; otherwise an ArgumentError naming `op`. */
export function checkThreads(op: string, threads: unknown): number {
  if (typeof threads !== 'number' || !Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS) {
    throw new ArgumentError(`${op}: threads must be a whole number from 1 to ${MAX_THREADS}, got ${typeof threads === 'number' ? threads : typeof threads}`);
  }
  return threads;
}

/** The highest tensor rank a kernel descriptor holds. */
export const MAX_RANK = 64;
// Descriptors hold shape + three stride arrays + an odometer scratch array, i32 each.
const DESCRIPTOR_BYTES = 5 * MAX_RANK * 4;

/**
 * The index, in a typed view of linear memory with `elementBytes`-byte elements, of the element at
 * byte address `ptr`. Every view access goes through here.
 *
 * Invariant: addresses are unsigned 32-bit numbers below 4 GiB, so the shift is unsigned (`ptr >> 2`
 * is negative from 2^31 on). `ptr` is an element's address (below 2^32, a multiple of
 * elementBytes): take an end index as start index + count, never from an end address, which can be
 * 2^32 exactly. (In the byte view u8, the index is the address itself.)
 *
 * @example
 * module.f32[elementIndex(t.ptr, 4)] = 1;
 */
export function elementIndex(ptr: number, elementBytes: 4 | 8): number {
  return elementBytes === 4 ? ptr >>> 2 : ptr >>> 3;
}

const binaryCache = new Map<KernelBuild, Uint8Array<ArrayBuffer>>();

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const chars = atob(text);
  const bytes = new Uint8Array(chars.length);
  for (let i = 0; i < chars.length; i++) bytes[i] = chars.charCodeAt(i);
  return bytes;
}

/** The wasm bytes of one build. */
export function kernelBinary(build: KernelBuild): Uint8Array<ArrayBuffer> {
  let bytes = binaryCache.get(build);
  if (bytes === undefined) {
    bytes = decodeBase64(build === 'relaxed' ? RELAXED_WASM_BASE64 : SIMD_WASM_BASE64);
    binaryCache.set(build, bytes);
  }
  return bytes;
}

let relaxedValid: boolean | undefined;

/**
 * Whether this JavaScript engine accepts the relaxed-SIMD build.
 *
 * @example
 * await initEngine({ build: relaxedSimdSupported() ? 'relaxed' : 'simd' });
 */
export function relaxedSimdSupported(): boolean {
  if (relaxedValid === undefined) relaxedValid = WebAssembly.validate(kernelBinary('relaxed'));
  return relaxedValid;
}

/**
 * Whether this JavaScript engine accepts WebAssembly SIMD at all.
 *
 * @example
 * if (!simdSupported()) throw new Error('this JavaScript engine lacks WebAssembly SIMD');
 */
export function simdSupported(): boolean {
  return WebAssembly.validate(kernelBinary('simd'));
}

let sharedValid: boolean | undefined;

/**
 * Whether this JavaScript engine offers shared memory (and with it threads): false in a web page
 * that is not cross-origin isolated.
 *
 * @example
 * if (!sharedMemorySupported()) console.log('one thread: serve the page cross-origin isolated for more');
 */
export function sharedMemorySupported(): boolean {
  if (sharedValid === undefined) {
    try {
      sharedValid = typeof SharedArrayBuffer === 'function' && new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }).buffer instanceof SharedArrayBuffer;
    } catch {
      sharedValid = false;
    }
  }
  return sharedValid;
}

// The memory, the binary that imports it, and the thread count to run: shared memory when the
// engine has it (and `shared` is not false), else a plain memory and one thread.
function memoryPlan(build: KernelBuild, threads: number | undefined, shared: boolean): { memory: WebAssembly.Memory; binary: Uint8Array<ArrayBuffer>; threads: number } {
  const asked = threads === undefined ? undefined : checkThreads('kernel module', threads);
  const sharing = shared && sharedMemorySupported();
  const memory = sharing ? sharedMemoryWithLargestMaximum() : null;
  if (memory !== null) return { memory, binary: kernelBinary(build), threads: asked ?? defaultThreads() };
  if (asked !== undefined && asked > 1) {
    const why = sharing
      ? `this engine could not reserve a shared memory of even ${SMALLEST_MAXIMUM_PAGES / 16} MiB`
      : 'this page does not have it (serve it cross-origin isolated: Cross-Origin-Opener-Policy: same-origin, Cross-Origin-Embedder-Policy: require-corp)';
    throw new ArgumentError(`kernel module: ${asked} threads need shared memory, and ${why}`);
  }
  return { memory: new WebAssembly.Memory({ initial: 1, maximum: MAXIMUM_PAGES }), binary: unsharedMemoryVariant(kernelBinary(build)), threads: 1 };
}

function resolveBuild(choice: KernelBuildChoice): KernelBuild {
  if (choice === 'auto') return relaxedSimdSupported() ? 'relaxed' : 'simd';
  if (choice !== 'simd' && choice !== 'relaxed') {
    throw new ArgumentError(`kernel module: build must be 'auto', 'simd' or 'relaxed', got ${String(choice)}`);
  }
  if (choice === 'relaxed' && !relaxedSimdSupported()) {
    throw new ArgumentError(
      "kernel module: the 'relaxed' build needs relaxed SIMD, which this engine does not enable " +
        '(Node.js 20 needs --experimental-wasm-relaxed-simd)',
    );
  }
  return choice;
}

/**
 * One instance of the kernel module: its exports, its memory, and the allocator over it.
 *
 * @example
 * const module = await KernelModule.load('simd');   // a separate instance with its own memory
 * module.stats().memoryBytes;
 */
export class KernelModule {
  /** @internal The allocator over this module's memory (the engine's own business). */
  readonly allocator: Allocator;
  private f32View: Float32Array;
  private f64View: Float64Array;
  private i32View: Int32Array;
  private u8View: Uint8Array;
  private readonly gemmWork: number[] = [];
  private descriptorPtr = 0;
  private readonly partDescriptors: number[] = [];
  /** @internal The threads that run this module's split kernels (the calling thread included). */
  readonly pool: ThreadPool;

  private constructor(
    readonly build: KernelBuild,
    /** @internal The raw kernel exports (pointers into this module's memory; no checks). */
    readonly kernels: KernelExports,
    module: WebAssembly.Module,
    threads: number,
  ) {
    const memory = kernels.memory;
    // An i32 result reaches JavaScript signed; addresses are unsigned.
    this.allocator = new Allocator(kernels.heapBase() >>> 0, {
      byteLength: () => memory.buffer.byteLength,
      grow: (pages) => {
        memory.grow(pages);
      },
    });
    this.f32View = new Float32Array(memory.buffer);
    this.f64View = new Float64Array(memory.buffer);
    this.i32View = new Int32Array(memory.buffer);
    this.u8View = new Uint8Array(memory.buffer);
    const poolAddress = threads > 1 ? this.allocator.alloc(THREAD_POOL_BYTES, 'thread pool') : 0;
    this.pool = new ThreadPool(module, memory, kernels as unknown as Record<string, unknown>, poolAddress, threads);
  }

  /**
   * Instantiates a build synchronously (fine in Node.js and workers; browsers' main thread may
   * refuse) with `threads` threads (default: defaultThreads()). `shared: false` (or an engine
   * without shared memory) gives a plain memory and one thread.
   */
  static create(choice: KernelBuildChoice = 'auto', threads?: number, shared = true): KernelModule {
    const build = resolveBuild(choice);
    const plan = memoryPlan(build, threads, shared);
    const module = new WebAssembly.Module(plan.binary);
    const instance = new WebAssembly.Instance(module, { env: { memory: plan.memory } });
    return new KernelModule(build, checkKernelExports(instance.exports, `${build} build`), module, plan.threads);
  }

  /** Instantiates a build asynchronously. */
  static async load(choice: KernelBuildChoice = 'auto', threads?: number, shared = true): Promise<KernelModule> {
    const build = resolveBuild(choice);
    const plan = memoryPlan(build, threads, shared);
    const module = await WebAssembly.compile(plan.binary);
    const instance = await WebAssembly.instantiate(module, { env: { memory: plan.memory } });
    return new KernelModule(build, checkKernelExports(instance.exports, `${build} build`), module, plan.threads);
  }

  /** Threads that run this module's kernels, the calling thread included. */
  get threads(): number {
    return this.pool.threads;
  }

  /** Stops the module's worker threads; kernels then run on the calling thread alone. */
  closeThreads(): void {
    this.pool.close();
  }

  get memory(): WebAssembly.Memory {
    return this.kernels.memory;
  }

  get f32(): Float32Array {
    if (this.f32View.buffer !== this.kernels.memory.buffer) this.refreshViews();
    return this.f32View;
  }

  get f64(): Float64Array {
    if (this.f64View.buffer !== this.kernels.memory.buffer) this.refreshViews();
    return this.f64View;
  }

  get i32(): Int32Array {
    if (this.i32View.buffer !== this.kernels.memory.buffer) this.refreshViews();
    return this.i32View;
  }

  get u8(): Uint8Array {
    if (this.u8View.buffer !== this.kernels.memory.buffer) this.refreshViews();
    return this.u8View;
  }

  /**
   * Scratch that GEMM packs into, one per part of a split task (a part runs on one thread at a
   * time); allocated on first use and kept.
   */
  gemmWorkspace(part = 0): number {
    let work = this.gemmWork[part];
    if (work === undefined) {
      work = this.allocator.alloc(this.kernels.gemmWorkspaceBytes(), 'GEMM workspace');
      this.gemmWork[part] = work;
    }
    return work;
  }

  /**
   * Writes i32 arrays (shape, strides, ...) into the descriptor scratch block and returns its
   * pointer. Each array must have at most MAX_RANK entries; the block is reused by every call.
   */
  descriptor(...arrays: readonly (readonly number[])[]): number {
    if (this.descriptorPtr === 0) this.descriptorPtr = this.allocator.alloc(DESCRIPTOR_BYTES, 'kernel descriptor');
    this.writeDescriptor(this.descriptorPtr, arrays);
    return this.descriptorPtr;
  }

  private writeDescriptor(ptr: number, arrays: readonly (readonly number[])[]): void {
    const view = this.i32;
    let at = elementIndex(ptr, 4);
    for (const values of arrays) {
      if (values.length > MAX_RANK) {
        throw new ArgumentError(`kernel descriptor: rank ${values.length} exceeds the maximum of ${MAX_RANK}`);
      }
      for (let i = 0; i < values.length; i++) view[at + i] = values[i]!;
      at += values.length;
    }
  }

  /**
   * @internal Like descriptor(), into a block of its own for part `part` of a split task (a
   * kernel may write scratch into its descriptor, so parts running at once cannot share one).
   */
  partDescriptor(part: number, ...arrays: readonly (readonly number[])[]): number {
    let ptr = this.partDescriptors[part];
    if (ptr === undefined) {
      ptr = this.allocator.alloc(DESCRIPTOR_BYTES, 'kernel descriptor');
      this.partDescriptors[part] = ptr;
    }
    this.writeDescriptor(ptr, arrays);
    return ptr;
  }

  stats(): AllocatorStats {
    return this.allocator.stats();
  }

  private refreshViews(): void {
    const buffer = this.kernels.memory.buffer;
    this.f32View = new Float32Array(buffer);
    this.f64View = new Float64Array(buffer);
    this.i32View = new Int32Array(buffer);
    this.u8View = new Uint8Array(buffer);
  }
}
