// The report: results files are checked on reading; the Markdown table and the SVG plot show one
// row / one point per result and stay well-formed whatever the labels and titles contain.

import { describe, expect, it } from 'vitest';
import { DataFormatError, accuracyPlotSvg, paretoFront, placeLabels, parseResults, resultsMarkdown, upsertRow, type ResultRow } from '../../src/index.js';

function row(label: string, method: string, layerParameters: number, testAccuracy: number): ResultRow {
  return {
    label, method, model: 'fc2', dataset: 'mnist', layers: ['fc1', 'fc2'], layerParameters, ratio: 813_056 / layerParameters,
    totalParameters: layerParameters + 1_034, testAccuracy, seconds: 1.5, config: `${method} knobs`,
  };
}

const rows = [row('tt r6', 'tt', 4_560, 0.968), row('dense', 'dense', 813_056, 0.9856), row('adtn M=8', 'adtn', 4_098, 0.9689), row('adtn M=4', 'adtn', 2_050, 0.95)];

describe('results files', () => {
  it('round-trip through JSON and replace rows by label', () => {
    const parsed = parseResults(JSON.stringify({ rows }));
    expect(parsed.rows).toEqual(rows);
    const replaced = upsertRow(parsed, row('dense', 'dense', 813_056, 0.99));
    expect(replaced.rows).toHaveLength(4);
    expect(replaced.rows.find((r) => r.label === 'dense')!.testAccuracy).toBe(0.99);
  });

  it('reject malformed rows with the file and the field named', () => {
    const bad: [unknown, RegExp][] = [
      ['not json', /r.json: not valid JSON/],
      [{ rows: 3 }, /expected an object with a "rows" array/],
      [{ rows: [{ ...rows[0], testAccuracy: 1.5 }] }, /row 0 has testAccuracy 1.5; it must be a fraction in \[0, 1\]/],
      [{ rows: [{ ...rows[0], seconds: 'x' }] }, /row 0 needs a finite number "seconds"/],
      [{ rows: [{ ...rows[0], layerParameters: 0 }] }, /row 0 has layerParameters 0/],
      [{ rows: [{ ...rows[0], layers: [1] }] }, /row 0 needs a "layers" array of strings/],
      [{ rows: [{ ...rows[0], evaluation: 'train' }] }, /row 0 has evaluation "train"; it must be "test" or "validation"/],
    ];
    for (const [value, message] of bad) {
      expect(() => parseResults(typeof value === 'string' ? value : JSON.stringify(value), 'r.json')).toThrow(DataFormatError);
      expect(() => parseResults(typeof value === 'string' ? value : JSON.stringify(value), 'r.json')).toThrow(message);
    }
  });
});

describe('the Markdown table', () => {
  it('has one row per result with its label, dense first, then by parameters, with the difference to dense', () => {
    const lines = resultsMarkdown(rows, { title: 'FC-2' }).split('\n');
    expect(lines[0]).toBe('# FC-2');
    const body = lines.filter((l) => /^\| (?!label|---)/.test(l));
    expect(body.map((l) => l.split(' | ')[0])).toEqual(['| dense', '| adtn M=4', '| adtn M=8', '| tt r6']);
    expect(body[2]).toContain('| 4,098 | 198.4x | 5,132 | 96.89% | -1.67 |');
    const onValidation = resultsMarkdown([{ ...rows[2]!, evaluation: 'validation' }]);
    expect(onValidation).toContain('| 96.89% (validation) |');
  });

  it('escapes pipes and flattens line breaks in labels and titles', () => {
    const markdown = resultsMarkdown([row('a|b\nc', 'adtn', 100, 0.5)], { title: 'two\n# lines' });
    expect(markdown.split('\n')[0]).toBe('# two # lines');
    expect(markdown).toContain('| a\\|b c | adtn |');
    const table = markdown.split('\n').filter((l) => l.startsWith('| a'));
    expect(table).toHaveLength(1);
    expect(table[0]!.replace(/\\\|/g, '').split('|')).toHaveLength(12);
  });
});

