// adtn report: the Markdown table and the SVG plot from one or more results files.

import type { CommandSpec, ParsedFlags } from '../args.js';
import { UsageError } from '../args.js';
import { readResults, writeReport } from '../results-io.js';
import { resultsTable } from '../console-table.js';
import { requireWritable } from '../flag-groups.js';
import type { CommandContext } from './context.js';

export const REPORT: CommandSpec = {
  name: 'report',
  summary: 'Write report.md (a table) and accuracy-vs-parameters.svg (test accuracy against parameters, log scale) from results files.',
  details: [
    'examples:',
    '  adtn report --results adtn-report/results.json --out adtn-report',
    '  adtn report --results runs/mnist.json,runs/extra.json --out report --title "FC-2 on MNIST"',
  ].join('\n'),
  flags: {
    results: { type: 'list', placeholder: 'FILES', help: 'comma-separated results JSON files (written by adtn compare, compress --results, eval --results) (required)' },
    out: { type: 'string', placeholder: 'DIR', help: 'folder to write the report into (required)' },
    title: { type: 'string', default: 'Compression results', help: 'title of the table and plot' },
  },
};

export async function runReport(flags: ParsedFlags, context: CommandContext): Promise<void> {
  const files = flags.results as string[] | undefined;
  const out = flags.out as string | undefined;
  if (files === undefined) throw new UsageError('adtn report: --results FILES is required');
  if (out === undefined) throw new UsageError('adtn report: --out DIR is required');
  requireWritable('report', 'out', out, 'folder');
  const rows = files.flatMap((f) => readResults(f).rows);
  const paths = writeReport(out, rows, { title: flags.title as string });
  context.log(resultsTable(rows));
  context.log(`wrote ${paths.join(' and ')}`);
}
