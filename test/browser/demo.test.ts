// The demo page (demo/, built into build/demo) in a real browser: headless Chromium from the
// Debian package, driven by puppeteer-core (which never downloads a browser). The page trains
// FC-2 on the bundled MNIST images, compresses it with ADTN and TT, runs gradient checks of a few
// ops inside the page, and the test saves a screenshot (build/demo-screenshot.png). Skipped, with
// a message, where Chromium is not installed (`apt-get install chromium`; CI installs it).

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import puppeteer, { type Browser } from 'puppeteer-core';
import { build as viteBuild, createLogger } from 'vite';
import { DataLoader, evaluate, fc2, parameterReport, parseSafetensors, rebuildCompression, subset, tensorsFromSafetensors } from '../../src/index.js';
import { loadMnist } from '../../src/node.js';
// @ts-expect-error: a plain JavaScript script of the repository, without type declarations.
import { serveFolder } from '../../scripts/serve-demo.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const chromium = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => path !== undefined && path !== '' && existsSync(path));
const required = process.env.ADTN_REQUIRE_BROWSER === '1';
if (chromium === undefined && !required) {
  console.warn('browser test SKIPPED: no Chromium found (apt-get install chromium, or set CHROMIUM_PATH)');
}

// CI sets ADTN_REQUIRE_BROWSER=1 (.ci/run): there a missing browser fails instead of skipping.
describe.runIf(chromium === undefined && required)('the browser test where it is required', () => {
  it('finds Chromium', () => {
    expect.fail('ADTN_REQUIRE_BROWSER=1 but no Chromium at CHROMIUM_PATH, /usr/bin/chromium or /usr/bin/chromium-browser');
  });
});

interface Server { url: string; close: () => Promise<void> }
interface DemoResult {
  error?: string;
  engine: { threads: number; workers: number; isolated: boolean; build: string; trainImages: number };
  dense: number;
  runs: { label: string; method: string; layerParameters: number; ratio: number; testAccuracy: number }[];
  gradchecks: Record<string, { ok: boolean; maxAbsError: number }>;
  matmul: { milliseconds: number; threads: number };
}

