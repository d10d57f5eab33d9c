import { webcrypto } from 'node:crypto';
import { deviceActionMessage, type DeviceAction } from '../../common/domain/device';

const subtle = webcrypto.subtle;

/** A phone as the device API sees it, made with WebCrypto as the app makes its keys (P-256, signing and sealing). */
export async function makeTestDevice() {
  const signing = await subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
  const sealing = await subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, false, ['deriveBits']);
  const spki = async (key: webcrypto.CryptoKey) =>
    Buffer.from(await subtle.exportKey('spki', key)).toString('base64url');
  return {
    signingKey: await spki(signing.publicKey),
    sealingKey: await spki(sealing.publicKey),
    async sign(input: { action: DeviceAction; challengeId: string; challenge: string; subject?: string | null }) {
      const message = Buffer.from(deviceActionMessage(input), 'utf8');
      const signature = await subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, signing.privateKey, message);
      return Buffer.from(signature).toString('base64url');
    },
  };
}

/** A JSON client for /api/device/v1 with an optional Authorization header. */
export function deviceClient(baseUrl: string) {
  return async function call(
    method: string,
    path: string,
    body?: unknown,
    authorization?: string,
    headers: Record<string, string> = {},
  ) {
    const response = await fetch(`${baseUrl}/api/device/v1${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(authorization ? { authorization } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: any = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // left as text
    }
    return { status: response.status, body: parsed, headers: response.headers };
  };
}

/** The done page's "Open the app on this phone" link, as an absolute URL. */
export function samePhoneLinkIn(baseUrl: string, doneHtml: string): string {
  // Handlebars writes the `=` of `#t=` as `&#x3D;`.
  const href = /href="([^"]*\/app\/pair#t)(?:=|&#x3D;)([A-Za-z0-9_-]+)"/.exec(doneHtml);
  if (!href) throw new Error('the done page has no on-phone pairing link');
  return new URL(`${href[1]}=${href[2]}`, baseUrl).href;
}

/**
 * Pairs a Node device, protected by `pin`, from the done page's "Open the app on this phone" link: the path a
 * user on their phone takes, with no number match. Returns the device and its Authorization header.
 */
export async function pairFromDonePage(baseUrl: string, doneHtml: string, pin = '482915') {
  const token = new URL(samePhoneLinkIn(baseUrl, doneHtml)).hash.slice('#t='.length);
  const call = deviceClient(baseUrl);
  const redeemed = await call('POST', '/pairings/redeem', { token });
  if (redeemed.status !== 200) throw new Error(`redeem answered ${redeemed.status}: ${JSON.stringify(redeemed.body)}`);
  const phone = await makeTestDevice();
  const registered = await call(
    'POST',
    '/devices',
    { label: 'Test phone', protection: 'pin', signingKey: phone.signingKey, sealingKey: phone.sealingKey, pin },
    `Pairing ${redeemed.body.pairingId}.${redeemed.body.pairingSecret}`,
  );
  if (registered.status !== 201) {
    throw new Error(`registration answered ${registered.status}: ${JSON.stringify(registered.body)}`);
  }
  return {
    phone,
    deviceId: registered.body.deviceId as string,
    auth: `Device ${registered.body.deviceId}.${registered.body.deviceSecret}`,
  };
}
