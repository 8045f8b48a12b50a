// The program each worker thread of the pool runs, as source text: the pool starts it with
// `new Worker(source, { eval: true })` in Node.js (and as a Blob URL in a browser), so it needs no
// file of its own next to the compiled library and no bundler support. It is plain JavaScript that
// depends on nothing but its start message.
//
// Start message (Node: workerData; browser: the first message): { module, memory, control, tasks,
// names, spin, index }. The worker instantiates its own instance of the kernel module over the shared
// memory (re-writing the static data segments with the bytes they already hold), then serves
// tasks forever:
//
//   wait until control[GENERATION] changes (spinning `spin` times first, then Atomics.wait);
//   claim parts with a compare-and-swap on control[CLAIM] = generation << 21 | parts << 16 | mask
//   of claimed parts, setting the part's bit, which succeeds only while the task it was read from
//   is still published (its own part `index` first, then the lowest unclaimed); run the claimed
//   part's calls; add one to control[DONE] and wake the caller when it reaches `parts`.
//
// A trap inside a kernel is recorded in control[ERROR] (the part still counts as done, so the
// caller never waits forever) and the caller throws. See thread-pool.ts for the layout.

/** The worker's program (JavaScript source). Slot numbers match thread-pool.ts's CONTROL. */
export const THREAD_WORKER_SOURCE = `
'use strict';
const GENERATION = 0, CLAIM = 1, DONE = 2, STOP = 3, READY = 4, ERROR = 5;
function serve(start) {
  const { module, memory, control, tasks, names, spin, index } = start;
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  const functions = names.map((name) => instance.exports[name]);
  const ctl = new Int32Array(memory.buffer, control, 8);
  let seen = Atomics.load(ctl, GENERATION);
  let buffer = null, table = null;
  Atomics.add(ctl, READY, 1);
  for (;;) {
    let spins = 0;
    while (Atomics.load(ctl, GENERATION) === seen && spins < spin) spins++;
    if (Atomics.load(ctl, GENERATION) === seen) Atomics.wait(ctl, GENERATION, seen);
    seen = Atomics.load(ctl, GENERATION);
    if (Atomics.load(ctl, STOP) !== 0) return;
    for (;;) {
      const claim = Atomics.load(ctl, CLAIM);
      if ((claim >>> 21) !== (seen & 0x7ff)) break;
      const parts = (claim >>> 16) & 31;
      const free = ~claim & ((1 << parts) - 1);
      if (free === 0) break;
      const next = (free & (1 << index)) !== 0 ? index : 31 - Math.clz32(free & -free);
      if (Atomics.compareExchange(ctl, CLAIM, claim, claim | (1 << next)) !== claim) continue;
      // A grown memory has a new buffer object: the view is re-made then.
      if (memory.buffer !== buffer) {
        buffer = memory.buffer;
        table = new Float64Array(buffer, tasks);
      }
      let at = table[next], end = table[next + 1];
      try {
        while (at < end) {
          const fn = table[at], count = table[at + 1];
          const args = Array.prototype.slice.call(table, at + 2, at + 2 + count);
          functions[fn].apply(null, args);
          at += 2 + count;
        }
      } catch (error) {
        Atomics.store(ctl, ERROR, 1 + (table[at] | 0));
      }
      if (Atomics.add(ctl, DONE, 1) + 1 === parts) Atomics.notify(ctl, DONE);
    }
  }
}
// Node.js evaluates this as a script or, under --input-type=module, as a module (no require).
const nodeThreads = typeof process === 'object' && typeof process.getBuiltinModule === 'function'
  ? process.getBuiltinModule('node:worker_threads')
  : typeof require === 'function' ? require('node:worker_threads') : null;
if (nodeThreads !== null) {
  serve(nodeThreads.workerData);
} else {
  self.onmessage = (event) => { self.onmessage = null; serve(event.data); };
}
`;
