import express, { Router, type Request } from 'express';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { z } from 'zod';
import type { Secrets } from '../../common/crypto/secrets';
import { constantTimeEqual, randomToken } from '../../common/crypto/keys';
import { AuthenticationError } from '../../common/errors';
import type { Logger } from '../../common/logger';
import { bearerToken } from '../http/bearer-token';
import { readCookie } from '../http/cookies';
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

export interface CodecRoutesDeps {
  codec: PayloadCodec;
  /** Without a token the endpoint stays off: decrypted history is for admins only. */
  adminToken?: string;
  /** The Temporal Web UI's origin, allowed by CORS to call /decode with the admin's cookie. */
  uiOrigin: string;
  secrets: Secrets;
  secureCookies: boolean;
  logger: Logger;
}

const COOKIE = 'lk_codec';

/**
 * A codec server for the Temporal Web UI and CLI: POST /codec/decode turns encrypted payloads back into
 * readable ones. Admins authenticate with the codec admin token, either as a Bearer header (CLI) or through
 * /codec/login, which sets a cookie that the Web UI sends when "include cross-origin credentials" is on.
 */
export function codecRoutes(deps: CodecRoutesDeps): Router {
  const router = Router();
  const sessionMarker = deps.secrets.hash('codec-admin-session', 'codec-admin');

  const authenticated = (request: Request): boolean => {
    if (!deps.adminToken) return false;
    const token = bearerToken(request);
    if (token && constantTimeEqual(token, deps.adminToken)) return true;
    const cookie = readCookie(request, COOKIE);
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
    response.cookie(COOKIE, `${id}.${deps.secrets.hash('codec-admin-session', `${id}:${sessionMarker}`)}`, {
      httpOnly: true,
      sameSite: 'lax',
      secure: deps.secureCookies,
      path: '/codec',
      maxAge: 8 * 3_600_000,
    });
    response.type('text').send('Signed in. The Temporal Web UI can now decode payloads through this codec endpoint.');
  });

  router.post('/:operation', express.json({ limit: '8mb' }), async (request, response) => {
    if (!deps.adminToken)
      throw new AuthenticationError('The codec endpoint is disabled: set LATCHKEY_CODEC_ADMIN_TOKEN to enable it');
    if (!authenticated(request))
      throw new AuthenticationError('Sign in at /codec/login or send "Authorization: Bearer <codec admin token>"');
    const operation = request.params.operation;
    if (operation !== 'decode' && operation !== 'encode')
      return void response
        .status(404)
        .json({ error: { code: 'not_found', message: 'Use /codec/decode or /codec/encode' } });
    const body = parseInput(payloadsBody, request.body);
    const payloads = body.payloads.map(toPayload);
    const result = operation === 'decode' ? await deps.codec.decode(payloads) : await deps.codec.encode(payloads);
    response.json({ payloads: result.map(toWire) });
  });

  router.use(jsonErrorHandler(deps.logger));
  return router;
}
