import express, { Router, type ErrorRequestHandler, type Request, type RequestHandler } from 'express';
import { ValueError, type Payload } from '@temporalio/common';
import { z } from 'zod';
import type { Secrets } from '../../common/crypto/secrets';
import { constantTimeEqual } from '../../common/crypto/keys';
import { HOUR_MS } from '../../common/duration';
import { AuthenticationError, InputError, RateLimitedError } from '../../common/errors';
import type { Logger } from '../../common/logger';
import { sealedForOf } from '../../common/temporal/encryption-codec';
import type { RateLimitStore } from '../db/rate-limit.store';
import { addressBucketOf } from '../http/address-bucket';
import { bearerToken } from '../http/bearer-token';
import { CodecAdminSessions } from '../http/codec-admin-session';
import { describeError, jsonErrorHandler } from '../http/error-response';
import { FailedLoginThrottle } from '../http/failed-login-throttle';
import type { RenderPage } from '../http/page-renderer';
import { parseInput } from '../http/validate';
import type { CodecAdmin, CodecAudit } from '../services/codec-audit';

const payloadsBody = z.object({
  payloads: z
    .array(z.object({ metadata: z.record(z.string()).optional(), data: z.string().optional() }).passthrough())
    .max(10_000),
});

const toPayload = (wire: { metadata?: Record<string, string>; data?: string }): Payload => ({
  metadata: Object.fromEntries(
    Object.entries(wire.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64')]),
  ),
  data: wire.data === undefined ? undefined : Buffer.from(wire.data, 'base64'),
});

const toWire = (payload: Payload) => ({
  metadata: Object.fromEntries(
    Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value).toString('base64')]),
  ),
  data: payload.data ? Buffer.from(payload.data).toString('base64') : undefined,
});

/** All the endpoint can do with payloads: open them for display. It holds no key and cannot seal anything. */
export interface DisplayDecoder {
  decodeForDisplay(payloads: Payload[], namespace: string): Promise<Payload[]>;
}

export interface CodecRoutesDeps {
  codec: DisplayDecoder;
  /** The one namespace whose payloads this endpoint opens. */
  namespace: string;
  /** Without a token the endpoint stays off: decrypted history is for admins only. */
  adminToken?: string;
  /** The Temporal Web UI's origin, allowed by CORS to call /decode with the admin's cookie. */
  uiOrigin: string;
  secrets: Secrets;
  secureCookies: boolean;
  /** How long a sign-in lasts, checked by the server (LATCHKEY_CODEC_SESSION_TTL). */
  sessionTtlMs: number;
  /** Wrong tokens allowed per address in an hour, at /codec/login and as a Bearer header alike. */
  loginFailuresPerHour: number;
  rateLimits: RateLimitStore;
  audit: CodecAudit;
  /** The login form and its answers are pages, like the enrollment pages. */
  render: RenderPage;
  logger: Logger;
}

/**
 * A codec server for the Temporal Web UI and CLI: POST /codec/decode turns encrypted payloads back into
 * readable ones. It is decode-only: an encode endpoint would let whoever holds an admin session seal forged
 * payloads that workers accept. Admins authenticate with the codec admin token, either as a Bearer header (CLI) or through
 * /codec/login, which sets a cookie that the Web UI sends when "include cross-origin credentials" is on.
 */
