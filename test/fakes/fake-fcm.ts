import { generateKeyPairSync, randomBytes, randomUUID, verify, type KeyObject } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { RedirectingAgent, testCa } from './test-ca';

/**
 * Loopback stand-ins for Google's OAuth token endpoint and FCM's HTTP v1 send endpoint, over real TLS for their
 * real host names, so firebase-admin runs unchanged: it signs a jwt-bearer assertion with the test service
 * account's key, trades it for a token here, and sends here. `agent()` is the only way in (see RedirectingAgent);
 * any other host is refused, so nothing reaches Google.
 */

export const OAUTH_HOST = 'oauth2.googleapis.com';
export const FCM_HOST = 'fcm.googleapis.com';
const TOKEN_URL = `https://${OAUTH_HOST}/token`;
const SEND_PATH = /^\/v1\/projects\/([^/]+)\/messages:send$/;

export interface FcmSentMessage {
  projectId: string;
  /** The access token the request carried (one this fake issued). */
  bearer: string;
  message: Record<string, unknown> & { token?: string; data?: Record<string, string> };
  receivedAt: Date;
  receivedAtMs: number;
}

export type FcmErrorCode =
  'UNREGISTERED' | 'INVALID_ARGUMENT' | 'QUOTA_EXCEEDED' | 'UNAVAILABLE' | 'SENDER_ID_MISMATCH';

export interface FakeFcm {
  readonly projectId: string;
  /** A service account JSON key file whose public half this fake checks assertions against. */
  readonly serviceAccountFile: string;
  readonly clientEmail: string;
  readonly messages: FcmSentMessage[];
  /** Token requests that passed, with the claims of their assertion. */
  readonly tokenGrants: Array<{ iss: string; scope: string; aud: string }>;
  /** Requests refused (bad assertion, bad bearer), with why. */
  readonly refused: Array<{ host: string; status: number; reason: string }>;
  /** Every later send to this registration token fails with this FCM error code. */
  failToken(token: string, code: FcmErrorCode): void;
  waitFor(predicate?: (message: FcmSentMessage) => boolean, timeoutMs?: number): Promise<FcmSentMessage>;
  /** An https.Agent that routes both Google hosts to this fake and refuses every other host. */
  agent(): https.Agent;
  close(): Promise<void>;
}

const STATUS: Record<FcmErrorCode, { http: number; status: string }> = {
  UNREGISTERED: { http: 404, status: 'NOT_FOUND' },
  INVALID_ARGUMENT: { http: 400, status: 'INVALID_ARGUMENT' },
  QUOTA_EXCEEDED: { http: 429, status: 'RESOURCE_EXHAUSTED' },
  UNAVAILABLE: { http: 503, status: 'UNAVAILABLE' },
  SENDER_ID_MISMATCH: { http: 403, status: 'PERMISSION_DENIED' },
};

