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