describe('the SVG plot', () => {
  it('has one point per result, tagged with its method, and escapes text', () => {
    const svg = accuracyPlotSvg([...rows, row('x<&"\u0001y', 'lowrank', 5_684, 0.66)], { title: 'a < b & c' });
    expect(svg.match(/<circle [^>]*data-method=/g)).toHaveLength(5);
    for (const method of ['dense', 'adtn', 'tt', 'lowrank']) expect(svg).toContain(`data-method="${method}"`);
    expect(svg).toContain('a &lt; b &amp; c');
    expect(svg).not.toMatch(/[\u0000-\u0008]/);
    expect(svg).not.toMatch(/<(?!\/?(svg|text|rect|line|circle|g|title|path|polyline)[\s>/])/);
  });

  it('joins each method\'s Pareto front, and places every label of a crowded sweep without overlaps', () => {
    // A sweep: 4 sizes per method, close together, plus dominated points (a larger size that is worse).
    const sweep = [
      row('dense', 'dense', 813_056, 0.9866),
      ...[[1_000, 0.95], [2_000, 0.962], [4_000, 0.971], [6_000, 0.968], [8_000, 0.975]].map(([p, a]) => row(`adtn ${p}`, 'adtn', p!, a!)),
      ...[[1_200, 0.951], [2_300, 0.96], [4_500, 0.969], [9_000, 0.974]].map(([p, a]) => row(`tt ${p}`, 'tt', p!, a!)),
      ...[[1_800, 0.5], [3_600, 0.7], [7_200, 0.85]].map(([p, a]) => row(`low rank ${p}`, 'lowrank', p!, a!)),
    ];
    expect(paretoFront(sweep.filter((r) => r.method === 'adtn')).map((r) => r.label)).toEqual(['adtn 1000', 'adtn 2000', 'adtn 4000', 'adtn 8000']);
    const svg = accuracyPlotSvg(sweep);
    expect(svg.match(/<polyline [^>]*data-front="(adtn|tt|lowrank)"/g)).toHaveLength(3);
    const boxes = [...svg.matchAll(/<text [^>]*data-box="([^"]+)"/g)].map((m) => m[1]!.split(' ').map(Number));
    expect(boxes).toHaveLength(sweep.length);
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const [a, b] = [boxes[i]!, boxes[j]!];
        const overlap = a[0]! < b[2]! && b[0]! < a[2]! && a[1]! < b[3]! && b[1]! < a[3]!;
        expect(overlap, `labels ${sweep[i]!.label} and ${sweep[j]!.label}`).toBe(false);
      }
    }
    // Labels also keep clear of every marker.
    const centres = [...svg.matchAll(/<circle cx="([\d.]+)" cy="([\d.]+)" r="5"/g)].map((m) => [Number(m[1]), Number(m[2])]);
    for (const [x, y] of centres) for (const b of boxes) expect(x! > b[0]! - 5 && x! < b[2]! + 5 && y! > b[1]! - 5 && y! < b[3]! + 5).toBe(false);
    // A label that fits nowhere is left out (its point keeps its tooltip), never drawn over another.
    const crowd = Array.from({ length: 40 }, (_, i) => ({ x: 100, y: 100, text: `point ${i}` }));
    const placed = placeLabels(crowd, [0, 0, 200, 200]);
    expect(placed.filter((b) => b === null).length).toBeGreaterThan(0);
    const kept = placed.filter((b): b is [number, number, number, number] => b !== null);
    expect(kept.length).toBeGreaterThan(5);
    for (let i = 0; i < kept.length; i++) {
      const a = kept[i]!;
      expect(a[0] >= 0 && a[1] >= 0 && a[2] <= 200 && a[3] <= 200).toBe(true);
      for (let j = i + 1; j < kept.length; j++) {
        const b = kept[j]!;
        expect(a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]).toBe(false);
      }
    }
  });
});