export async function startFakeFcm(options: { projectId?: string } = {}): Promise<FakeFcm> {
  const projectId = options.projectId ?? `latchkey-test-${randomBytes(3).toString('hex')}`;
  const clientEmail = `push@${projectId}.iam.gserviceaccount.com`;
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const dir = join(__dirname, '..', '..', '.tmp', 'fake-fcm', randomUUID());
  mkdirSync(dir, { recursive: true });
  const serviceAccountFile = join(dir, 'service-account.json');
  writeFileSync(
    serviceAccountFile,
    JSON.stringify({
      type: 'service_account',
      project_id: projectId,
      private_key_id: randomBytes(8).toString('hex'),
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }),
      client_email: clientEmail,
      token_uri: TOKEN_URL,
    }),
    { mode: 0o600 },
  );

  const ca = testCa();
  const { key, cert } = ca.issue([OAUTH_HOST, FCM_HOST]);
  const issued = new Set<string>();
  const failing = new Map<string, FcmErrorCode>();
  const messages: FcmSentMessage[] = [];
  const tokenGrants: FakeFcm['tokenGrants'] = [];
  const refused: FakeFcm['refused'] = [];
  const waiters = new Set<(message: FcmSentMessage) => void>();

  const server = https.createServer({ key, cert }, (request, response) => {
    void handle(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500).end();
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const host = (request.headers.host ?? '').replace(/:\d+$/, '');
    const body = await readBody(request);
    const json = (status: number, payload: unknown): void => {
      response.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' }).end(JSON.stringify(payload));
    };
    const refuse = (status: number, reason: string, payload: unknown) => {
      refused.push({ host, status, reason });
      json(status, payload);
    };

    if (host === OAUTH_HOST && request.method === 'POST' && request.url === '/token') {
      const form = new URLSearchParams(body);
      if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer')
        return refuse(400, 'grant_type must be jwt-bearer', { error: 'unsupported_grant_type' });
      const claims = checkAssertion(form.get('assertion') ?? '', publicKey, clientEmail);
      if (typeof claims === 'string') return refuse(400, claims, { error: 'invalid_grant', error_description: claims });
      tokenGrants.push(claims);
      const accessToken = `ya29.fake-${randomBytes(16).toString('base64url')}`;
      issued.add(accessToken);
      return json(200, { access_token: accessToken, expires_in: 3599, token_type: 'Bearer' });
    }

    const send = host === FCM_HOST && request.method === 'POST' ? SEND_PATH.exec(request.url ?? '') : null;
    if (!send) return refuse(404, `no such resource ${host}${request.url}`, { error: { code: 404 } });
    const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    if (!bearer || !issued.has(bearer))
      return refuse(401, 'unknown bearer token', {
        error: { code: 401, message: 'Request had invalid authentication credentials.', status: 'UNAUTHENTICATED' },
      });
    if (send[1] !== projectId)
      return refuse(403, 'another project', { error: { code: 403, message: 'denied', status: 'PERMISSION_DENIED' } });
    let parsed: { message?: FcmSentMessage['message'] };
    try {
      parsed = JSON.parse(body) as typeof parsed;
    } catch {
      return refuse(400, 'body is not JSON', { error: { code: 400, status: 'INVALID_ARGUMENT' } });
    }
    const message = parsed.message;
    if (!message || typeof message.token !== 'string')
      return refuse(400, 'message.token is required', { error: { code: 400, status: 'INVALID_ARGUMENT' } });
    const failure = failing.get(message.token);
    if (failure) {
      const { http, status } = STATUS[failure];
      return json(http, {
        error: {
          code: http,
          message: `Injected ${failure}`,
          status,
          details: [{ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode: failure }],
        },
      });
    }
    const sent: FcmSentMessage = {
      projectId,
      bearer,
      message,
      receivedAt: new Date(),
      receivedAtMs: performance.timeOrigin + performance.now(),
    };
    messages.push(sent);
    for (const waiter of waiters) waiter(sent);
    return json(200, { name: `projects/${projectId}/messages/${randomUUID()}` });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const routes = new Map([
    [OAUTH_HOST, port],
    [FCM_HOST, port],
  ]);

  return {
    projectId,
    serviceAccountFile,
    clientEmail,
    messages,
    tokenGrants,
    refused,
    failToken(token, code) {
      failing.set(token, code);
    },
    waitFor(predicate = () => true, timeoutMs = 10_000) {
      const found = messages.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const waiter = (message: FcmSentMessage) => {
          if (!predicate(message)) return;
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(message);
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`no matching FCM message within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    agent() {
      return new RedirectingAgent(routes, ca.cert);
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

/** RFC 7523 §3, as Google checks it: RS256 by the service account's key, iss its email, aud the token URL. */
function checkAssertion(
  assertion: string,
  publicKey: KeyObject,
  clientEmail: string,
): { iss: string; scope: string; aud: string } | string {
  const parts = assertion.split('.');
  if (parts.length !== 3) return 'the assertion is not a JWT';
  const [head, body, signature] = parts as [string, string, string];
  let header: { alg?: string };
  let claims: { iss?: unknown; scope?: unknown; aud?: unknown; exp?: unknown; iat?: unknown };
  try {
    header = JSON.parse(Buffer.from(head, 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return 'the assertion is not JSON';
  }
  if (header.alg !== 'RS256') return 'the assertion must be RS256';
  if (!verify('sha256', Buffer.from(`${head}.${body}`), publicKey, Buffer.from(signature, 'base64url')))
    return 'the assertion signature does not verify';
  if (claims.iss !== clientEmail) return 'iss is not the service account';
  if (claims.aud !== TOKEN_URL) return 'aud is not the token URL';
  const now = Math.floor(Date.now() / 1000);
  if (typeof claims.exp !== 'number' || claims.exp <= now || claims.exp > now + 3600) return 'exp is out of range';
  if (typeof claims.iat !== 'number' || claims.iat > now + 60) return 'iat is in the future';
  if (typeof claims.scope !== 'string' || !/firebase\.messaging|cloud-platform/.test(claims.scope))
    return 'scope does not allow FCM';
  return { iss: claims.iss, scope: claims.scope, aud: claims.aud };
}
