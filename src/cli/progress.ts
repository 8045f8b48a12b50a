// Progress bars on standard error, drawn only when it is a terminal (quiet in logs and pipes).

export interface Progress {
  /** Moves the bar to `done` of `total`, with a short status text. */
  update(done: number, status?: string): void;
  /** Clears the bar. */
  finish(): void;
}

const WIDTH = 28;

/**
 * A progress bar for `total` units of work labelled `label`.
 *
 * @example
 * const bar = progressBar('epoch 1', loader.length);
 * bar.update(5, 'loss 0.31'); ... bar.finish();
 */
export function progressBar(label: string, total: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY || total <= 0) return { update() {}, finish() {} };
  const start = performance.now();
  let last = 0;
  let drawn = false;
  return {
    update(done, status = '') {
      const now = performance.now();
      if (now - last < 100 && done < total) return;
      last = now;
      const fraction = Math.min(1, done / total);
      const filled = Math.round(fraction * WIDTH);
      const elapsed = (now - start) / 1000;
      const eta = done > 0 ? (elapsed * (total - done)) / done : 0;
      const line = `${label} [${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${done}/${total} ${status} ${elapsed.toFixed(0)}s elapsed, ${eta.toFixed(0)}s left`;
      stream.write(`\r${line.slice(0, (stream.columns ?? 120) - 1)}\x1b[K`);
      drawn = true;
    },
    finish() {
      if (drawn) stream.write('\r\x1b[K');
      drawn = false;
    },
  };
}
