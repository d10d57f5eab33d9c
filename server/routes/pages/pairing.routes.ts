import express, { Router, type Request } from 'express';
import type { Secrets } from '../../../common/crypto/secrets';
import { AuthenticationError, NotFoundError } from '../../../common/errors';
import type { Logger } from '../../../common/logger';
import type { EnrollmentsStore } from '../../db/enrollments.store';
import type { RateLimitStore } from '../../db/rate-limit.store';
import type { Csrf } from '../../http/csrf';
import type { EnrollmentSessions } from '../../http/enrollment-session';
import { jsonErrorHandler } from '../../http/error-response';
import { limitPerSessionAndIp } from '../../http/ip-rate-limit';
import type { DeviceRegistrationService } from '../../services/devices/device-registration.service';

export interface PairingPageRoutesDeps {
  registration: DeviceRegistrationService;
  enrollments: Pick<EnrollmentsStore, 'find'>;
  sessions: EnrollmentSessions;
  csrf: Csrf;
  rateLimits: RateLimitStore;
  secrets: Secrets;
  requestsPerIpPerMinute: number;
  logger: Logger;
}

/**
 * The done page's pairing step, as JSON for its script: the state it polls, and the number the user picks. Bound
 * to the enrollment session like every enrollment page, and the pick to its CSRF token, so only the browser that
 * holds the enrollment can confirm a phone for it.
 */
export function pairingPageRoutes(deps: PairingPageRoutesDeps): Router {
  const router = Router();
  const perSessionAndIp = limitPerSessionAndIp({
    store: deps.rateLimits,
    secrets: deps.secrets,
    perMinute: deps.requestsPerIpPerMinute,
    bucket: 'enroll-pairing',
    sessionOf: (request) => deps.sessions.read(request)?.enrollmentId,
  });
  const bodies = [
    express.json({ limit: '4kb', strict: true }),
    express.urlencoded({ extended: false, limit: '4kb', parameterLimit: 5 }),
  ];

  async function enrollmentOf(request: Request) {
    const session = deps.sessions.read(request);
    if (!session) throw new AuthenticationError('Your session has ended: open the link in your activation email again');
    const record = await deps.enrollments.find(session.enrollmentId);
    if (!record || record.userId !== session.userId) throw new NotFoundError('This enrollment');
    return { session, workflowId: record.workflowId };
  }

  router.get('/enroll/pairing', perSessionAndIp, async (request, response) => {
    const { session, workflowId } = await enrollmentOf(request);
    response.json(await deps.registration.pairingState(session.userId, workflowId));
  });

  router.post('/enroll/pairing/match', perSessionAndIp, ...bodies, async (request, response) => {
    const { session, workflowId } = await enrollmentOf(request);
    deps.csrf.verify(request, session);
    const choice = (request.body as Record<string, unknown> | undefined)?.choice;
    response.json(
      await deps.registration.pickMatch(session.userId, workflowId, typeof choice === 'string' ? choice : ''),
    );
  });

  router.use('/enroll/pairing', jsonErrorHandler(deps.logger));
  return router;
}
