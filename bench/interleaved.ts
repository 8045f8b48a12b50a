// Interleaved benchmarking on a shared, noisy machine: every round runs every task once for a
// short time with tinybench (in a rotated order), and a task's figure is the median over rounds
// of its per-round median latency. Comparing tasks measured side by side this way cancels most
// of the drift a neighbour's load causes.

import { Bench } from 'tinybench';

export interface BenchTask {
  name: string;
  fn: () => unknown;
}

export interface InterleavedOptions {
  rounds?: number;
  /** Milliseconds each task runs per round. */
  timePerRound?: number;
}

/** The median of `values` (the mean of the middle two for an even count). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Median latency in milliseconds of each task, measured in interleaved rounds. */
export async function interleavedMedians(tasks: BenchTask[], options: InterleavedOptions = {}): Promise<Map<string, number>> {
  const rounds = options.rounds ?? 7;
  const time = options.timePerRound ?? 150;
  const perRound = new Map<string, number[]>(tasks.map((t) => [t.name, []]));
  for (let round = 0; round < rounds; round++) {
    const order = tasks.map((_, i) => tasks[(i + round) % tasks.length]!);
    for (const task of order) {
      const bench = new Bench({ time, warmupTime: round === 0 ? 100 : 10, iterations: 3 });
      bench.add(task.name, task.fn);
      await bench.run();
      const result = bench.tasks[0]!.result;
      if (result.state !== 'completed') {
        const reason = 'error' in result ? `: ${String((result as { error?: unknown }).error)}` : '';
        throw new Error(`bench task ${task.name} did not complete: ${result.state}${reason}`);
      }
      perRound.get(task.name)!.push(result.latency.p50);
    }
  }
  return new Map([...perRound].map(([name, values]) => [name, median(values)]));
}

/** Formats a table of rows (first row = header) with padded columns. */
export function formatTable(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')).join('\n');
}