describe.skipIf(chromium === undefined)('the demo page in headless Chromium', () => {
  let browser: Browser;
  const servers: Server[] = [];

  beforeAll(async () => {
    const build = spawnSync(process.execPath, [join(root, 'scripts', 'build-demo.mjs')], { encoding: 'utf8' });
    expect(build.status, build.stderr).toBe(0);
    browser = await puppeteer.launch({ executablePath: chromium, args: ['--no-sandbox', '--disable-gpu'] });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    for (const server of servers) await server.close();
  });

  async function open(isolated: boolean, query: string) {
    const server = (await serveFolder(join(root, 'build', 'demo'), { port: 0, isolated })) as Server;
    servers.push(server);
    const page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 1000 });
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(String(error)));
    await page.goto(`${server.url}${query}`);
    return { page, problems };
  }

  const TIMEOUT = 300_000;

  it('trains FC-2, compresses it with ADTN and TT, reports accuracy above chance, and gradcheck passes in the page', async () => {
    const { page, problems } = await open(true, '?auto=1');
    await page.waitForFunction('window.demoResult !== undefined', { timeout: TIMEOUT - 30_000 });
    const result = (await page.evaluate('window.demoResult')) as DemoResult;
    expect(result.error).toBeUndefined();
    expect(problems).toEqual([]);
    // Cross-origin isolated: shared memory, and the engine's threads as Web Workers.
    expect(result.engine.isolated).toBe(true);
    expect(result.engine.threads).toBe(Math.min(16, availableParallelism()));
    // The threads are running Web Workers, not a count the caller would run alone.
    expect(result.engine.workers).toBe(result.engine.threads - 1);
    expect(result.engine.trainImages).toBe(6000);
    expect(result.dense).toBeGreaterThan(0.85);
    const [tt, adtn] = result.runs;
    expect(adtn!.method).toBe('adtn');
    expect(adtn!.layerParameters).toBe(4098);
    expect(adtn!.ratio).toBeGreaterThan(100);
    expect(adtn!.testAccuracy).toBeGreaterThan(0.5); // chance is 0.1
    expect(tt!.method).toBe('tt');
    expect(tt!.testAccuracy).toBeGreaterThan(0.2);
    for (const [op, check] of Object.entries(result.gradchecks)) expect(check.ok, op).toBe(true);
    expect(Object.keys(result.gradchecks)).toHaveLength(4);
    expect(result.matmul.milliseconds).toBeGreaterThan(0);
    // The page draws what it reports: the results table has the three rows, the plot is there.
    expect(await page.$$eval('#results tbody tr', (rows) => rows.length)).toBe(3);
    expect(await page.$eval('#pareto', (element) => element.querySelector('svg') !== null)).toBe(true);
    await page.screenshot({ path: join(root, 'build', 'demo-screenshot.png'), fullPage: true });
    // The download: safetensors bytes that Node.js loads into an FC-2 with the same compression,
    // which classifies the page's 1,000 test images (the first of MNIST's test set) as it did.
    const downloaded = (await page.evaluate('window.adtnRequest("download").then((r) => ({ name: r.name, bytes: Array.from(r.bytes) }))')) as { name: string; bytes: number[] };
    expect(downloaded.name).toBe('fc2-adtn-M8-fc1+fc2.safetensors');
    const { tensors, metadata } = parseSafetensors(Uint8Array.from(downloaded.bytes), downloaded.name);
    const model = fc2();
    rebuildCompression(model, JSON.parse(metadata.compression!));
    const state = tensorsFromSafetensors(tensors);
    model.loadStateDict(state);
    for (const t of state.values()) t.dispose();
    expect(parameterReport(model).compressedLayersParameters).toBe(4098);
    const test = new DataLoader(subset(loadMnist().test, 1000), { batchSize: 500, mean: [0.1307], std: [0.3081] });
    expect(evaluate(model, test).accuracy).toBeCloseTo(adtn!.testAccuracy, 2);
    console.log(`browser demo: ${result.engine.threads} threads (${result.engine.workers} workers), dense ${(100 * result.dense).toFixed(1)}%, ` +
      `${result.runs.map((r) => `${r.label} ${(100 * r.testAccuracy).toFixed(1)}%`).join(', ')}; ` +
      `512x512 matmul ${result.matmul.milliseconds.toFixed(2)} ms; screenshot build/demo-screenshot.png`);
    await page.close();
  }, TIMEOUT);

  it('a page bundled by Vite from `import ... from \'adtn\'` (README "In a web page") runs the engine', async () => {
    const project = mkdtempSync(join(tmpdir(), 'adtn-bundle-'));
    try {
      mkdirSync(join(project, 'node_modules'));
      symlinkSync(root, join(project, 'node_modules', 'adtn'), 'dir');
      writeFileSync(join(project, 'index.html'), '<!doctype html><script type="module" src="./main.js"></script>\n');
      writeFileSync(join(project, 'main.js'), [
        "import { initEngine, engineThreads, fc2, noGrad, randn } from 'adtn';",
        'await initEngine();',
        'const logits = noGrad(() => fc2().forward(randn([2, 1, 28, 28])));',
        'window.bundled = { threads: engineThreads(), shape: logits.shape, finite: Array.from(logits.toArray()).every(Number.isFinite) };',
      ].join('\n'));
      // Any warning (a Node.js module externalized for the browser, say) fails the test.
      const warnings: string[] = [];
      const logger = createLogger('warn');
      logger.warn = (message) => warnings.push(message);
      logger.warnOnce = (message) => warnings.push(message);
      await viteBuild({ root: project, customLogger: logger, build: { outDir: join(project, 'dist') } });
      expect(warnings).toEqual([]);
      const server = (await serveFolder(join(project, 'dist'), { port: 0, isolated: true })) as Server;
      servers.push(server);
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(String(error)));
      await page.goto(server.url);
      await page.waitForFunction('window.bundled !== undefined', { timeout: 60_000 });
      expect(await page.evaluate('window.bundled')).toEqual({ threads: Math.min(16, availableParallelism()), shape: [2, 10], finite: true });
      expect(problems).toEqual([]);
      await page.close();
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  }, TIMEOUT);

  it('without cross-origin isolation the page runs the engine on one thread', async () => {
    const { page, problems } = await open(false, '');
    await page.waitForFunction('window.demoReady !== undefined', { timeout: 60_000 });
    const engine = (await page.evaluate('window.demoReady')) as DemoResult['engine'];
    expect(engine.isolated).toBe(false);
    expect(engine.threads).toBe(1);
    const gradchecks = (await page.evaluate('window.adtnRequest("gradcheckOps")')) as DemoResult['gradchecks'];
    for (const [op, check] of Object.entries(gradchecks)) expect(check.ok, op).toBe(true);
    expect(problems).toEqual([]);
    await page.close();
  }, TIMEOUT);
});
