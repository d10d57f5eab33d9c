// The device API (docs/app.md). Credentials live in memory here and in IndexedDB (vault.js); they are sent as a
// header, never in a URL.

const BASE = '/api/device/v1';

/** A 4xx or 5xx answer; `message` is the server's, written to be shown to the user. */
export class ApiError extends Error {
  constructor(status, code, message, body, retryAfterSeconds) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.body = body;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** The request never got an answer: no network, or Latchkey itself is down. */
export class OfflineError extends Error {
  constructor() {
    super('Latchkey could not be reached. Check that the phone is online, then try again.');
    this.name = 'OfflineError';
  }
}

let authorization = null;

export const usePairing = (pairingId, pairingSecret) => {
  // Without a secret (the installed iOS app, which arrived with the HttpOnly pairing cookie) the cookie speaks.
  authorization = pairingSecret ? `Pairing ${pairingId}.${pairingSecret}` : null;
};
export const useDevice = (deviceId, deviceSecret) => {
  authorization = `Device ${deviceId}.${deviceSecret}`;
};
export const forgetCredentials = () => {
  authorization = null;
};

export async function call(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (authorization) headers.Authorization = authorization;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(`${BASE}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch {
    throw new OfflineError();
  }
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (response.ok) return json;
  const retryAfter = Number(response.headers.get('Retry-After'));
  const error = json?.error ?? {};
  throw new ApiError(
    response.status,
    error.code ?? `http_${response.status}`,
    error.message ?? (response.status >= 500 ? 'Latchkey had a problem. Try again in a minute.' : 'That did not work.'),
    json,
    Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
  );
}
