// Serves the demo page (build/demo, made by scripts/build-demo.mjs) on localhost. By default with
// the two headers that make a page cross-origin isolated (Cross-Origin-Opener-Policy: same-origin,
// Cross-Origin-Embedder-Policy: require-corp), which is what lets the engine use shared memory and
// threads in the page; --no-isolation serves it without them (one thread).
//
//   node scripts/serve-demo.mjs [--port 8080] [--no-isolation] [--folder build/demo]

import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.wasm': 'application/wasm',
  '.idx': 'application/octet-stream',
};

/**
 * Starts a static server for `folder` (GET and HEAD); resolves to { url, close } once it
 * listens. `port` 0 picks a free port.
 */
export function serveFolder(folder, { port = 8080, isolated = true, host = '127.0.0.1' } = {}) {
  const root = resolve(folder);
  if (!existsSync(root)) {
    return Promise.reject(new Error(`serve-demo: ${root} does not exist (build it first: node scripts/build-demo.mjs)`));
  }
  const server = createServer(async (request, response) => {
    const reply = (status, text) => response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' }).end(text);
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('Allow', 'GET, HEAD');
      reply(405, 'method not allowed');
      return;
    }
    let path;
    try {
      path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
    } catch {
      reply(400, 'bad request');
      return;
    }
    let file = normalize(join(root, path));
    if (path.includes('\0') || (file !== root && !file.startsWith(root + sep))) {
      reply(403, 'forbidden');
      return;
    }
    try {
      if ((await stat(file).catch(() => null))?.isDirectory()) file = join(file, 'index.html');
      const body = await readFile(file);
      const headers = {
        'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
        'Content-Length': body.length,
        'Cache-Control': 'no-cache',
      };
      if (isolated) {
        headers['Cross-Origin-Opener-Policy'] = 'same-origin';
        headers['Cross-Origin-Embedder-Policy'] = 'require-corp';
      }
      response.writeHead(200, headers).end(request.method === 'HEAD' ? undefined : body);
    } catch (error) {
      if (error?.code === 'ENOENT' || error?.code === 'ENOTDIR') reply(404, 'not found');
      else reply(500, 'could not read the file');
    }
  });
  return new Promise((resolvePromise, reject) => {
    server.once('error', (error) => reject(error.code === 'EADDRINUSE'
      ? new Error(`serve-demo: port ${port} is in use (choose another with --port)`)
      : error));
    server.listen(port, host, () => {
      const address = server.address();
      resolvePromise({
        url: `http://${host}:${address.port}/`,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  let values;
  try {
    ({ values } = parseArgs({ options: { port: { type: 'string', default: '8080' }, folder: { type: 'string' }, 'no-isolation': { type: 'boolean', default: false } } }));
  } catch (error) {
    console.error(`serve-demo: ${error.message} (expected --port N, --folder DIR, --no-isolation)`);
    process.exit(2);
  }
  const port = Number(values.port);
  if (!/^[0-9]+$/.test(values.port) || port > 65535) {
    console.error(`serve-demo: --port must be a whole number from 0 to 65535, got ${values.port}`);
    process.exit(2);
  }
  const isolated = !values['no-isolation'];
  const folder = values.folder ?? fileURLToPath(new URL('../build/demo', import.meta.url));
  if (!existsSync(join(folder, 'index.html'))) {
    console.error(`serve-demo: ${folder} has no index.html (build the demo first: node scripts/build-demo.mjs, or npm run demo)`);
    process.exit(2);
  }
  let url;
  try {
    ({ url } = await serveFolder(folder, { port, isolated }));
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }
  console.log(`adtn demo: ${url} (${isolated ? 'cross-origin isolated: threads on' : 'not isolated: one thread'}); Ctrl+C stops`);
}
