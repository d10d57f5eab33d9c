import express, { Router, type Request, type Response } from 'express';
import type { Client } from '@temporalio/client';
import type { Secrets } from '../../../common/crypto/secrets';
import { InputError, LatchkeyError } from '../../../common/errors';
import type { Logger } from '../../../common/logger';
import { errorFields } from '../../../common/logger';
import { hashVerificationCode } from '../../../common/secrets/verification-code';
import { EnrollmentStep, type EnrollmentView } from '../../../common/domain/enrollment';
import {
  chooseMethodUpdate,
  getEnrollmentQuery,
  openLinkUpdate,
  requestCodeUpdate,
  verifyCodeUpdate,
} from '../../../workflows/enrollment.workflow';
import { makeEnrollmentWorkflowId } from '../../../common/domain/workflow-ids';
import type { EnrollmentsStore } from '../../db/enrollments.store';
import type { RateLimitStore } from '../../db/rate-limit.store';
import type { TenantsStore } from '../../db/tenants.store';
import type { UsersStore } from '../../db/users.store';
import type { Csrf } from '../../http/csrf';
import type { EnrollmentSession, EnrollmentSessions } from '../../http/enrollment-session';
import { describeError } from '../../http/error-response';
import { limitPerIp } from '../../http/ip-rate-limit';
import type { RenderPage } from '../../http/page-renderer';
import { callTemporal } from '../../http/temporal-errors';
import { normalisePhoneNumber } from '../../services/phone-number';
import { checkNewPin, hashSmsPin } from '../../../common/secrets/sms-pin';
import { resolveClientPolicy } from '../../../common/domain/client-policy';

export interface EnrollmentPagesDeps {
  temporal: Client;
  secrets: Secrets;
  enrollments: EnrollmentsStore;
  users: UsersStore;
  tenants: TenantsStore;
  rateLimits: RateLimitStore;
  csrf: Csrf;
  sessions: EnrollmentSessions;
  render: RenderPage;
  logger: Logger;
  defaultPhoneRegion: string;
  serviceNumber: string;
  codeTtlMs: number;
  requestsPerIpPerMinute: number;
}

const REQUEST_CODE_STATUS = { limit_reached: 429, undeliverable: 422, delivery_failed: 503 } as const;

const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

const LINK_PROBLEMS = {
  unknown: {
    status: 404,
    heading: 'This link is not valid',
    message: 'Check that you opened the whole link from your activation email.',
  },
  used: {
    status: 410,
    heading: 'This link has already been used',
    message:
      'Each activation link works once. If you did not finish, ask your IT provider to send a new activation email.',
  },
  revoked: {
    status: 410,
    heading: 'This link has been replaced',
    message: 'A newer activation email was sent to you. Use the link in the most recent email.',
  },
  expired: {
    status: 410,
    heading: 'This link has expired',
    message: 'Ask your IT provider to send a new activation email.',
  },
} as const;

/**
 * The end user's pages. Each page asks the enrollment workflow where the user is and renders that step; each
 * form post is a Workflow Update whose answer decides the next page. Nothing here trusts the browser for
 * state: the only thing it holds is a signed cookie naming its enrollment.
 */
