// The app's service worker, scope /app/. Three jobs: show a push, open the right screen when it is tapped, and
// keep the shell for a flaky connection. It never caches an API answer: those carry sealed passwords and
// device state, and are Cache-Control: no-store.

const SHELL_CACHE = 'latchkey-shell-v1';
const SHELL = [
  '/app/',
  '/app/app.js',
  '/app/api.js',
  '/app/keys.js',
  '/app/push.js',
  '/app/scanner.js',
  '/app/ui.js',
  '/app/vault.js',
  '/app/app.css',
  '/app/manifest.webmanifest',
  '/app/icon-192.png',
  '/app/icon-512.png',
  '/app/vendor/simplewebauthn.js',
  '/app/vendor/jsqr.js',
];

/** A push carries only { t, id } (docs/app.md); the words are fixed here, so a push reveals nothing. */
const TEXTS = {
  reset_ready: { title: 'Your new password is ready', body: 'Open Latchkey to see it. It is shown once.' },
  lockout: { title: 'Your account is locked', body: 'Open Latchkey to unlock it.' },
};

const screenFor = (type, id) =>
  type === 'reset_ready' && id
    ? `/app/#/reset/${encodeURIComponent(id)}`
    : type === 'lockout' && id
      ? `/app/#/lockout/${encodeURIComponent(id)}`
      : '/app/';

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(SHELL_CACHE)
      .then((cache) => cache.addAll(SHELL))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((name) => name !== SHELL_CACHE).map((name) => caches.delete(name))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== self.location.origin || !url.pathname.startsWith('/app/'))
    return;
  const isPage = event.request.mode === 'navigate';
  const key = isPage ? '/app/' : url.pathname;
  if (!isPage && !SHELL.includes(key)) return;
  // Network first, so a deployed fix reaches phones at once; the cached shell only when offline.
  event.respondWith(
    fetch(event.request).catch(() =>
      caches
        .open(SHELL_CACHE)
        .then((cache) => cache.match(key))
        .then((hit) => hit ?? Response.error()),
    ),
  );
});

self.addEventListener('push', (event) => {
  let message = {};
  try {
    message = event.data ? event.data.json() : {};
  } catch {
    message = {};
  }
  const type = typeof message.t === 'string' ? message.t : 'unknown';
  const id = typeof message.id === 'string' ? message.id : null;
  const text = TEXTS[type] ?? { title: 'Latchkey', body: 'Open Latchkey for an update.' };
  // Inside waitUntil, always: iOS ends the subscription of a worker that gets pushes and shows nothing.
  event.waitUntil(
    self.registration.showNotification(text.title, {
      body: text.body,
      icon: '/app/icon-192.png',
      badge: '/app/icon-192.png',
      tag: id ? `${type}:${id}` : type,
      data: { type, id },
      requireInteraction: type === 'reset_ready',
    }),
  );
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const { type, id } = event.notification.data ?? {};
  const target = new URL(screenFor(type, id), self.location.origin).href;
  const opening = (async () => {
    const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
    const open = windows.find((client) => new URL(client.url).pathname.startsWith('/app'));
    if (open) {
      // The message first: focus() can be refused, and the screen should change either way.
      if (type === 'reset_ready' && id) open.postMessage({ type: 'open-reset', id });
      if (type === 'lockout' && id) open.postMessage({ type: 'open-lockout', id });
      return open.focus().catch(() => undefined);
    }
    return self.clients.openWindow(target);
  })();
  try {
    event.waitUntil(opening);
  } catch {
    // Only a synthetic event (not dispatched by the browser) cannot be extended; the screen still opens.
  }
});
