import express, { Router, type Request, type RequestHandler } from 'express';
import { ValueError, type Payload } from '@temporalio/common';
import { z } from 'zod';
import type { Secrets } from '../../common/crypto/secrets';
import { constantTimeEqual, randomToken } from '../../common/crypto/keys';
import { AuthenticationError, InputError } from '../../common/errors';
import type { Logger } from '../../common/logger';
import { bearerToken } from '../http/bearer-token';
import { cookieName, readCookie } from '../http/cookies';
import { jsonErrorHandler } from '../http/error-response';
import { parseInput } from '../http/validate';

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
  const sessionCookie = cookieName('lk_codec', deps.secureCookies);
  const sessionMarker = deps.secrets.hash('codec-admin-session', 'codec-admin');

  const authenticated = (request: Request): boolean => {
    if (!deps.adminToken) return false;
    const token = bearerToken(request);
    if (token && constantTimeEqual(token, deps.adminToken)) return true;
    const cookie = readCookie(request, sessionCookie);
    return (
      !!cookie &&
      constantTimeEqual(
        cookie.split('.')[1] ?? '',
        deps.secrets.hash('codec-admin-session', `${cookie.split('.')[0]}:${sessionMarker}`),
      )
    );
  };

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

  router.get('/login', (_request, response) => {
    response.type('html').send(
      `<!doctype html><meta name="viewport" content="width=device-width"><title>Codec login</title>
       <form method="post" style="font:16px system-ui;max-width:24rem;margin:3rem auto">
       <h1>Temporal codec login</h1><label for="t">Codec admin token</label><br>
       <input id="t" name="token" type="password" autocomplete="off" style="width:100%"><br><br>
       <button type="submit">Sign in</button></form>`,
    );
  });

  router.post('/login', express.urlencoded({ extended: false, limit: '2kb' }), (request, response) => {
    const token = typeof request.body?.token === 'string' ? (request.body.token as string) : '';
    if (!deps.adminToken || !constantTimeEqual(token, deps.adminToken))
      throw new AuthenticationError('That codec admin token is not right');
    const id = randomToken(16);
    response.cookie(sessionCookie, `${id}.${deps.secrets.hash('codec-admin-session', `${id}:${sessionMarker}`)}`, {
      httpOnly: true,
      sameSite: 'lax',
      secure: deps.secureCookies,
      // Path / because a __Host- cookie must have it; the cookie is HttpOnly and only /codec reads it.
      path: '/',
      maxAge: 8 * 3_600_000,
    });
    response.type('text').send('Signed in. The Temporal Web UI can now decode payloads through this codec endpoint.');
  });

  // Authenticated before the body is parsed, so that anonymous callers cannot make it read 8 MB of JSON.
  const admin: RequestHandler = (request, _response, next) => {
    if (!deps.adminToken)
      throw new AuthenticationError('The codec endpoint is disabled: set LATCHKEY_CODEC_ADMIN_TOKEN to enable it');
    if (!authenticated(request))
      throw new AuthenticationError('Sign in at /codec/login or send "Authorization: Bearer <codec admin token>"');
    next();
  };

  router.post('/decode', admin, express.json({ limit: '8mb' }), async (request, response) => {
    const namespace = request.get('x-namespace');
    if (namespace !== undefined && namespace !== deps.namespace)
      throw new InputError(`This codec endpoint serves namespace ${deps.namespace} only`);
    const body = parseInput(payloadsBody, request.body);
    let decoded: Payload[];
    try {
      decoded = await deps.codec.decodeForDisplay(body.payloads.map(toPayload), deps.namespace);
    } catch (error) {
      // A payload it will not open is the caller's input, not a server fault; the reason names no key material.
      if (error instanceof ValueError) throw new InputError(`Cannot decode: ${error.message}`);
      throw error;
    }
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
