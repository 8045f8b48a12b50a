// A one-node ONNX model (C = A·B, float32, fixed shapes) written directly as protobuf bytes, so the
// GEMM benchmark can run onnxruntime-web without a model file or an ONNX toolchain.
//
// Fields used (onnx.proto): ModelProto { ir_version = 1, graph = 7, opset_import = 8 },
// OperatorSetIdProto { version = 2 }, GraphProto { node = 1, name = 2, input = 11, output = 12 },
// NodeProto { input = 1, output = 2, op_type = 4 }, ValueInfoProto { name = 1, type = 2 },
// TypeProto { tensor_type = 1 }, TypeProto.Tensor { elem_type = 1 (1 = FLOAT), shape = 2 },
// TensorShapeProto { dim = 1 }, Dimension { dim_value = 1 }.

function varint(value: number): number[] {
  const out: number[] = [];
  let v = value;
  while (v > 127) {
    out.push((v & 127) | 128);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

const WIRE_VARINT = 0;
const WIRE_BYTES = 2;
const key = (field: number, wire: number): number[] => varint(field * 8 + wire);
const integer = (field: number, value: number): number[] => [...key(field, WIRE_VARINT), ...varint(value)];
const bytes = (field: number, payload: number[]): number[] => [...key(field, WIRE_BYTES), ...varint(payload.length), ...payload];
const text = (field: number, value: string): number[] => bytes(field, [...new TextEncoder().encode(value)]);

function floatTensorInfo(name: string, dims: number[]): number[] {
  const shape = dims.flatMap((d) => bytes(1, integer(1, d)));
  const tensorType = [...integer(1, 1), ...bytes(2, shape)];
  return [...text(1, name), ...bytes(2, bytes(1, tensorType))];
}

/** The bytes of an ONNX model computing C [m, n] = A [m, k] · B [k, n] (opset 13). */
export function matmulModel(m: number, k: number, n: number): Uint8Array {
  const node = [...text(1, 'A'), ...text(1, 'B'), ...text(2, 'C'), ...text(4, 'MatMul')];
  const graph = [
    ...bytes(1, node), ...text(2, 'matmul'),
    ...bytes(11, floatTensorInfo('A', [m, k])), ...bytes(11, floatTensorInfo('B', [k, n])), ...bytes(12, floatTensorInfo('C', [m, n])),
  ];
  return Uint8Array.from([...integer(1, 8), ...bytes(8, integer(2, 13)), ...bytes(7, graph)]);
}