export function codecRoutes(deps: CodecRoutesDeps): Router {
  const router = Router();
  const adminToken = deps.adminToken;
  const sessions = adminToken
    ? new CodecAdminSessions(deps.secrets, adminToken, deps.sessionTtlMs, deps.secureCookies)
    : undefined;
  const throttle = new FailedLoginThrottle({
    store: deps.rateLimits,
    secrets: deps.secrets,
    bucket: 'codec-login',
    failuresAllowed: deps.loginFailuresPerHour,
    windowMs: HOUR_MS,
  });
  const addressOf = (request: Request) => addressBucketOf(request.ip);

  /** The admin behind a request, or undefined. A wrong Bearer token counts against its address. */
  async function adminOf(request: Request): Promise<CodecAdmin | undefined> {
    if (!adminToken || !sessions) return undefined;
    const token = bearerToken(request);
    if (token !== undefined) {
      await throttle.refuseIfSpent(request);
      if (constantTimeEqual(token, adminToken)) return { actor: 'codec-token', address: addressOf(request) };
      await throttle.recordFailure(request);
      return undefined;
    }
    const sessionId = sessions.read(request);
    return sessionId ? { actor: `codec-session:${sessionId}`, address: addressOf(request) } : undefined;
  }

  router.use((request, response, next) => {
    const origin = request.get('origin');
    if (origin && origin === deps.uiOrigin) {
      response.setHeader('Access-Control-Allow-Origin', origin);
      response.setHeader('Access-Control-Allow-Credentials', 'true');
      response.setHeader('Access-Control-Allow-Headers', 'Content-Type, X-Namespace, Authorization');
      response.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
      response.setHeader('Vary', 'Origin');
    }
    if (request.method === 'OPTIONS') return void response.status(204).end();
    next();
  });

  const loginPage = (error?: string) =>
    deps.render('codec-login', {
      title: 'Temporal codec sign-in',
      hours: Math.round((deps.sessionTtlMs / HOUR_MS) * 10) / 10,
      error,
    });

  router.get('/login', (_request, response) => {
    response.type('html').send(loginPage());
  });

  // The throttle runs before the (2 kB) form is read: a spent address gets nothing compared, or even parsed.
  const loginThrottle: RequestHandler = async (request, _response, next) => {
    if (!adminToken)
      throw new AuthenticationError('The codec endpoint is disabled: set LATCHKEY_CODEC_ADMIN_TOKEN to enable it');
    await throttle.refuseIfSpent(request);
    next();
  };

  // A wrong or throttled sign-in is shown on the form, with its reason (and Retry-After), rather than as JSON.
  const loginRefused: ErrorRequestHandler = (error, _request, response, next) => {
    const described = describeError(error);
    if (described.status >= 500 || response.headersSent) return next(error);
    if (error instanceof RateLimitedError) response.setHeader('Retry-After', String(error.retryAfterSeconds));
    response.status(described.status).type('html').send(loginPage(described.message));
  };

  router.post(
    '/login',
    loginThrottle,
    express.urlencoded({ extended: false, limit: '2kb' }),
    async (request, response) => {
      const token = typeof request.body?.token === 'string' ? (request.body.token as string) : '';
      if (!adminToken || !sessions || !constantTimeEqual(token, adminToken)) {
        await throttle.recordFailure(request);
        deps.logger.warn('Codec login refused: wrong admin token', { address: addressOf(request) });
        throw new AuthenticationError('That codec admin token is not right');
      }
      const { sessionId, expiresAt } = sessions.start(response);
      await deps.audit.signedIn({ actor: `codec-session:${sessionId}`, address: addressOf(request) }, expiresAt);
      response.type('html').send(
        deps.render('message', {
          title: 'Signed in',
          heading: 'Signed in',
          message: `Until ${expiresAt.toUTCString()}. The Temporal Web UI can now decode payloads through this codec endpoint.`,
          hint: 'Turn on "Include cross-origin credentials" in the Web UI\'s Data Encoder settings so that it sends this sign-in.',
        }),
      );
    },
  );
  router.use('/login', loginRefused);

  // Authenticated before the body is parsed, so that anonymous callers cannot make it read 8 MB of JSON (F20).
  const admin: RequestHandler = async (request, response, next) => {
    if (!adminToken)
      throw new AuthenticationError('The codec endpoint is disabled: set LATCHKEY_CODEC_ADMIN_TOKEN to enable it');
    const who = await adminOf(request);
    if (!who)
      throw new AuthenticationError(
        'Sign in at /codec/login (a sign-in ends after its lifetime, or when the admin token changes) or send ' +
          '"Authorization: Bearer <codec admin token>"',
      );
    response.locals.codecAdmin = who;
    next();
  };

  router.post('/decode', admin, express.json({ limit: '8mb' }), async (request, response) => {
    const namespace = request.get('x-namespace');
    if (namespace !== undefined && namespace !== deps.namespace)
      throw new InputError(`This codec endpoint serves namespace ${deps.namespace} only`);
    const body = parseInput(payloadsBody, request.body);
    const payloads = body.payloads.map(toPayload);
    let decoded: Payload[];
    try {
      decoded = await deps.codec.decodeForDisplay(payloads, deps.namespace);
    } catch (error) {
      // A payload it will not open is the caller's input, not a server fault; the reason names no key material.
      if (error instanceof ValueError) throw new InputError(`Cannot decode: ${error.message}`);
      throw error;
    }
    // Every payload opened, so the binding each one names is the one its AAD proved. Audited before answering.
    await deps.audit.decoded(response.locals.codecAdmin as CodecAdmin, payloads.map(sealedForOf));
    response.json({ payloads: decoded.map(toWire) });
  });

  router.post('/:operation', admin, (_request, response) => {
    response
      .status(404)
      .json({ error: { code: 'not_found', message: 'This codec endpoint only decodes: /codec/decode' } });
  });

  router.use(jsonErrorHandler(deps.logger));
  return router;
}
