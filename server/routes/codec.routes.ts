import express, { Router, type Request, type RequestHandler } from 'express';
import { ValueError, type Payload } from '@temporalio/common';
import { z } from 'zod';
import type { Secrets } from '../../common/crypto/secrets';
import { constantTimeEqual } from '../../common/crypto/keys';
import { HOUR_MS } from '../../common/duration';
import { AuthenticationError, InputError } from '../../common/errors';
import type { Logger } from '../../common/logger';
import { sealedForOf } from '../../common/temporal/encryption-codec';
import type { RateLimitStore } from '../db/rate-limit.store';
import { addressBucketOf } from '../http/address-bucket';
import { bearerToken } from '../http/bearer-token';
import { assertPermitted } from '../http/api-permissions';
import { technicianPrincipalOf, type ConsoleSessions } from '../http/console-session';
import { jsonErrorHandler } from '../http/error-response';
import { FailedLoginThrottle } from '../http/failed-login-throttle';
import { parseInput } from '../http/validate';
import type { CodecAdmin, CodecAudit } from '../services/codec-audit';
import type { CodecMspScope } from '../services/codec-msp-scope';

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
  /** The CLI's way in, for the instance's operator: any payload of the namespace. Unset: no token is accepted. */
  adminToken?: string;
  /** The Temporal Web UI's origin, allowed by CORS to call /decode with the technician's console cookie. */
  uiOrigin: string;
  /** Technicians read the Web UI through their console sign-in, which the UI sends along (includeCredentials). */
  consoleSessions: ConsoleSessions;
  /** Which payloads a technician's MSP may open. */
  scope: CodecMspScope;
  secrets: Secrets;
  /** Wrong admin tokens allowed per address in an hour. */
  loginFailuresPerHour: number;
  rateLimits: RateLimitStore;
  audit: CodecAudit;
  logger: Logger;
}

/** Who is reading: the operator with the admin token (every payload), or a technician (their MSP's only). */
type CodecReader = CodecAdmin & { mspId?: string };

/**
 * A codec server for the Temporal Web UI and CLI: POST /codec/decode turns encrypted payloads back into
 * readable ones. It is decode-only: an encode endpoint would let whoever reads it seal forged payloads that
 * workers accept. The Web UI's browser sends the technician's console cookie (admin and helpdesk roles), which
 * opens that MSP's workflows; the CLI sends the codec admin token as a Bearer header, which opens any.
 */
export function codecRoutes(deps: CodecRoutesDeps): Router {
  const router = Router();
  const adminToken = deps.adminToken;
  const throttle = new FailedLoginThrottle({
    store: deps.rateLimits,
    secrets: deps.secrets,
    bucket: 'codec-login',
    failuresAllowed: deps.loginFailuresPerHour,
    windowMs: HOUR_MS,
  });
  const addressOf = (request: Request) => addressBucketOf(request.ip);

  /** The reader behind a request, or undefined. A wrong Bearer token counts against its address. */
  async function readerOf(request: Request): Promise<CodecReader | undefined> {
    const token = bearerToken(request);
    if (token !== undefined) {
      await throttle.refuseIfSpent(request);
      if (adminToken && constantTimeEqual(token, adminToken))
        return { actor: 'codec-token', address: addressOf(request) };
      await throttle.recordFailure(request);
      return undefined;
    }
    const session = await deps.consoleSessions.read(request);
    if (!session || session.stage !== 'active') return undefined;
    // A read-only technician is told which role it takes (403), not asked to sign in again.
    assertPermitted(technicianPrincipalOf(session), 'workflows.decode');
    return { actor: `technician:${session.technicianId}`, address: addressOf(request), mspId: session.mspId };
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

  // Authenticated before the body is parsed, so that anonymous callers cannot make it read 8 MB of JSON (F20).
  const reader: RequestHandler = async (request, response, next) => {
    const who = await readerOf(request);
    if (!who)
      throw new AuthenticationError(
        'Sign in to the Latchkey console (as an admin or helpdesk technician) in this browser, or send ' +
          '"Authorization: Bearer <codec admin token>"',
      );
    response.locals.codecReader = who;
    next();
  };

  router.post('/decode', reader, express.json({ limit: '8mb' }), async (request, response) => {
    const who = response.locals.codecReader as CodecReader;
    const namespace = request.get('x-namespace');
    if (namespace !== undefined && namespace !== deps.namespace)
      throw new InputError(`This codec endpoint serves namespace ${deps.namespace} only`);
    const body = parseInput(payloadsBody, request.body);
    const payloads = body.payloads.map(toPayload);
    const sealings = payloads.map(sealedForOf);
    // A technician's request opens only what their MSP's workflows sealed; the rest goes back as it came, still
    // sealed, so the Web UI shows it as encrypted rather than failing the whole event.
    const mayOpen = who.mspId ? await deps.scope.mayOpen(who.mspId, sealings) : payloads.map(() => true);
    const opening = payloads.filter((_payload, index) => mayOpen[index]);
    let opened: Payload[];
    try {
      opened = opening.length > 0 ? await deps.codec.decodeForDisplay(opening, deps.namespace) : [];
    } catch (error) {
      // A payload it will not open is the caller's input, not a server fault; the reason names no key material.
      if (error instanceof ValueError) throw new InputError(`Cannot decode: ${error.message}`);
      throw error;
    }
    // Every payload opened, so the binding each one names is the one its AAD proved. Audited before answering.
    await deps.audit.decoded(
      who,
      sealings.filter((_sealing, index) => mayOpen[index]),
    );
    let next = 0;
    response.json({ payloads: payloads.map((payload, index) => toWire(mayOpen[index] ? opened[next++]! : payload)) });
  });

  router.post('/:operation', reader, (_request, response) => {
    response
      .status(404)
      .json({ error: { code: 'not_found', message: 'This codec endpoint only decodes: /codec/decode' } });
  });

  router.use(jsonErrorHandler(deps.logger));
  return router;
}
