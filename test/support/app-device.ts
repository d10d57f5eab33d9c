import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { VIEWPORTS } from './browser';

/**
 * A phone for the app's browser tests: a 390×844 context, and the Chrome DevTools Protocol for what a headless
 * browser has no hardware for: a platform authenticator with user verification (WebAuthn domain), and a push
 * message delivered straight into the app's real service worker (ServiceWorker domain).
 */

export interface Phone {
  context: BrowserContext;
  page: Page;
  cdp: CDPSession;
}

export async function openPhone(
  browser: Browser,
  baseUrl: string,
  options: { colorScheme?: 'light' | 'dark'; notifications?: boolean } = {},
): Promise<Phone> {
  const context = await browser.newContext({
    viewport: VIEWPORTS.phone,
    deviceScaleFactor: 1,
    hasTouch: true,
    colorScheme: options.colorScheme ?? 'light',
    baseURL: baseUrl,
  });
  if (options.notifications !== false)
    await context.grantPermissions(['notifications'], { origin: new URL(baseUrl).origin });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  return { context, page, cdp };
}

/** Waits until the app shows the named screen (`<main data-screen>`, set by server/app/static/ui.js). */
export async function waitForScreen(page: Page, name: string, timeout = 30_000): Promise<void> {
  await page.waitForSelector(`main[data-screen="${name}"]`, { timeout });
}

export interface VirtualAuthenticator {
  authenticatorId: string;
  /** Whether the next fingerprint or face "matches": false makes the authenticator report UV not done. */
  setUserVerified(verified: boolean): Promise<void>;
  credentialCount(): Promise<number>;
}

/** A built-in authenticator (CTAP2, internal transport) with user verification on, as a phone's fingerprint is. */
export async function addPlatformAuthenticator(phone: Phone): Promise<VirtualAuthenticator> {
  const { cdp } = phone;
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return {
    authenticatorId,
    setUserVerified: async (isUserVerified) => {
      await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified });
    },
    credentialCount: async () => (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials.length,
  };
}

export interface HeldSubscription {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

/**
 * Chromium without Google's services never completes PushManager.subscribe(), so the app's call is answered with
 * a subscription the test holds the keys of, whose endpoint is the fake push service. The app's own subscribe
 * and register code still runs; only the browser's vendor round trip is replaced.
 */
export async function holdPushSubscription(context: BrowserContext, subscription: HeldSubscription): Promise<void> {
  await context.addInitScript((held) => {
    const make = () => ({
      endpoint: held.endpoint,
      expirationTime: null,
      options: { userVisibleOnly: true },
      toJSON: () => ({ endpoint: held.endpoint, expirationTime: null, keys: held.keys }),
      getKey: () => null,
      unsubscribe: async () => true,
    });
    let subscribed = false;
    PushManager.prototype.subscribe = async function subscribe() {
      subscribed = true;
      return make() as unknown as PushSubscription;
    };
    PushManager.prototype.getSubscription = async function getSubscription() {
      return (subscribed ? make() : null) as unknown as PushSubscription | null;
    };
  }, subscription);
}

/** The registration id of the app's service worker (scope /app/), once it is active. */
async function appRegistrationId(phone: Phone): Promise<string> {
  const origin = new URL(phone.page.url()).origin;
  await phone.page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
  const found = new Promise<string>((resolve) => {
    phone.cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => {
      const mine = registrations.find((registration) => registration.scopeURL === `${origin}/app/`);
      if (mine && !mine.isDeleted) resolve(mine.registrationId);
    });
  });
  await phone.cdp.send('ServiceWorker.enable');
  return found;
}

/** Hands `data` (the plaintext the fake push service decrypted) to the app's service worker as a push event. */
export async function deliverPush(phone: Phone, data: string): Promise<void> {
  const registrationId = await appRegistrationId(phone);
  await phone.cdp.send('ServiceWorker.deliverPushMessage', {
    origin: new URL(phone.page.url()).origin,
    registrationId,
    data,
  });
}

export interface ShownNotification {
  title: string;
  body: string;
  data: unknown;
}

/** The notifications the app's worker is showing, as the phone's shade would list them. */
export async function shownNotifications(page: Page): Promise<ShownNotification[]> {
  return page.evaluate(async () => {
    const registration = await navigator.serviceWorker.ready;
    return (await registration.getNotifications()).map((n) => ({ title: n.title, body: n.body, data: n.data }));
  });
}

/**
 * A tap on the first notification: a notificationclick in the worker, with the notification the worker showed.
 * Headless Chromium has no notification shade to tap, so the event is dispatched in the worker itself.
 */
export async function tapNotification(phone: Phone): Promise<void> {
  const worker =
    phone.context.serviceWorkers().find((sw) => sw.url().endsWith('/app/sw.js')) ??
    (await phone.context.waitForEvent('serviceworker', { predicate: (sw) => sw.url().endsWith('/app/sw.js') }));
  const tapped = await worker.evaluate(async () => {
    const scope = self as unknown as {
      registration: ServiceWorkerRegistration;
      dispatchEvent(event: Event): boolean;
    };
    const [notification] = await scope.registration.getNotifications();
    if (!notification) return false;
    const NotificationEventClass = (
      globalThis as unknown as { NotificationEvent: new (type: string, init: object) => Event }
    ).NotificationEvent;
    scope.dispatchEvent(new NotificationEventClass('notificationclick', { notification }));
    return true;
  });
  if (!tapped) throw new Error('no notification to tap');
}
