// What a reference kernel reads and writes: the views of a kernel module's memory, and for a
// kernel of one dtype, its float view and element size.

/** The memory views a reference kernel works on (a KernelModule provides them). */
export interface MemoryViews {
  readonly f32: Float32Array;
  readonly f64: Float64Array;
  readonly i32: Int32Array;
}

export type FloatView = Float32Array | Float64Array;

/** One dtype's side of memory: its float view (fetched per call, since memory may grow), its element size, and all views (for i32 indices). */
export interface DtypeMemory {
  readonly view: () => FloatView;
  readonly bytes: 4 | 8;
  readonly views: MemoryViews;
}
