// The kernel module imports a shared memory (so worker threads can run kernels on it). Where
// shared memory does not exist (a web page that is not cross-origin isolated has no
// SharedArrayBuffer), the same binary is instantiated with a plain memory after one byte of its
// import section is changed: the memory import's limits flag, 0x03 (has maximum, shared) becomes
// 0x01 (has maximum). The kernels use no atomic instruction, so nothing else depends on sharing.
//
// Binary layout (WebAssembly core spec, 5.5): after the 8-byte header come sections (id byte,
// LEB128 size, contents). The import section (id 2) holds a LEB128 count of imports, each a
// module name and a field name (LEB128 length + bytes), a kind byte, then its description:
// function 0x00 (type index), table 0x01 (reference type, limits), memory 0x02 (limits),
// global 0x03 (value type, mutability). Limits: a flag byte, the minimum, and the maximum when
// the flag's bit 0 is set.

import { KernelModuleError } from '../errors.js';

function readLeb(bytes: Uint8Array, at: number): [value: number, next: number] {
  let value = 0;
  let shift = 0;
  for (let i = at; i < bytes.length && shift < 35; i++) {
    value += (bytes[i]! & 0x7f) * 2 ** shift;
    shift += 7;
    if ((bytes[i]! & 0x80) === 0) return [value, i + 1];
  }
  throw new KernelModuleError('kernel module: malformed LEB128 number in the binary');
}

// Skips limits starting at `at` (the flag byte); returns the index after them.
function skipLimits(bytes: Uint8Array, at: number): number {
  const flag = bytes[at]!;
  let next = readLeb(bytes, at + 1)[1];
  if ((flag & 1) !== 0) next = readLeb(bytes, next)[1];
  return next;
}

/**
 * A copy of a kernel binary whose imported memory is not shared.
 *
 * @example
 * new WebAssembly.Module(unsharedMemoryVariant(kernelBinary('simd')));   // takes a plain Memory
 */
export function unsharedMemoryVariant(binary: Uint8Array): Uint8Array<ArrayBuffer> {
  const bytes = Uint8Array.from(binary);
  let at = 8;
  while (at < bytes.length) {
    const id = bytes[at]!;
    const [size, contents] = readLeb(bytes, at + 1);
    if (id === 2) {
      let [count, p] = readLeb(bytes, contents);
      for (let i = 0; i < count; i++) {
        for (let name = 0; name < 2; name++) {
          const [length, next] = readLeb(bytes, p);
          p = next + length;
        }
        const kind = bytes[p++]!;
        if (kind === 0x00) p = readLeb(bytes, p)[1];
        else if (kind === 0x01) p = skipLimits(bytes, p + 1);
        else if (kind === 0x03) p += 2;
        else if (kind === 0x02) {
          bytes[p] = bytes[p]! & ~0x02;
          return bytes;
        } else throw new KernelModuleError(`kernel module: unknown import kind ${kind} in the binary`);
      }
    }
    at = contents + size;
  }
  throw new KernelModuleError('kernel module: the binary imports no memory');
}
