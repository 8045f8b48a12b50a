// The error classes users can catch. Every message names the operation first, then what was
// expected and what came, e.g. `matmul: inner dimensions differ: [3,4] @ [5,6]`.

/** Base class of every error the engine throws on purpose. */
export class AdtnError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Shapes that do not fit the operation (mismatched, wrong rank, wrong size). */
export class ShapeError extends AdtnError {}

/** A dtype that the operation does not accept, or two operands whose dtypes differ. */
export class DtypeError extends AdtnError {}

/** An argument of the wrong kind or out of range (an axis, an index, a seed, an option). */
export class ArgumentError extends AdtnError {}

/** A file or byte stream that is truncated, corrupt, or not of the expected format. */
export class DataFormatError extends AdtnError {}

/** WebAssembly memory cannot hold the request (the wasm32 limit is 4 GiB). */
export class OutOfMemoryError extends AdtnError {}

/** A tensor whose storage has been released (disposed, or freed by its scope) was used. */
export class ReleasedTensorError extends AdtnError {}

/** A kernel module whose exports do not match what this library expects (a stale or foreign build). */
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
 * a string, an array) is an ArgumentError naming the operation.
 */
export function optionsObject<T extends object>(op: string, options: T | undefined | null, what = 'options'): T {
  if (options === undefined) return {} as T;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ArgumentError(`${op}: ${what} must be an object, got ${describeValue(options)}`);
  }
  return options;
}

/** Formats a shape as `[3,4]` for messages. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}
