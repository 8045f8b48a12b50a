// Reading and writing results files and report folders on disk.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseResults, upsertRow, type ResultRow, type ResultsFile } from '../report/results.js';
import { resultsMarkdown } from '../report/markdown.js';
import { accuracyPlotSvg } from '../report/svg-plot.js';
import { UsageError } from './args.js';

export function readResults(path: string, options: { missingOk?: boolean } = {}): ResultsFile {
  if (!existsSync(path)) {
    if (options.missingOk) return { rows: [] };
    throw new UsageError(`no such results file: ${path}`);
  }
  return parseResults(readFileSync(path, 'utf8'), path);
}

export function writeResults(path: string, results: ResultsFile): void {
  writeFileSync(path, JSON.stringify(results, null, 2) + '\n');
}

/** Adds (or replaces by label) a row in a results file, creating it when missing. */
export function appendResult(path: string, row: ResultRow): void {
  writeResults(path, upsertRow(readResults(path, { missingOk: true }), row));
}

export const REPORT_MARKDOWN = 'report.md';
export const REPORT_SVG = 'accuracy-vs-parameters.svg';

/** Writes report.md and accuracy-vs-parameters.svg into a folder (created if needed); returns their paths. */
export function writeReport(dir: string, rows: readonly ResultRow[], options: { title?: string; notes?: string[] } = {}): string[] {
  if (rows.length === 0) throw new UsageError('the report has no results to show');
  mkdirSync(dir, { recursive: true });
  const markdown = join(dir, REPORT_MARKDOWN);
  const svg = join(dir, REPORT_SVG);
  const notes = [`![test accuracy against parameters](${REPORT_SVG})`, ...(options.notes ?? [])];
  writeFileSync(markdown, resultsMarkdown(rows, { title: options.title, notes }));
  writeFileSync(svg, accuracyPlotSvg(rows, { title: options.title }));
  return [markdown, svg];
}
