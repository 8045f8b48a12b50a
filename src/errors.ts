// The error classes users can catch. Every message names the operation first, then what was
// expected and what came, e.g. `matmul: inner dimensions differ: [3,4] @ [5,6]`.

/**
 * Base class of every error the engine throws on purpose.
 *
 * @example
 * try { tensor([1, 2]).reshape([3]); }   // a ShapeError, which is an AdtnError
 * catch (e) { if (e instanceof AdtnError) console.error(e.message); else throw e; }
 */
export class AdtnError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * Shapes that do not fit the operation (mismatched, wrong rank, wrong size).
 *
 * @example
 * try { ones([2]).add(ones([3])); } catch (e) { if (e instanceof ShapeError) console.error(e.message); }
 */
export class ShapeError extends AdtnError {}

/**
 * A dtype that the operation does not accept, or two operands whose dtypes differ.
 *
 * @example
 * try { ones([2]).add(ones([2], { dtype: 'float64' })); }
 * catch (e) { if (e instanceof DtypeError) console.error(e.message); }   // convert one with astype()
 */
export class DtypeError extends AdtnError {}

/**
 * An argument of the wrong kind or out of range (an axis, an index, a seed, an option).
 *
 * @example
 * try { arange(0, 1, 0); } catch (e) { if (e instanceof ArgumentError) console.error(e.message); }   // step 0
 */
export class ArgumentError extends AdtnError {}

/**
 * A file or byte stream that is truncated, corrupt, or not of the expected format.
 *
 * @example
 * try { parseIdx(new Uint8Array(3)); } catch (e) { if (e instanceof DataFormatError) console.error(e.message); }
 */
export class DataFormatError extends AdtnError {}

/**
 * WebAssembly memory cannot hold the request (the wasm32 limit is 4 GiB).
 *
 * @example
 * try { zeros([2 ** 30], { dtype: 'float64' }); }   // 8 GiB
 * catch (e) { if (e instanceof OutOfMemoryError) console.error(e.message); }
 */
export class OutOfMemoryError extends AdtnError {}

/**
 * A tensor whose storage has been released (disposed, or freed by its scope) was used.
 *
 * @example
 * x.dispose();
 * try { x.sum(); } catch (e) { if (e instanceof ReleasedTensorError) console.error(e.message); }
 */
export class ReleasedTensorError extends AdtnError {}

/**
 * A kernel module whose exports do not match what this library expects (a stale or foreign build).
 *
 * @example
 * try { await initEngine(); }
 * catch (e) { if (e instanceof KernelModuleError) console.error('stale kernels: run npm run build:wasm'); }
 */
export class KernelModuleError extends AdtnError {}

/** A short description of a value of the wrong kind, for messages: 5, "same", null, an array of 2, an object (Map). */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object' && value !== null) return `an object (${(value as object).constructor?.name ?? 'no prototype'})`;
  return String(value);
}

/**
 * An options argument: undefined becomes {}, a plain object passes, anything else (null, a number,
 * a string, an array, a class instance) is an ArgumentError naming the operation.
 */
export function optionsObject<T extends object>(op: string, options: T | undefined | null, what = 'options'): T {
  if (options === undefined) return {} as T;
  if (typeof options !== 'object' || options === null || ![Object.prototype, null].includes(Object.getPrototypeOf(options))) {
    throw new ArgumentError(`${op}: ${what} must be a plain object, got ${describeValue(options)}`);
  }
  return options;
}

/** Formats a shape as `[3,4]` for messages. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}
