import { createECDH, createPublicKey, randomBytes, randomUUID, verify, type ECDH } from 'node:crypto';
import https from 'node:https';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { decrypt } from 'http_ece';
import { testCa } from './test-ca';

/**
 * A loopback RFC 8030 push service over real TLS, standing where fcm.googleapis.com or web.push.apple.com stand
 * for a browser: it checks the VAPID authorization (RFC 8292) as they do and, unlike them, also decrypts the
 * aes128gcm body (RFC 8291) with the subscription's private key, which only the browser holds, so a test can
 * see exactly what reached the phone.
 */

export interface FakeSubscription {
  /** The JSON a browser's PushSubscription gives, as the app sends it to the server. */
  endpoint: string;
  keys: { p256dh: string; auth: string };
  /** What only the browser would hold. */
  privateKey: ECDH;
  authSecret: Buffer;
}

export interface ReceivedPush {
  endpoint: string;
  headers: IncomingHttpHeaders;
  /** The body as the push service saw it: ciphertext. */
  body: Buffer;
  /** The decrypted body, as the service worker would read it. */
  plaintext: string;
  receivedAt: Date;
  /** performance.timeOrigin + performance.now() at arrival: a high-resolution epoch time, for latency benches. */
  receivedAtMs: number;
  /** The VAPID public key (k) the push was signed with. */
  vapidKey: string;
}

export type InjectedPushFailure =
  | { status: 404 | 410 | 413 | 500 | 502 | 503 }
  | { status: 429; retryAfter?: string }
  /** Holds the answer this long, then accepts the push (a slow service; the sender's timeout should fire first). */
  | { delayMs: number };

export interface FakePushService {
  /** https://127.0.0.1:<port> */
  readonly origin: string;
  /** The CA its certificate is signed by; `agent()` trusts it. */
  readonly ca: string;
  readonly received: ReceivedPush[];
  /** Requests refused before delivery (bad VAPID, unknown endpoint), with why. */
  readonly refused: Array<{ endpoint: string; status: number; reason: string }>;
  /** A new subscription, as PushManager.subscribe() would make, restricted to `applicationServerKey` if given. */
  subscribe(options?: { applicationServerKey?: string }): FakeSubscription;
  /** Answer the next `times` pushes to this endpoint with this failure. */
  failNext(endpoint: string, failure: InjectedPushFailure, times?: number): void;
  /** Forget the subscription as a push service does after unsubscribe or expiry: every later push is a 410. */
  expire(endpoint: string): void;
  waitFor(predicate?: (push: ReceivedPush) => boolean, timeoutMs?: number): Promise<ReceivedPush>;
  /** An https.Agent that trusts the fake's CA: what a test hands to the push provider. */
  agent(options?: https.AgentOptions): https.Agent;
  clear(): void;
  close(): Promise<void>;
}

const MAX_BODY = 4096 + 256;
/** RFC 8292 §2: a JWT valid for more than 24 hours is refused. */
const MAX_EXP_SECONDS = 24 * 60 * 60;

interface Registered {
  privateKey: ECDH;
  authSecret: Buffer;
  applicationServerKey?: string;
  expired: boolean;
  failures: InjectedPushFailure[];
}

/** Decrypts an aes128gcm push body as the browser would; throws if the keys are not the subscription's. */
export function decryptPush(body: Buffer, privateKey: ECDH, authSecret: Buffer): string {
  return decrypt(body, { version: 'aes128gcm', privateKey, authSecret }).toString('utf8');
}

