// Operation codes of the unary and binary kernels; they mirror kernels/unary.ts and
// kernels/binary.ts (a test checks both lists against the module's behaviour).

export const UnaryOp = {
  neg: 0,
  abs: 1,
  exp: 2,
  log: 3,
  sqrt: 4,
  tanh: 5,
  sigmoid: 6,
  relu: 7,
  /** param: negative slope */
  leakyRelu: 8,
  /** param: exponent */
  powScalar: 9,
  square: 10,
  reciprocal: 11,
  /** out = x·param + param2 */
  affine: 12,
} as const;
export type UnaryOpName = keyof typeof UnaryOp;

export const BinaryOp = {
  add: 0,
  sub: 1,
  mul: 2,
  div: 3,
  max: 4,
  min: 5,
  pow: 6,
  gt: 7,
  ge: 8,
  lt: 9,
  le: 10,
  eq: 11,
  ne: 12,
  /** (grad, x) -> grad·[x > 0] */
  reluBackward: 13,
  /** (grad, x) -> grad·(x > 0 ? 1 : param) */
  leakyReluBackward: 14,
  /** (grad, y) -> grad·(1 - y²) */
  tanhBackward: 15,
  /** (grad, y) -> grad·y·(1 - y) */
  sigmoidBackward: 16,
} as const;
export type BinaryOpName = keyof typeof BinaryOp;
