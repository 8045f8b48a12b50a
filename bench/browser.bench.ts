// The engine in a web page against the engine in Node.js: a 512 x 512 float32 matmul with the
// same build (relaxed SIMD in both), in headless Chromium (Debian's `chromium`, driven by
// puppeteer-core) on the demo page served cross-origin isolated (2 threads) and not isolated
// (1 thread), and in this Node.js process with 2 and 1 threads. Interleaved rounds; each figure
// is the median over rounds of the median of 30 calls.
//
//   npm run bench:browser            (QUICK=1 for fewer rounds)

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import puppeteer, { type Page } from 'puppeteer-core';
import { engineBuild, engineThreads, initEngine, matmul, randn, tidy } from '../src/index.js';
import { kernels } from '../src/backend/engine.js';
import { formatTable, median } from './interleaved.js';

const N = 512;
const CALLS = 30;
const rounds = process.env.QUICK === '1' ? 3 : 7;
const root = fileURLToPath(new URL('../../../', import.meta.url));
const chromium = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => p !== undefined && p !== '' && existsSync(p));
if (chromium === undefined) {
  console.error('bench:browser: no Chromium found (apt-get install chromium, or set CHROMIUM_PATH)');
  process.exit(1);
}

interface Server { url: string; close: () => Promise<void> }
const { serveFolder } = (await import(new URL('scripts/serve-demo.mjs', `file://${root}`).href)) as {
  serveFolder: (folder: string, options: { port: number; isolated: boolean }) => Promise<Server>;
};

const build = spawnSync(process.execPath, [`${root}scripts/build-demo.mjs`], { encoding: 'utf8' });
if (build.status !== 0) throw new Error(`build-demo failed: ${build.stderr}`);

await initEngine();
const a = randn([N, N], { seed: 1 });
const b = randn([N, N], { seed: 2 });
function nodeMilliseconds(threads: number): number {
  kernels().pool.active = threads;
  for (let i = 0; i < 5; i++) tidy(() => matmul(a, b));
  const times: number[] = [];
  for (let i = 0; i < CALLS; i++) {
    const start = performance.now();
    tidy(() => matmul(a, b));
    times.push(performance.now() - start);
  }
  return median(times);
}

const browser = await puppeteer.launch({ executablePath: chromium, args: ['--no-sandbox', '--disable-gpu'] });
const servers: Server[] = [];
const pages: { label: string; page: Page; threads: number }[] = [];
for (const isolated of [true, false]) {
  const server = await serveFolder(`${root}build/demo`, { port: 0, isolated });
  servers.push(server);
  const page = await browser.newPage();
  await page.goto(server.url);
  await page.waitForFunction('window.demoReady !== undefined', { timeout: 60_000 });
  const engine = (await page.evaluate('window.demoReady')) as { threads: number; build: string };
  if (engine.build !== engineBuild()) throw new Error(`the page runs the ${engine.build} build, Node.js the ${engineBuild()} build`);
  pages.push({ label: isolated ? 'page, cross-origin isolated' : 'page, not isolated', page, threads: engine.threads });
}

const figures = new Map<string, number[]>();
const record = (label: string, ms: number) => figures.set(label, [...(figures.get(label) ?? []), ms]);
for (let round = 0; round < rounds; round++) {
  for (const { label, page } of pages) {
    const result = (await page.evaluate(`window.adtnRequest('matmulSpeed', { n: ${N}, runs: ${CALLS} })`)) as { milliseconds: number };
    record(label, result.milliseconds);
  }
  for (const { threads } of pages) record(`Node.js, ${threads} thread${threads > 1 ? 's' : ''}`, nodeMilliseconds(threads));
}
await browser.close();
for (const server of servers) await server.close();

const gflops = (ms: number) => (2 * N ** 3) / (ms * 1e6);
const rows = [['', 'threads', 'ms', 'GFLOP/s', 'page / Node.js (time)']];
for (const { label, threads } of pages) {
  const page = median(figures.get(label)!);
  const node = median(figures.get(`Node.js, ${threads} thread${threads > 1 ? 's' : ''}`)!);
  rows.push([label, String(threads), page.toFixed(2), gflops(page).toFixed(1), `${(page / node).toFixed(2)}x`]);
  rows.push([`Node.js`, String(threads), node.toFixed(2), gflops(node).toFixed(1), '']);
}
console.log(`${N} x ${N} float32 matmul, ${engineBuild()} build, ${rounds} interleaved rounds of ${CALLS} calls (Node.js engine threads: ${engineThreads()})`);
console.log(formatTable(rows));
