// One row per trained model of a comparison (dense, or compressed by some method): what the
// report table and plot are made of. Stored as JSON ({ "rows": [...] }) between CLI commands.

import { DataFormatError } from '../errors.js';

/** One trained model of a comparison (dense or compressed): a row of the report table and a point of the plot. */
export interface ResultRow {
  /** A unique name for the row, e.g. 'adtn M=8'. */
  label: string;
  /** 'dense', 'adtn', 'lowrank', 'tt'. */
  method: string;
  /** The model's name, e.g. 'fc2' or 'vgg16 x0.25'. */
  model: string;
  /** The data set's name, e.g. 'mnist'. */
  dataset: string;
  /** The layers that are compressed (for dense: the layers the others compress). */
  layers: string[];
  /** Parameters of those layers' weights (for dense: their dense size). */
  layerParameters: number;
  /** Dense size of those weights / layerParameters. */
  ratio: number;
  /** Parameters of the whole model. */
  totalParameters: number;
  /** Accuracy as a fraction, on the test set unless `evaluation` says otherwise. */
  testAccuracy: number;
  /** 'validation' when the accuracy was measured on images held out from the training set (absent: the test set). */
  evaluation?: 'test' | 'validation';
  /** Wall-clock seconds of training and compression. */
  seconds: number;
  /** Knobs used (free text, e.g. 'M=8 d=2 init=random'). */
  config: string;
}

/** The results JSON file: the rows of every model trained so far (see parseResults and upsertRow). */
export interface ResultsFile {
  rows: ResultRow[];
}

const NUMBER_FIELDS = ['layerParameters', 'ratio', 'totalParameters', 'testAccuracy', 'seconds'] as const;
const STRING_FIELDS = ['label', 'method', 'model', 'dataset', 'config'] as const;

/**
 * Parses and checks a results JSON text.
 *
 * @example
 * const results = parseResults(readFileSync('results.json', 'utf8'), 'results.json');   // { rows: [...] }
 */
export function parseResults(text: string, source = 'results'): ResultsFile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new DataFormatError(`${source}: not valid JSON (${(error as Error).message})`);
  }
  const rows = (value as { rows?: unknown })?.rows;
  if (!Array.isArray(rows)) throw new DataFormatError(`${source}: expected an object with a "rows" array`);
  rows.forEach((row: Record<string, unknown>, i) => {
    if (typeof row !== 'object' || row === null) throw new DataFormatError(`${source}: row ${i} is not an object`);
    for (const f of NUMBER_FIELDS) if (typeof row[f] !== 'number' || !Number.isFinite(row[f])) throw new DataFormatError(`${source}: row ${i} needs a finite number "${f}"`);
    for (const f of STRING_FIELDS) if (typeof row[f] !== 'string') throw new DataFormatError(`${source}: row ${i} needs a string "${f}"`);
    if (!Array.isArray(row.layers) || row.layers.some((l) => typeof l !== 'string')) throw new DataFormatError(`${source}: row ${i} needs a "layers" array of strings`);
    if (!((row.testAccuracy as number) >= 0 && (row.testAccuracy as number) <= 1)) throw new DataFormatError(`${source}: row ${i} has testAccuracy ${String(row.testAccuracy)}; it must be a fraction in [0, 1]`);
    if (row.evaluation !== undefined && row.evaluation !== 'test' && row.evaluation !== 'validation') throw new DataFormatError(`${source}: row ${i} has evaluation ${JSON.stringify(row.evaluation)}; it must be "test" or "validation"`);
    if ((row.layerParameters as number) <= 0) throw new DataFormatError(`${source}: row ${i} has layerParameters ${String(row.layerParameters)}; it must be positive`);
  });
  return { rows: rows as ResultRow[] };
}

/**
 * Adds or replaces (by label) a row.
 *
 * @example
 * const updated = upsertRow(results, row);   // a new ResultsFile; a row with row.label is replaced
 * writeFileSync('results.json', JSON.stringify(updated, null, 2));
 */
export function upsertRow(results: ResultsFile, row: ResultRow): ResultsFile {
  return { rows: [...results.rows.filter((r) => r.label !== row.label), row] };
}
