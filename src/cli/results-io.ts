// Reading and writing results files and report folders on disk.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { writeFileAtomically } from '../node/files.js';
import { dirname, join } from 'node:path';
import { parseResults, upsertRow, type ResultRow, type ResultsFile } from '../report/results.js';
import { resultsMarkdown } from '../report/markdown.js';
import { accuracyPlotSvg } from '../report/svg-plot.js';
import { UsageError } from './args.js';
import { makeFolder } from '../node/output-files.js';
import { withFileLock } from '../node/file-lock.js';
import { optionsObject } from '../errors.js';

export function readResults(path: string, optionsIn: { missingOk?: boolean } = {}): ResultsFile {
  const options = optionsObject('readResults', optionsIn);
  if (!existsSync(path)) {
    if (options.missingOk) return { rows: [] };
    throw new UsageError(`no such results file: ${path}`);
  }
  if (!statSync(path).isFile()) throw new UsageError(`${path} is not a file (a results JSON file was expected)`);
  return parseResults(readFileSync(path, 'utf8'), path);
}

/** Writes a text file atomically, creating its folder. */
function writeTextAtomically(path: string, text: string): void {
  makeFolder(dirname(path));
  writeFileAtomically(path, text);
}

export function writeResults(path: string, results: ResultsFile): void {
  writeTextAtomically(path, JSON.stringify(results, null, 2) + '\n');
}

/**
 * Adds (or replaces by label) a row in a results file, creating it when missing. The read and the
 * write happen under a lock, so concurrent writers of one file lose no rows.
 */
export function appendResult(path: string, row: ResultRow): void {
  makeFolder(dirname(path));
  withFileLock(path, () => writeResults(path, upsertRow(readResults(path, { missingOk: true }), row)));
}

export const REPORT_MARKDOWN = 'report.md';
export const REPORT_SVG = 'accuracy-vs-parameters.svg';

/** Writes report.md and accuracy-vs-parameters.svg into a folder (created if needed); returns their paths. */
export function writeReport(dir: string, rows: readonly ResultRow[], optionsIn: { title?: string; notes?: string[] } = {}): string[] {
  const options = optionsObject('writeReport', optionsIn);
  if (rows.length === 0) throw new UsageError('the report has no results to show');
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new UsageError(`${dir} exists and is not a folder`);
  makeFolder(dir);
  const markdown = join(dir, REPORT_MARKDOWN);
  const svg = join(dir, REPORT_SVG);
  const notes = [`![test accuracy against parameters](${REPORT_SVG})`, ...(options.notes ?? [])];
  writeTextAtomically(markdown, resultsMarkdown(rows, { title: options.title, notes }));
  writeTextAtomically(svg, accuracyPlotSvg(rows, { title: options.title }));
  return [markdown, svg];
}