/** The p-th percentile (0-100) of some durations, nearest rank: for a bench's push send p50/p99. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export async function startFakePushService(): Promise<FakePushService> {
  const ca = testCa();
  const { key, cert } = ca.issue(['127.0.0.1', 'localhost']);
  const subscriptions = new Map<string, Registered>();
  const received: ReceivedPush[] = [];
  const refused: FakePushService['refused'] = [];
  const waiters = new Set<(push: ReceivedPush) => void>();
  let origin = '';

  const server = https.createServer({ key, cert }, (request, response) => {
    void handle(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500).end();
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const endpoint = `${origin}${request.url ?? ''}`;
    const body = await readBody(request);
    const refuse = (status: number, reason: string) => {
      refused.push({ endpoint, status, reason });
      response.writeHead(status, { 'content-type': 'text/plain' }).end(reason);
    };
    if (request.method !== 'POST' || !/^\/push\/[\w-]+$/.test(request.url ?? ''))
      return refuse(404, 'no such resource');
    const registered = subscriptions.get(endpoint);
    if (!registered) return refuse(404, 'unknown subscription');
    if (registered.expired) return refuse(410, 'subscription expired');
    if (body === undefined) return refuse(413, 'payload too large');

    const vapid = checkVapid(request.headers.authorization, origin);
    if (typeof vapid === 'string') return refuse(401, vapid);
    if (registered.applicationServerKey && vapid.key !== registered.applicationServerKey)
      return refuse(403, 'the VAPID key is not the one the subscription was made with');
    if (request.headers['content-encoding'] !== 'aes128gcm') return refuse(415, 'content encoding must be aes128gcm');
    if (!/^\d+$/.test(String(request.headers.ttl ?? ''))) return refuse(400, 'TTL header is required');

    const failure = registered.failures.shift();
    if (failure && 'status' in failure) {
      const headers: Record<string, string> = {};
      if (failure.status === 429 && failure.retryAfter) headers['retry-after'] = failure.retryAfter;
      response.writeHead(failure.status, headers).end('injected failure');
      return;
    }
    if (failure) await new Promise((resolve) => setTimeout(resolve, failure.delayMs));

    let plaintext: string;
    try {
      plaintext = decryptPush(body, registered.privateKey, registered.authSecret);
    } catch {
      return refuse(400, 'the body does not decrypt with the subscription keys');
    }
    const push: ReceivedPush = {
      endpoint,
      headers: request.headers,
      body,
      plaintext,
      receivedAt: new Date(),
      receivedAtMs: performance.timeOrigin + performance.now(),
      vapidKey: vapid.key,
    };
    received.push(push);
    for (const waiter of waiters) waiter(push);
    if (response.destroyed) return;
    response.writeHead(201, { location: `${origin}/message/${randomUUID()}`, ttl: String(request.headers.ttl) }).end();
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    origin,
    ca: ca.cert,
    received,
    refused,
    subscribe(options = {}) {
      const privateKey = createECDH('prime256v1');
      privateKey.generateKeys();
      const authSecret = randomBytes(16);
      const endpoint = `${origin}/push/${randomBytes(24).toString('base64url')}`;
      subscriptions.set(endpoint, {
        privateKey,
        authSecret,
        applicationServerKey: options.applicationServerKey,
        expired: false,
        failures: [],
      });
      return {
        endpoint,
        keys: { p256dh: privateKey.getPublicKey().toString('base64url'), auth: authSecret.toString('base64url') },
        privateKey,
        authSecret,
      };
    },
    failNext(endpoint, failure, times = 1) {
      const registered = subscriptions.get(endpoint);
      if (!registered) throw new Error('failNext: not a subscription of this fake');
      for (let i = 0; i < times; i++) registered.failures.push(failure);
    },
    expire(endpoint) {
      const registered = subscriptions.get(endpoint);
      if (registered) registered.expired = true;
    },
    waitFor(predicate = () => true, timeoutMs = 10_000) {
      const found = received.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const waiter = (push: ReceivedPush) => {
          if (!predicate(push)) return;
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(push);
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`no matching push within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    agent(options) {
      return ca.agent(options);
    },
    clear() {
      received.length = 0;
      refused.length = 0;
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY) chunks.push(chunk);
    });
    request.on('end', () => resolve(size > MAX_BODY ? undefined : Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

/** RFC 8292 §3: `vapid t=<ES256 JWT>, k=<P-256 public key>`; the key the JWT verifies with, or why it does not. */
function checkVapid(header: string | undefined, audience: string): { key: string } | string {
  const match = /^vapid t=([\w-]+\.[\w-]+\.[\w-]+), k=([\w-]+)$/.exec(header ?? '');
  if (!match) return 'Authorization must be "vapid t=<jwt>, k=<key>"';
  const [, token, k] = match as unknown as [string, string, string];
  const point = Buffer.from(k, 'base64url');
  if (point.length !== 65 || point[0] !== 4) return 'k must be an uncompressed P-256 point';
  const publicKey = createPublicKey({
    key: {
      kty: 'EC',
      crv: 'P-256',
      x: point.subarray(1, 33).toString('base64url'),
      y: point.subarray(33).toString('base64url'),
    },
    format: 'jwk',
  });
  const [head, claims, signature] = token.split('.') as [string, string, string];
  let header64: { alg?: string; typ?: string };
  let payload: { aud?: unknown; exp?: unknown; sub?: unknown };
  try {
    header64 = JSON.parse(Buffer.from(head, 'base64url').toString('utf8'));
    payload = JSON.parse(Buffer.from(claims, 'base64url').toString('utf8'));
  } catch {
    return 'the JWT is not JSON';
  }
  if (header64.alg !== 'ES256') return 'the JWT must be ES256';
  const signed = verify(
    'sha256',
    Buffer.from(`${head}.${claims}`),
    { key: publicKey, dsaEncoding: 'ieee-p1363' },
    Buffer.from(signature, 'base64url'),
  );
  if (!signed) return 'the JWT signature does not verify with k';
  if (payload.aud !== audience) return 'aud must be the push service origin';
  const now = Math.floor(Date.now() / 1000);
  if (typeof payload.exp !== 'number' || payload.exp <= now) return 'the JWT has expired';
  if (payload.exp > now + MAX_EXP_SECONDS) return 'exp must be within 24 hours';
  if (typeof payload.sub !== 'string' || !/^(mailto:|https:)/.test(payload.sub)) return 'sub must be mailto: or https:';
  return { key: k };
}
