// The two floating-point dtypes. float32 is the default; float64 exists so that gradient checks
// are tight and tensor-network fits can be precise.

import { ArgumentError, DtypeError } from '../errors.js';

/** The element types of tensors: float32 (the default) and float64 (for gradient checks and reference results). */
export type Dtype = 'float32' | 'float64';
export const DEFAULT_DTYPE: Dtype = 'float32';

export function bytesPerElement(dtype: Dtype): 4 | 8 {
  return dtype === 'float32' ? 4 : 8;
}

/** Validates a dtype given by a user. */
export function parseDtype(op: string, dtype: unknown): Dtype {
  if (dtype === undefined) return DEFAULT_DTYPE;
  if (dtype !== 'float32' && dtype !== 'float64') {
    throw new ArgumentError(`${op}: dtype must be 'float32' or 'float64', got ${JSON.stringify(dtype)}`);
  }
  return dtype;
}

/** Throws unless both operands have the same dtype (there is no implicit promotion). */
export function sameDtype(op: string, a: Dtype, b: Dtype): Dtype {
  if (a !== b) throw new DtypeError(`${op}: dtypes differ: ${a} and ${b} (convert one with astype())`);
  return a;
}
