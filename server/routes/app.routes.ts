import { readFileSync, readdirSync } from 'node:fs';
import { extname, join } from 'node:path';
import { Router, type Response } from 'express';

/**
 * The Latchkey app (docs/app.md): a PWA of plain files served under /app, no build step. Everything it runs is
 * ours or one of two pinned packages (jsQR for the scanner, SimpleWebAuthn's browser half) served from
 * node_modules, so the page can run under `script-src 'self'`: an injected script could use the phone's
 * non-extractable keys while the app is open, so no third party may be one.
 */

/** The app's own policy, stricter in what it loads than the server pages' and wider only where the app must be. */
export const APP_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data: blob:",
  // The scanner's camera stream plays in a <video>; a MediaStream is not fetched, but some engines check it.
  "media-src 'self' blob:",
  "worker-src 'self'",
  "manifest-src 'self'",
  "style-src 'self'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/** The camera for the scanner, on this origin only; everything else a phone offers stays off. */
export const APP_PERMISSIONS_POLICY = 'camera=(self), microphone=(), geolocation=(), payment=(), usb=()';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

interface Asset {
  body: Buffer;
  type: string;
}

/** A file of an installed package; found from its entry point, since not every package exports package.json. */
function packageFile(specifier: string, relative: string): Buffer {
  const entry = require.resolve(specifier);
  const marker = join('node_modules', specifier);
  const root = entry.slice(0, entry.lastIndexOf(marker) + marker.length);
  return readFileSync(join(root, relative));
}

/** Read once at start: the files are small, and a missing one should stop the server, not 404 a phone. */
function loadAssets(directory: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const name of readdirSync(directory)) {
    const type = TYPES[extname(name)];
    if (type) assets.set(`/${name}`, { body: readFileSync(join(directory, name)), type });
  }
  const script = TYPES['.js']!;
  assets.set('/vendor/jsqr.js', { body: packageFile('jsqr', 'dist/jsQR.js'), type: script });
  assets.set('/vendor/simplewebauthn.js', {
    body: packageFile('@simplewebauthn/browser', 'dist/bundle/index.umd.min.js'),
    type: script,
  });
  return assets;
}

/** Paths that are the app's shell: the one page, which routes itself from the fragment. */
const SHELL_PATHS = ['/', '/pair'];

export function appRoutes(directory = join(__dirname, '..', 'app', 'static')): Router {
  const assets = loadAssets(directory);
  const shell = assets.get('/index.html');
  if (!shell) throw new Error(`index.html is missing from ${directory}`);
  const router = Router({ strict: true });

  const send = (response: Response, asset: Asset) => {
    response.setHeader('Content-Security-Policy', APP_CSP);
    response.setHeader('Permissions-Policy', APP_PERMISSIONS_POLICY);
    response.type(asset.type).send(asset.body);
  };

  // "/app" without the slash would resolve the page's relative URLs against "/", outside the app's scope.
  router.get('/', (request, response, next) => {
    if (request.originalUrl.split('?')[0] === '/app') return void response.redirect(301, '/app/');
    next();
  });
  for (const path of SHELL_PATHS) router.get(path, (_request, response) => send(response, shell));
  router.get('/*file', (request, response, next) => {
    const asset = assets.get(request.path);
    if (!asset || request.path === '/index.html') return next();
    send(response, asset);
  });
  return router;
}
