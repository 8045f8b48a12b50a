// Serves the demo page (build/demo, made by scripts/build-demo.mjs) on localhost. By default with
// the two headers that make a page cross-origin isolated (Cross-Origin-Opener-Policy: same-origin,
// Cross-Origin-Embedder-Policy: require-corp), which is what lets the engine use shared memory and
// threads in the page; --no-isolation serves it without them (one thread).
//
//   node scripts/serve-demo.mjs [--port 8080] [--no-isolation] [--folder build/demo]

import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.bin': 'application/octet-stream',
  '.idx': 'application/octet-stream',
};

/**
 * Starts a static server for `folder`; resolves to { url, close } once it listens.
 * `port` 0 picks a free port.
 */
export function serveFolder(folder, { port = 8080, isolated = true, host = '127.0.0.1' } = {}) {
  const root = resolve(folder);
  const server = createServer(async (request, response) => {
    try {
      const path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
      let file = normalize(join(root, path));
      if (file !== root && !file.startsWith(root + sep)) {
        response.writeHead(403).end('forbidden');
        return;
      }
      if ((await stat(file).catch(() => null))?.isDirectory()) file = join(file, 'index.html');
      const body = await readFile(file);
      const headers = { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Cache-Control': 'no-cache' };
      if (isolated) {
        headers['Cross-Origin-Opener-Policy'] = 'same-origin';
        headers['Cross-Origin-Embedder-Policy'] = 'require-corp';
      }
      response.writeHead(200, headers).end(body);
    } catch {
      response.writeHead(404).end('not found');
    }
  });
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
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
  const args = process.argv.slice(2);
  const value = (flag, fallback) => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : fallback;
  };
  const port = Number(value('--port', '8080'));
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`serve-demo: --port must be a whole number from 0 to 65535, got ${value('--port')}`);
    process.exit(2);
  }
  const isolated = !args.includes('--no-isolation');
  const folder = value('--folder', fileURLToPath(new URL('../build/demo', import.meta.url)));
  const { url } = await serveFolder(folder, { port, isolated });
  console.log(`adtn demo: ${url} (${isolated ? 'cross-origin isolated: threads on' : 'not isolated: one thread'}); Ctrl+C stops`);
}
