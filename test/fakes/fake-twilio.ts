import { createHmac, randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

/**
 * A loopback stand-in for Twilio's Messages REST API and for Twilio's inbound-SMS webhook, so tests exercise the
 * real SDK over real HTTP without an account. Only the behaviour Latchkey relies on is modelled.
 */

export interface FakeTwilioOptions {
  accountSid: string;
  authToken: string;
}

export interface FakeTwilioMessage {
  sid: string;
  /** The user name of the request's basic-auth header, which the SDK fills with the account SID. */
  authenticatedAs: string;
  to: string;
  /** null when the message was addressed through a Messaging Service instead of a number. */
  from: string | null;
  messagingServiceSid: string | null;
  body: string;
  createdAt: Date;
}

export interface InjectedTwilioFailure {
  status: number;
  code: number;
  message: string;
  retryAfterSeconds?: number;
}

export interface InboundSms {
  /** The webhook URL as configured in Twilio: what the signature is computed over. */
  url: string;
  from: string;
  to: string;
  body: string;
  /** Extra or overriding webhook parameters (they are signed too). */
  params?: Record<string, string>;
  /**
   * Where the request is actually sent, when that differs from `url`: an app whose public URL (behind a proxy,
   * say) is not reachable from the test. Defaults to `url`.
   */
  postTo?: string;
  /** Parameters changed after signing, as a man in the middle would: the signature no longer covers them. */
  alterAfterSigning?: Record<string, string>;
  /** Sent instead of the real signature, to forge a request. */
  signature?: string;
}

export interface WebhookReply {
  status: number;
  body: string;
  contentType?: string;
}

export interface FakeTwilio {
  readonly baseUrl: string;
  readonly accountSid: string;
  readonly messages: FakeTwilioMessage[];
  waitForMessage(predicate?: (message: FakeTwilioMessage) => boolean, timeoutMs?: number): Promise<FakeTwilioMessage>;
  /** Calls `listener` with every message received from now on, until the returned function is called. */
  onMessage(listener: (message: FakeTwilioMessage) => void): () => void;
  /** Queue an error for the next Messages request (after authentication); several calls queue in order. */
  failNext(failure: InjectedTwilioFailure): void;
  sendInboundSms(sms: InboundSms): Promise<WebhookReply>;
  clear(): void;
  close(): Promise<void>;
}

const API_VERSION = '2010-04-01';
const MESSAGES_PATH = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/;
const E164 = /^\+[1-9]\d{1,14}$/;
const MAX_REQUEST_BYTES = 64 * 1024;

/** Twilio's documented webhook signature: HMAC-SHA1 keyed by the auth token over URL + sorted name/value pairs. */
export function computeTwilioSignature(authToken: string, url: string, params: Record<string, string>): string {
  const signed = Object.keys(params)
    .sort()
    .reduce((text, name) => text + name + params[name], url);
  return createHmac('sha1', authToken).update(signed, 'utf8').digest('base64');
}

export async function startFakeTwilio(options: FakeTwilioOptions): Promise<FakeTwilio> {
  const messages: FakeTwilioMessage[] = [];
  const failures: InjectedTwilioFailure[] = [];
  const waiters = new Set<Waiter>();

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendError(res, 500, 20500, `Fake Twilio failed: ${String(error)}`);
      else res.destroy();
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const authenticatedAs = authenticate(req, options);
    if (!authenticatedAs) {
      res.setHeader('WWW-Authenticate', 'Basic realm="Twilio API"');
      return sendError(res, 401, 20003, 'Authenticate');
    }
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    const match = MESSAGES_PATH.exec(path);
    if (!match || match[1] !== options.accountSid) {
      return sendError(res, 404, 20404, `The requested resource ${path} was not found`);
    }
    if (req.method !== 'POST') return sendError(res, 405, 20004, 'Method not allowed');

    const form = new URLSearchParams(await readBody(req));
    const failure = failures.shift();
    if (failure) {
      if (failure.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(failure.retryAfterSeconds));
      return sendError(res, failure.status, failure.code, failure.message);
    }

    const to = form.get('To') ?? '';
    const from = form.get('From') || null;
    const messagingServiceSid = form.get('MessagingServiceSid') || null;
    const body = form.get('Body');
    if (!E164.test(to)) return sendError(res, 400, 21211, `The 'To' number ${to} is not a valid phone number.`);
    if (!from && !messagingServiceSid) return sendError(res, 400, 21603, "A 'From' phone number is required.");
    if (!body) return sendError(res, 400, 21602, 'Message body is required.');

    const message: FakeTwilioMessage = {
      sid: sid('SM'),
      authenticatedAs,
      to,
      from,
      messagingServiceSid,
      body,
      createdAt: new Date(),
    };
    messages.push(message);
    for (const waiter of waiters) waiter.offer(message);
    sendJson(res, 201, messageResource(options.accountSid, message));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}`,
    accountSid: options.accountSid,
    messages,
    waitForMessage: (predicate = () => true, timeoutMs = 5_000) => waitFor(messages, waiters, predicate, timeoutMs),
    onMessage(listener) {
      // A waiter that never settles: it sees every message and is only removed by the caller.
      const waiter: Waiter = { offer: listener, abort: () => undefined };
      waiters.add(waiter);
      return () => void waiters.delete(waiter);
    },
    failNext: (failure) => void failures.push(failure),
    sendInboundSms: (sms) => postWebhook(options, sms),
    clear() {
      messages.length = 0;
      failures.length = 0;
    },
    async close() {
      for (const waiter of waiters) waiter.abort(new Error('fake Twilio closed'));
      // Keep-alive sockets from the SDK would otherwise hold close() open until they idle out.
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

interface Waiter {
  offer(message: FakeTwilioMessage): void;
  abort(error: Error): void;
}

function waitFor(
  messages: FakeTwilioMessage[],
  waiters: Set<Waiter>,
  predicate: (message: FakeTwilioMessage) => boolean,
  timeoutMs: number,
): Promise<FakeTwilioMessage> {
  const existing = messages.find(predicate);
  if (existing) return Promise.resolve(existing);
  return new Promise((resolve, reject) => {
    const finish = (settle: () => void) => {
      clearTimeout(timer);
      waiters.delete(waiter);
      settle();
    };
    const waiter: Waiter = {
      offer: (message) => predicate(message) && finish(() => resolve(message)),
      abort: (error) => finish(() => reject(error)),
    };
    const timer = setTimeout(
      () => waiter.abort(new Error(`no matching SMS within ${timeoutMs}ms (${messages.length} received)`)),
      timeoutMs,
    );
    waiters.add(waiter);
  });
}

/** Returns the basic-auth user when the credentials match, otherwise undefined. */
function authenticate(req: http.IncomingMessage, expected: FakeTwilioOptions): string | undefined {
  const [scheme, encoded] = (req.headers.authorization ?? '').split(' ');
  if (scheme?.toLowerCase() !== 'basic' || !encoded) return undefined;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const user = decoded.slice(0, colon);
  return colon > 0 && user === expected.accountSid && decoded.slice(colon + 1) === expected.authToken
    ? user
    : undefined;
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_REQUEST_BYTES) throw new Error('request body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function sendJson(res: http.ServerResponse, status: number, payload: unknown): void {
  const text = JSON.stringify(payload);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Twilio-Request-Id': sid('RQ'),
  });
  res.end(text);
}

function sendError(res: http.ServerResponse, status: number, code: number, message: string): void {
  sendJson(res, status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status });
}

function sid(prefix: string): string {
  return prefix + randomBytes(16).toString('hex');
}

/** Twilio formats resource dates as RFC 2822 with a numeric zone. */
function twilioDate(date: Date): string {
  return date.toUTCString().replace('GMT', '+0000');
}

function messageResource(accountSid: string, message: FakeTwilioMessage): Record<string, unknown> {
  const uri = `/${API_VERSION}/Accounts/${accountSid}/Messages/${message.sid}`;
  const created = twilioDate(message.createdAt);
  return {
    account_sid: accountSid,
    api_version: API_VERSION,
    body: message.body,
    date_created: created,
    date_sent: null,
    date_updated: created,
    direction: 'outbound-api',
    error_code: null,
    error_message: null,
    from: message.from,
    messaging_service_sid: message.messagingServiceSid,
    num_media: '0',
    num_segments: String(Math.max(1, Math.ceil(message.body.length / 160))),
    price: null,
    price_unit: 'USD',
    sid: message.sid,
    status: message.from ? 'queued' : 'accepted',
    subresource_uris: { media: `${uri}/Media.json`, feedback: `${uri}/Feedback.json` },
    to: message.to,
    uri: `${uri}.json`,
  };
}

async function postWebhook(account: FakeTwilioOptions, sms: InboundSms): Promise<WebhookReply> {
  const messageSid = sid('SM');
  const params: Record<string, string> = {
    ToCountry: 'US',
    SmsMessageSid: messageSid,
    NumMedia: '0',
    SmsSid: messageSid,
    SmsStatus: 'received',
    Body: sms.body,
    To: sms.to,
    NumSegments: '1',
    MessageSid: messageSid,
    AccountSid: account.accountSid,
    From: sms.from,
    ApiVersion: API_VERSION,
    ...sms.params,
  };
  const signature = sms.signature ?? computeTwilioSignature(account.authToken, sms.url, params);
  const payload = new URLSearchParams({ ...params, ...sms.alterAfterSigning }).toString();
  const target = new URL(sms.postTo ?? sms.url);
  const transport = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = transport.request(
      target,
      {
        method: 'POST',
        agent: false,
        headers: {
          'Content-Type': 'application/x-www-form-urlencoded',
          'Content-Length': Buffer.byteLength(payload),
          'User-Agent': 'TwilioProxy/1.1',
          'X-Twilio-Signature': signature,
          Connection: 'close',
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            contentType: res.headers['content-type'],
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}