export function enrollmentPages(deps: EnrollmentPagesDeps): Router {
  const router = Router();
  const forms = express.urlencoded({ extended: false, limit: '4kb', parameterLimit: 10 });
  const perIp = limitPerIp({
    store: deps.rateLimits,
    secrets: deps.secrets,
    perMinute: deps.requestsPerIpPerMinute,
    bucket: 'enroll',
  });

  const page = (
    response: Response,
    status: number,
    view: string,
    context: Record<string, unknown> & { title: string },
  ) => void response.status(status).type('html').send(deps.render(view, context));

  const message = (response: Response, status: number, heading: string, text: string, isError = true) =>
    page(response, status, 'message', { title: heading, heading, message: text, isError });

  const handle = (session: EnrollmentSession) =>
    deps.temporal.workflow.getHandle(makeEnrollmentWorkflowId(session.userId));

  function requireSession(request: Request, response: Response): EnrollmentSession | undefined {
    const session = deps.sessions.read(request);
    if (!session) {
      message(
        response,
        401,
        'Your session has ended',
        'Open the link in your activation email again. If it says the link was used, ask your IT provider for a new one.',
      );
    }
    return session;
  }

  const mspName = async (userId: string) => (await deps.tenants.userWithOrg(userId))?.mspName ?? 'Your IT provider';

  /** Read on every render and post, so a client that turns the PIN on mid-enrollment gets it from the next page. */
  const smsPinRequired = async (userId: string) =>
    resolveClientPolicy((await deps.tenants.userWithOrg(userId))?.clientSettings).requireSmsPin;

  async function renderStep(
    request: Request,
    response: Response,
    view: EnrollmentView,
    extra: { status?: number; error?: string; notice?: string; phone?: string; forcePhone?: boolean } = {},
  ): Promise<void> {
    const csrf = deps.csrf.issue(request, response);
    const status = extra.status ?? 200;
    const common = { csrf, error: extra.error, notice: extra.notice };
    if (extra.forcePhone || view.step === EnrollmentStep.AwaitingPhone || view.step === EnrollmentStep.Invited) {
      return page(response, status, 'phone', {
        title: 'Your cell number',
        ...common,
        phone: extra.phone,
        region: deps.defaultPhoneRegion,
      });
    }
    switch (view.step) {
      case EnrollmentStep.AwaitingCode:
        return page(response, status, 'code', {
          title: 'Enter the code',
          ...common,
          phoneHint: view.phoneHint,
          minutes: Math.round(deps.codeTtlMs / 60_000),
        });
      case EnrollmentStep.AwaitingMethod: {
        const session = deps.sessions.read(request);
        const requirePin = session ? await smsPinRequired(session.userId) : false;
        return page(response, status, 'method', {
          title: 'Choose how to reset',
          ...common,
          serviceNumber: deps.serviceNumber,
          requirePin,
        });
      }
      case EnrollmentStep.Blocked:
        return page(response, extra.status ?? 423, 'blocked', {
          title: 'Too many wrong codes',
          until: new Date(view.blockedUntil ?? 0).toUTCString(),
        });
      case EnrollmentStep.EnrolledApp:
      case EnrollmentStep.EnrolledSms:
        return page(response, status, 'done', {
          title: 'You are all set',
          app: view.step === EnrollmentStep.EnrolledApp,
          serviceNumber: deps.serviceNumber,
        });
      default:
        return message(
          response,
          410,
          'This enrollment has ended',
          'Ask your IT provider to send a new activation email.',
        );
    }
  }

  /** Shows the user's current step again, with a reason, after a form the page itself refused. */
  async function rerender(
    request: Request,
    response: Response,
    session: EnrollmentSession,
    extra: Parameters<typeof renderStep>[3],
  ) {
    const view = await callTemporal(() => handle(session).query(getEnrollmentQuery));
    await renderStep(request, response, view, extra);
  }

  /** Workflow rejections (wrong step, too soon, blocked) re-render the current step with the reason. */
  async function withCurrentStep(
    request: Request,
    response: Response,
    session: EnrollmentSession,
    action: () => Promise<void>,
  ) {
    try {
      await action();
    } catch (error) {
      const described = describeError(error);
      if (described.status >= 500) throw error;
      await rerender(request, response, session, { status: described.status, error: described.message }).catch(() =>
        message(response, described.status, 'Something is not right', described.message),
      );
    }
  }

  /** Every step form: rate-limited per IP, parsed, tied to a session and checked for CSRF before `handler` runs. */
  const stepForm = (
    path: string,
    handler: (request: Request, response: Response, session: EnrollmentSession) => Promise<void>,
  ) =>
    router.post(path, perIp, forms, async (request, response) => {
      const session = requireSession(request, response);
      if (!session) return;
      deps.csrf.verify(request);
      await handler(request, response, session);
    });

  router.get('/activate/:token', async (request, response) => {
    const token = String(request.params.token ?? '');
    const lookup = TOKEN_PATTERN.test(token)
      ? await deps.enrollments.lookupLink(deps.secrets.hash('link-token-hash', token))
      : { outcome: 'unknown' as const };
    if (lookup.outcome !== 'valid') {
      const problem = LINK_PROBLEMS[lookup.outcome];
      return message(response, problem.status, problem.heading, problem.message);
    }
    page(response, 200, 'landing', {
      title: 'Set up password reset',
      token,
      csrf: deps.csrf.issue(request, response),
      mspName: await mspName(lookup.userId),
    });
  });

  router.post('/activate/:token', perIp, forms, async (request, response) => {
    deps.csrf.verify(request);
    const token = String(request.params.token ?? '');
    const consumed = TOKEN_PATTERN.test(token)
      ? await deps.enrollments.consumeLink(deps.secrets.hash('link-token-hash', token))
      : { outcome: 'unknown' as const };
    if (consumed.outcome !== 'valid') {
      const problem = LINK_PROBLEMS[consumed.outcome];
      return message(response, problem.status, problem.heading, problem.message);
    }
    const session = { enrollmentId: consumed.enrollmentId, userId: consumed.userId };
    await callTemporal(() => handle(session).executeUpdate(openLinkUpdate));
    deps.sessions.start(response, session);
    response.redirect(303, '/enroll');
  });

  router.get('/enroll', async (request, response) => {
    const session = requireSession(request, response);
    if (!session) return;
    const view = await callTemporal(() => handle(session).query(getEnrollmentQuery));
    await renderStep(request, response, view, {
      forcePhone: request.query.change === 'number' && view.step === EnrollmentStep.AwaitingCode,
    });
  });

  stepForm('/enroll/phone', async (request, response, session) => {
    const typed = typeof request.body.phone === 'string' ? (request.body.phone as string) : '';
    let phone: string;
    try {
      phone = normalisePhoneNumber(typed, deps.defaultPhoneRegion);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      return rerender(request, response, session, {
        status: 422,
        error: error.message,
        phone: typed.slice(0, 32),
        forcePhone: true,
      });
    }
    await withCurrentStep(request, response, session, async () => {
      const result = await handle(session).executeUpdate(requestCodeUpdate, { args: [{ phone }] });
      if (result.outcome === 'sent') return void response.redirect(303, '/enroll');
      await renderStep(request, response, result.view, {
        status: REQUEST_CODE_STATUS[result.outcome],
        error: result.message,
        forcePhone: true,
      });
    });
  });

  stepForm('/enroll/resend', async (request, response, session) => {
    await withCurrentStep(request, response, session, async () => {
      const result = await handle(session).executeUpdate(requestCodeUpdate, { args: [{}] });
      if (result.outcome === 'sent')
        return renderStep(request, response, result.view, {
          notice: 'A new code is on its way. The previous code no longer works.',
        });
      await renderStep(request, response, result.view, {
        status: REQUEST_CODE_STATUS[result.outcome],
        error: result.message,
      });
    });
  });

  stepForm('/enroll/code', async (request, response, session) => {
    const code = typeof request.body.code === 'string' ? (request.body.code as string).replace(/\s/g, '') : '';
    if (!/^\d{6}$/.test(code))
      return rerender(request, response, session, { status: 422, error: 'Enter the 6 digits from the text message.' });
    const codeHash = hashVerificationCode(deps.secrets, session.enrollmentId, code);
    await withCurrentStep(request, response, session, async () => {
      const result = await handle(session).executeUpdate(verifyCodeUpdate, { args: [{ codeHash }] });
      switch (result.outcome) {
        case 'verified':
          return void response.redirect(303, '/enroll');
        case 'wrong_code':
          return renderStep(request, response, result.view, {
            status: 422,
            error: `That code is not right. You have ${result.triesLeft} ${result.triesLeft === 1 ? 'try' : 'tries'} left.`,
          });
        case 'code_expired':
          return renderStep(request, response, result.view, {
            status: 422,
            error: 'That code has expired. Ask for a new one below.',
          });
        case 'blocked':
          return renderStep(request, response, result.view, { status: 423 });
      }
    });
  });

  stepForm('/enroll/method', async (request, response, session) => {
    const method = request.body.method;
    const invalid = (error: string) => rerender(request, response, session, { status: 422, error });
    if (method !== 'app' && method !== 'sms') return invalid('Choose one of the two ways.');
    let pinHash: string | undefined;
    if (method === 'sms' && (await smsPinRequired(session.userId))) {
      const chosen = checkNewPin(request.body.pin, request.body.pinConfirm);
      if (!chosen.ok) return invalid(chosen.error);
      // Hashed here, before the workflow: only the hash goes into the update, and so into history.
      pinHash = hashSmsPin(deps.secrets, session.userId, chosen.pin);
    }
    await withCurrentStep(request, response, session, async () => {
      await handle(session).executeUpdate(chooseMethodUpdate, { args: [{ method, pinHash }] });
      response.redirect(303, '/enroll');
    });
  });

  router.get('/app', (_request, response) => page(response, 200, 'app', { title: 'The Latchkey app' }));

  router.use((error: unknown, request: Request, response: Response, _next: express.NextFunction) => {
    const described = describeError(error);
    if (described.status >= 500)
      deps.logger.error('Page request failed', {
        method: request.method,
        route: request.route?.path,
        ...errorFields(error),
      });
    if (response.headersSent) return;
    const heading =
      error instanceof LatchkeyError || described.status < 500 ? 'We could not do that' : 'Something went wrong';
    message(response, described.status, heading, described.message);
  });

  return router;
}
