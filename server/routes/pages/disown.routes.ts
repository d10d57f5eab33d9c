import express, { Router, type NextFunction, type Request, type Response } from 'express';
import type { Secrets } from '../../../common/crypto/secrets';
import type { Logger } from '../../../common/logger';
import { describeError, logServerFailure } from '../../http/error-response';
import type { RateLimitStore } from '../../db/rate-limit.store';
import type { Csrf } from '../../http/csrf';
import { limitPerIp } from '../../http/ip-rate-limit';
import type { RenderPage } from '../../http/page-renderer';
import type { DisownProblem, DisownService } from '../../services/disown.service';

export interface DisownPageRoutesDeps {
  disown: DisownService;
  secrets: Secrets;
  rateLimits: RateLimitStore;
  csrf: Csrf;
  render: RenderPage;
  logger: Logger;
  requestsPerIpPerMinute: number;
}

const PROBLEMS: Record<DisownProblem, { status: number; heading: string; message: string }> = {
  unknown: {
    status: 404,
    heading: 'This link is not valid',
    message:
      'Check that you opened the whole link from the email. If you are worried about your account, contact your IT provider.',
  },
  used: {
    status: 410,
    heading: 'This link has already been used',
    message: 'Password reset by phone was already turned off with it, and your IT provider was told.',
  },
  expired: {
    status: 410,
    heading: 'This link has expired',
    message: 'If a phone you do not know can reset your password, contact your IT provider straight away.',
  },
  superseded: {
    status: 410,
    heading: 'This set-up has changed since that email',
    message:
      'Password reset by phone on your account was set up again or turned off after this email was sent, so this link no longer applies. If you are worried, contact your IT provider.',
  },
};

/**
 * The "This wasn't me" link of the owner's enrollment notice. GET only shows what was set up and asks; POST
 * turns it off. Mail scanners follow links in emails, so a GET that acted would disown enrollments by itself.
 */
export function disownPageRoutes(deps: DisownPageRoutesDeps): Router {
  const router = Router();
  const forms = express.urlencoded({ extended: false, limit: '4kb', parameterLimit: 10 });
  const perIp = limitPerIp({
    store: deps.rateLimits,
    secrets: deps.secrets,
    perMinute: deps.requestsPerIpPerMinute,
    bucket: 'disown',
  });

  const page = (
    response: Response,
    status: number,
    view: string,
    context: Record<string, unknown> & { title: string },
  ) => void response.status(status).type('html').send(deps.render(view, context));
  const problem = (response: Response, outcome: DisownProblem) => {
    const { status, heading, message } = PROBLEMS[outcome];
    page(response, status, 'message', { title: heading, heading, message, isError: true });
  };

  router.get('/disown/:token', async (request, response) => {
    const token = String(request.params.token ?? '');
    const found = await deps.disown.inspect(token);
    if (found.outcome !== 'valid') return problem(response, found.outcome);
    page(response, 200, 'disown-confirm', {
      title: 'Was this you?',
      token,
      csrf: deps.csrf.issue(request, response, null),
      phoneEnding: found.phoneEnding,
      app: found.method === 'app',
      mspName: found.mspName,
    });
  });

  router.post('/disown/:token', perIp, forms, async (request, response) => {
    deps.csrf.verify(request, null);
    const done = await deps.disown.disown(String(request.params.token ?? ''));
    if (done.outcome !== 'disowned') return problem(response, done.outcome);
    page(response, 200, 'disowned', { title: 'Password reset by phone is off', mspName: done.mspName });
  });

  // A stale form or too many posts is a page that says so; anything unexpected a bare page, detail in the log.
  router.use((error: unknown, request: Request, response: Response, _next: NextFunction) => {
    const described = describeError(error);
    logServerFailure(deps.logger, 'Disown request failed', error, described.status, { method: request.method });
    if (response.headersSent) return;
    const heading = described.status < 500 ? 'We could not do that' : 'Something went wrong';
    page(response, described.status, 'message', { title: heading, heading, message: described.message, isError: true });
  });

  return router;
}
