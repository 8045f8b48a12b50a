// The report: results files are checked on reading; the Markdown table and the SVG plot show one
// row / one point per result and stay well-formed whatever the labels and titles contain.

import { describe, expect, it } from 'vitest';
import { DataFormatError, accuracyPlotSvg, parseResults, resultsMarkdown, upsertRow, type ResultRow } from '../../src/index.js';

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
});
