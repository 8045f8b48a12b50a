// Parsing and validating einsum specifications against operand shapes.
//
// Grammar: operand subscripts separated by commas, optionally '->' and output subscripts.
// Subscripts are letters a-z, A-Z; '...' stands for broadcast axes (right-aligned, numpy rules).
// Without '->' the output is every label that appears exactly once, in alphabetical order,
// preceded by the ellipsis axes. Spaces are ignored.
//
// The result is normalised for planning: every operand becomes a list of labels with one entry
// per axis (ellipsis axes get generated labels), sizes are checked per label (equal, or 1 to
// broadcast), and labels a size-1 axis broadcasts are marked so execution can drop them.

import { ArgumentError, ShapeError, formatShape } from '../errors.js';

export interface ParsedSpec {
  /** Labels of each operand, one per axis (repeated labels mean a diagonal). */
  inputs: string[][];
  /** Labels of the output. */
  output: string[];
  /** Size of every label (after broadcasting). */
  sizes: Map<string, number>;
  /** The normalised spec, e.g. 'ij,jk->ik', with generated labels for ellipsis axes. */
  normalized: string;
}

const LETTER = /^[a-zA-Z]$/;
// Labels for ellipsis axes: characters that cannot appear in user subscripts.
const ELLIPSIS_LABELS = 'ΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡΣΤΥΦΧΨΩαβγδεζηθικλμνξοπρστυφχψω';

function fail(spec: string, position: number, message: string): never {
  throw new ArgumentError(`einsum: ${message} at position ${position} of '${spec}'`);
}

interface RawTerm {
  labels: string[]; // letters, with '...' as one entry
  positions: number[]; // position of each label in the spec
  position: number;
}

function parseTerm(spec: string, text: string, offset: number): RawTerm {
  const labels: string[] = [];
  const positions: number[] = [];
  let i = 0;
  let ellipsis = false;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === ' ') {
      i++;
      continue;
    }
    if (text.startsWith('...', i)) {
      if (ellipsis) fail(spec, offset + i, "more than one '...' in one operand");
      ellipsis = true;
      labels.push('...');
      positions.push(offset + i);
      i += 3;
      continue;
    }
    if (ch === '.') fail(spec, offset + i, "'.' that is not part of '...'");
    if (!LETTER.test(ch)) fail(spec, offset + i, `unknown character '${ch}' (subscripts are letters a-z, A-Z)`);
    labels.push(ch);
    positions.push(offset + i);
    i++;
  }
  return { labels, positions, position: offset };
}

/** Parses `spec` for operands of the given shapes. */
export function parseEinsum(spec: string, shapes: readonly (readonly number[])[]): ParsedSpec {
  if (typeof spec !== 'string') throw new ArgumentError(`einsum: the spec must be a string, got ${typeof spec}`);
  const arrow = spec.indexOf('->');
  if (arrow >= 0 && spec.indexOf('->', arrow + 1) >= 0) fail(spec, spec.indexOf('->', arrow + 1), "more than one '->'");
  const lhs = arrow >= 0 ? spec.slice(0, arrow) : spec;
  const terms: RawTerm[] = [];
  let offset = 0;
  for (const part of lhs.split(',')) {
    terms.push(parseTerm(spec, part, offset));
    offset += part.length + 1;
  }
  if (terms.length !== shapes.length) {
    throw new ArgumentError(`einsum: '${spec}' has ${terms.length} operand${terms.length === 1 ? '' : 's'} but ${shapes.length} tensor${shapes.length === 1 ? ' was' : 's were'} given`);
  }
  const outputTerm = arrow >= 0 ? parseTerm(spec, spec.slice(arrow + 2), arrow + 2) : null;

  // Ellipsis axes: each operand's '...' covers rank - (number of letters) axes, right-aligned.
  let ellipsisRank = 0;
  const ellipsisCounts = terms.map((term, k) => {
    const letters = term.labels.filter((l) => l !== '...').length;
    const rank = shapes[k]!.length;
    const hasEllipsis = term.labels.includes('...');
    if (!hasEllipsis && letters !== rank) {
      fail(spec, term.position, `operand ${k} has ${letters} subscript${letters === 1 ? '' : 's'} but its shape ${formatShape(shapes[k]!)} has rank ${rank}`);
    }
    if (hasEllipsis && letters > rank) {
      fail(spec, term.position, `operand ${k} has ${letters} subscripts besides '...' but its shape ${formatShape(shapes[k]!)} has rank ${rank}`);
    }
    const count = hasEllipsis ? rank - letters : 0;
    ellipsisRank = Math.max(ellipsisRank, count);
    return count;
  });
  if (ellipsisRank > ELLIPSIS_LABELS.length) throw new ArgumentError(`einsum: too many ellipsis axes (${ellipsisRank}) in '${spec}'`);
  const ellipsisLabels = ELLIPSIS_LABELS.slice(0, ellipsisRank).split('');
  const expand = (labels: string[], count: number): string[] =>
    labels.flatMap((l) => (l === '...' ? ellipsisLabels.slice(ellipsisRank - count) : [l]));

  const inputs = terms.map((term, k) => expand(term.labels, ellipsisCounts[k]!));
  const sizes = new Map<string, number>();
  inputs.forEach((labels, k) => {
    // A label repeated within one operand takes a diagonal: its axes must have equal sizes there
    // (no broadcasting inside one operand, as in numpy and torch).
    const within = new Map<string, number>();
    labels.forEach((label, axis) => {
      const size = shapes[k]![axis]!;
      const seen = within.get(label);
      if (seen !== undefined && seen !== size) {
        throw new ShapeError(`einsum: index '${label}' is repeated in operand ${k} of '${spec}' with sizes ${seen} and ${size}; a diagonal needs equal sizes`);
      }
      within.set(label, size);
    });
    labels.forEach((label, axis) => {
      const size = shapes[k]![axis]!;
      const known = sizes.get(label);
      if (known === undefined || known === 1) sizes.set(label, size);
      else if (size !== known && size !== 1) {
        const shown = ELLIPSIS_LABELS.includes(label) ? "an axis of '...'" : `index '${label}'`;
        throw new ShapeError(`einsum: ${shown} has size ${known} in one operand and ${size} in operand ${k} of '${spec}'`);
      }
    });
  });

  let output: string[];
  if (outputTerm !== null) {
    const outEllipsis = outputTerm.labels.includes('...');
    output = outputTerm.labels.flatMap((l) => (l === '...' ? ellipsisLabels : [l]));
    const seen = new Set<string>();
    outputTerm.labels.forEach((l, i) => {
      if (l === '...') return;
      if (seen.has(l)) fail(spec, outputTerm.positions[i]!, `output index '${l}' repeated`);
      seen.add(l);
      if (!sizes.has(l)) fail(spec, outputTerm.positions[i]!, `output index '${l}' does not appear in any operand`);
    });
    if (!outEllipsis && ellipsisRank > 0) {
      // numpy sums broadcast axes away only when the output omits '...' entirely.
      output = output.filter((l) => !ellipsisLabels.includes(l));
    }
  } else {
    const counts = new Map<string, number>();
    for (const labels of inputs) for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
    const singles = [...counts.entries()].filter(([l, n]) => n === 1 && !ellipsisLabels.includes(l)).map(([l]) => l).sort();
    output = [...ellipsisLabels, ...singles];
  }
  const normalized = `${inputs.map((l) => l.join('')).join(',')}->${output.join('')}`;
  return { inputs, output, sizes, normalized };
}
