// Moves of short contiguous rows: the rows of a column matrix or of an image (32 down to 2
// elements in a 32 x 32 network), where memory.copy and memory.fill cost more in call overhead
// than in moving bytes (measured: im2col was 13% of a VGG-16 training step with them). These
// loops move 16 bytes per step and finish with scalars; pointers need no alignment.

@inline
export function copyElements<T>(dst: usize, src: usize, count: i32): void {
  let bytes = <usize>count * sizeof<T>();
  while (bytes >= 16) {
    v128.store(dst, v128.load(src));
    dst += 16;
    src += 16;
    bytes -= 16;
  }
  while (bytes > 0) {
    store<T>(dst, load<T>(src));
    dst += sizeof<T>();
    src += sizeof<T>();
    bytes -= sizeof<T>();
  }
}

// dst[i] += src[i] for i < count.
@inline
export function addElements<T>(dst: usize, src: usize, count: i32): void {
  let bytes = <usize>count * sizeof<T>();
  while (bytes >= 16) {
    const sum = sizeof<T>() == 4 ? f32x4.add(v128.load(dst), v128.load(src)) : f64x2.add(v128.load(dst), v128.load(src));
    v128.store(dst, sum);
    dst += 16;
    src += 16;
    bytes -= 16;
  }
  while (bytes > 0) {
    store<T>(dst, load<T>(dst) + load<T>(src));
    dst += sizeof<T>();
    src += sizeof<T>();
    bytes -= sizeof<T>();
  }
}

@inline
export function zeroElements<T>(dst: usize, count: i32): void {
  let bytes = <usize>count * sizeof<T>();
  const zero = i32x4.splat(0);
  while (bytes >= 16) {
    v128.store(dst, zero);
    dst += 16;
    bytes -= 16;
  }
  while (bytes > 0) {
    store<T>(dst, <T>0);
    dst += sizeof<T>();
    bytes -= sizeof<T>();
  }
}
