// Web Push for the installed app. Push is a nudge only (the app asks the server what happened), so every failure
// here leaves the app working with alerts off.

import { fromBase64url } from './keys.js';

/** Chromium without Google's services never settles subscribe(); nothing may wait on it for long. */
const SUBSCRIBE_TIMEOUT_MS = 10_000;

function withTimeout(promise, ms) {
  return Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error('timed out')), ms))]);
}

export const pushSupported = () => 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;

/**
 * Asks for permission (call it from a tap: iOS refuses otherwise) and subscribes. Answers a PushTarget, or
 * { off: 'unsupported' | 'denied' | 'failed' }.
 */
export async function turnOnAlerts(vapidPublicKey) {
  if (!pushSupported() || !vapidPublicKey) return { off: 'unsupported' };
  const permission = await Notification.requestPermission();
  if (permission !== 'granted') return { off: 'denied' };
  try {
    const registration = await withTimeout(navigator.serviceWorker.ready, SUBSCRIBE_TIMEOUT_MS);
    const subscription =
      (await registration.pushManager.getSubscription()) ??
      (await withTimeout(
        registration.pushManager.subscribe({
          userVisibleOnly: true,
          applicationServerKey: fromBase64url(vapidPublicKey),
        }),
        SUBSCRIBE_TIMEOUT_MS,
      ));
    const json = typeof subscription.toJSON === 'function' ? subscription.toJSON() : subscription;
    if (!json?.endpoint || !json.keys?.p256dh || !json.keys?.auth) return { off: 'failed' };
    return {
      target: {
        kind: 'webpush',
        subscription: { endpoint: json.endpoint, keys: { p256dh: json.keys.p256dh, auth: json.keys.auth } },
      },
    };
  } catch {
    return { off: 'failed' };
  }
}

export const alertsOffReason = {
  unsupported: 'This browser cannot show alerts from Latchkey. Add Latchkey to your Home Screen to get them.',
  denied: 'Alerts are blocked for Latchkey. You can allow them in your phone’s settings.',
  failed: 'Alerts could not be turned on right now. You can try again from the home screen.',
};
