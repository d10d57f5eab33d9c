import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import { securityHeaders } from '../http/security-headers';
import { APP_CSP, appRoutes } from './app.routes';

/** The app's files as a browser fetches them: the shell, its scripts and worker, and the policy they run under. */
describe('the /app routes', () => {
  let server: Server;
  let base: string;

  before(async () => {
    const app = express();
    app.use(securityHeaders({ https: false }));
    app.use('/app', appRoutes());
    app.use((_request, response) => void response.status(404).send('not found'));
    server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const get = (path: string) => fetch(`${base}${path}`, { redirect: 'manual' });

  it('serves the shell at /app/ and /app/pair under the app policy, and sends /app to /app/', async () => {
    for (const path of ['/app/', '/app/pair']) {
      const response = await get(path);
      assert.equal(response.status, 200, path);
      assert.match(response.headers.get('content-type') ?? '', /text\/html/);
      assert.equal(response.headers.get('content-security-policy'), APP_CSP);
      assert.match(response.headers.get('permissions-policy') ?? '', /camera=\(self\)/);
      assert.equal(response.headers.get('cache-control'), 'no-store');
      assert.match(await response.text(), /<script type="module" src="\/app\/app.js">/);
    }
    const bare = await get('/app');
    assert.equal(bare.status, 301);
    assert.equal(bare.headers.get('location'), '/app/');
  });

  it("allows only the app's own scripts, connections and workers", () => {
    for (const directive of [
      "script-src 'self'",
      "connect-src 'self'",
      "img-src 'self' data: blob:",
      "worker-src 'self'",
      "manifest-src 'self'",
      "style-src 'self'",
      "frame-ancestors 'none'",
    ]) {
      assert.ok(APP_CSP.includes(directive), directive);
    }
    assert.doesNotMatch(APP_CSP, /unsafe-inline|unsafe-eval|https?:/);
  });

  it('serves the worker, the manifest, the icons and the two vendored scripts with their types', async () => {
    const expected: Record<string, RegExp> = {
      '/app/sw.js': /text\/javascript/,
      '/app/app.js': /text\/javascript/,
      '/app/manifest.webmanifest': /application\/manifest\+json/,
      '/app/icon-192.png': /image\/png/,
      '/app/icon-512.png': /image\/png/,
      '/app/app.css': /text\/css/,
      '/app/vendor/jsqr.js': /text\/javascript/,
      '/app/vendor/simplewebauthn.js': /text\/javascript/,
    };
    for (const [path, type] of Object.entries(expected)) {
      const response = await get(path);
      assert.equal(response.status, 200, path);
      assert.match(response.headers.get('content-type') ?? '', type, path);
      assert.ok((await response.arrayBuffer()).byteLength > 100, path);
    }
    const manifest = await (await get('/app/manifest.webmanifest')).json();
    assert.equal(manifest.scope, '/app/');
    assert.equal(manifest.start_url, '/app/');
    assert.equal(manifest.display, 'standalone');
    assert.deepEqual(
      manifest.icons.map((icon: { sizes: string }) => icon.sizes),
      ['192x192', '512x512'],
    );
  });

  it('answers 404 for anything else under /app, and never lists or climbs out of its folder', async () => {
    for (const path of [
      '/app/nope.js',
      '/app/index.html',
      '/app/../package.json',
      '/app/%2e%2e/package.json',
      '/app/vendor/',
    ]) {
      assert.equal((await get(path)).status, 404, path);
    }
  });
});
