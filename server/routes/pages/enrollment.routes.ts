import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import express, { Router, type Request, type Response } from 'express';
import QRCode from 'qrcode';
import type { Secrets } from '../../../common/crypto/secrets';
import { LatchkeyError } from '../../../common/errors';
import type { Logger } from '../../../common/logger';
import { EnrollmentStep, type EnrollmentView } from '../../../common/domain/enrollment';
import { makeEnrollmentWorkflowId } from '../../../common/domain/workflow-ids';
import type { RateLimitStore } from '../../db/rate-limit.store';
import type { Csrf } from '../../http/csrf';
import type { EnrollmentSession, EnrollmentSessions } from '../../http/enrollment-session';
import { describeError, logServerFailure } from '../../http/error-response';
import { limitPerIp, limitPerSessionAndIp } from '../../http/ip-rate-limit';
import type { RenderPage } from '../../http/page-renderer';
import { StepHandover } from '../../http/step-handover';
import type { EnrollmentService, LinkProblem } from '../../services/enrollment.service';

/**
 * Issues a pairing token and its app link (the devices' PairingService); absent until one is wired, and the done
 * page then offers only the texted link.
 */
export interface PairingLinks {
  issue(request: {
    userId: string;
    clientId: string;
    enrollmentWorkflowId: string | null;
    requiresMatch: boolean;
  }): Promise<{ url: string }>;
}

export interface EnrollmentPageRoutesDeps {
  enrollment: EnrollmentService;
  pairing?: PairingLinks;
  secrets: Secrets;
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

/**
 * The done page's pairing step polls and posts the number match with a small same-origin script: only that page
 * allows one (and fetches to this origin); every other page keeps the policy of security-headers.ts.
 */
const PAIRING_PAGE_CSP =
  "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
const PAIRING_SCRIPT = readFileSync(join(__dirname, '..', '..', 'views', 'done-pairing.js'), 'utf8');

const REQUEST_CODE_STATUS = { limit_reached: 429, undeliverable: 422, delivery_failed: 503 } as const;

const LINK_PROBLEMS: Record<LinkProblem, { status: number; heading: string; message: string }> = {
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
    heading: 'This link has been replaced or withdrawn',
    message:
      'Use the link in your most recent activation email. If it does not work either, ask your IT provider for a new one.',
  },
  expired: {
    status: 410,
    heading: 'This link has expired',
    message: 'Ask your IT provider to send a new activation email.',
  },
};

/**
 * The end user's pages: HTTP only. Each page asks the enrollment service where the user is and renders that
 * step; each form post is one service call whose outcome decides the next page. Nothing here trusts the browser
 * for state: the only thing it holds is a signed cookie naming its enrollment.
 */
export function enrollmentPageRoutes(deps: EnrollmentPageRoutesDeps): Router {
  const router = Router();
  const handover = new StepHandover<EnrollmentView>();
  /** A step's post answers with a redirect to /enroll, whose load renders the view the step's Update returned. */
  const toNextStep = (response: Response, enrollmentId: string, view: EnrollmentView) => {
    handover.put(enrollmentId, view);
    response.redirect(303, '/enroll');
  };
  const forms = express.urlencoded({ extended: false, limit: '4kb', parameterLimit: 10 });
  const perIp = limitPerIp({
    store: deps.rateLimits,
    secrets: deps.secrets,
    perMinute: deps.requestsPerIpPerMinute,
    bucket: 'enroll',
  });
  const perSessionAndIp = limitPerSessionAndIp({
    store: deps.rateLimits,
    secrets: deps.secrets,
    perMinute: deps.requestsPerIpPerMinute,
    bucket: 'enroll-step',
    sessionOf: (request) => deps.sessions.read(request)?.enrollmentId,
  });

  const page = (
    response: Response,
    status: number,
    view: string,
    context: Record<string, unknown> & { title: string },
  ) => void response.status(status).type('html').send(deps.render(view, context));

  const message = (response: Response, status: number, heading: string, text: string, isError = true) =>
    page(response, status, 'message', { title: heading, heading, message: text, isError });

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

  async function renderStep(
    request: Request,
    response: Response,
    session: EnrollmentSession,
    view: EnrollmentView,
    extra: { status?: number; error?: string; notice?: string; phone?: string; forcePhone?: boolean } = {},
  ): Promise<void> {
    const csrf = deps.csrf.issue(request, response, session);
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
        const requirePin = await deps.enrollment.smsPinRequired(session.userId);
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
      case EnrollmentStep.PairingApp:
        return renderPairing(response, session, view, { ...common, status });
      case EnrollmentStep.EnrolledApp:
      case EnrollmentStep.EnrolledSms:
        return page(response, status, 'done', {
          title: view.step === EnrollmentStep.EnrolledApp ? 'Your phone is set up' : 'You are all set',
          app: view.step === EnrollmentStep.EnrolledApp,
          mspName: await deps.enrollment.mspName(session.userId),
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

  /**
   * The app branch's done page, while the enrollment waits for a phone to pair: fresh tokens on every load (a QR
   * code, which needs the number match since anyone may photograph a screen, and a link for this very phone,
   * which does not, since this session is the person who verified the number).
   */
  async function renderPairing(
    response: Response,
    session: EnrollmentSession,
    view: EnrollmentView,
    common: { csrf: string; status: number; error?: string; notice?: string },
  ): Promise<void> {
    const target = await deps.enrollment.pairingTarget(session.userId);
    const request = {
      userId: session.userId,
      clientId: target.clientId,
      enrollmentWorkflowId: makeEnrollmentWorkflowId(session.userId),
    };
    const [qr, open] = deps.pairing
      ? await Promise.all([
          deps.pairing.issue({ ...request, requiresMatch: true }),
          deps.pairing.issue({ ...request, requiresMatch: false }),
        ])
      : [undefined, undefined];
    const qrSvg = qr ? await QRCode.toString(qr.url, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 }) : undefined;
    response.setHeader('Content-Security-Policy', PAIRING_PAGE_CSP);
    page(response, common.status, 'done', {
      title: 'Set up the Latchkey app',
      ...common,
      pairing: true,
      mspName: target.mspName,
      phoneHint: view.phoneHint,
      qrSvg,
      openUrl: open?.url,
    });
  }

  /** Shows the user's current step again, with a reason, after a form the page itself refused. */
  async function rerender(
    request: Request,
    response: Response,
    session: EnrollmentSession,
    extra: Parameters<typeof renderStep>[4],
  ) {
    const view = await deps.enrollment.view(session);
    await renderStep(request, response, session, view, extra);
  }

  /**
   * Runs one service call. A refusal (wrong step, too soon, blocked) re-renders the current step with the reason
   * and yields undefined; anything 5xx goes on to the error page.
   */
  async function orCurrentStep<T>(
    request: Request,
    response: Response,
    session: EnrollmentSession,
    call: () => Promise<T>,
  ): Promise<T | undefined> {
    try {
      return await call();
    } catch (error) {
      const described = describeError(error);
      if (described.status >= 500) throw error;
      await rerender(request, response, session, { status: described.status, error: described.message }).catch(() =>
        message(response, described.status, 'Something is not right', described.message),
      );
      return undefined;
    }
  }

  /** Every step form: rate-limited per session and IP, parsed, tied to a session and checked for CSRF before `handler` runs. */
  const stepForm = (
    path: string,
    handler: (request: Request, response: Response, session: EnrollmentSession) => Promise<void>,
  ) =>
    router.post(path, perSessionAndIp, forms, async (request, response) => {
      const session = requireSession(request, response);
      if (!session) return;
      deps.csrf.verify(request, session);
      await handler(request, response, session);
    });

  router.get('/enroll/pairing.js', (_request, response) => {
    response.type('text/javascript').send(PAIRING_SCRIPT);
  });

  router.get('/activate/:token', async (request, response) => {
    const token = String(request.params.token ?? '');
    const link = await deps.enrollment.inspectLink(token);
    if (link.outcome !== 'valid') {
      const problem = LINK_PROBLEMS[link.outcome];
      return message(response, problem.status, problem.heading, problem.message);
    }
    page(response, 200, 'landing', {
      title: 'Set up password reset',
      token,
      // No session yet: the link in the URL is what this form acts on.
      csrf: deps.csrf.issue(request, response, null),
      mspName: link.mspName,
    });
  });

  router.post('/activate/:token', perIp, forms, async (request, response) => {
    deps.csrf.verify(request, null);
    const opened = await deps.enrollment.openLink(String(request.params.token ?? ''));
    if (opened.outcome !== 'valid') {
      const problem = LINK_PROBLEMS[opened.outcome];
      return message(response, problem.status, problem.heading, problem.message);
    }
    deps.sessions.start(response, opened.participant);
    toNextStep(response, opened.participant.enrollmentId, opened.view);
  });

  router.get('/enroll', async (request, response) => {
    const session = requireSession(request, response);
    if (!session) return;
    const view = handover.take(session.enrollmentId) ?? (await deps.enrollment.view(session));
    await renderStep(request, response, session, view, {
      forcePhone: request.query.change === 'number' && view.step === EnrollmentStep.AwaitingCode,
    });
  });

  stepForm('/enroll/phone', async (request, response, session) => {
    const typed = typeof request.body.phone === 'string' ? (request.body.phone as string) : '';
    const result = await orCurrentStep(request, response, session, () => deps.enrollment.submitPhone(session, typed));
    if (!result) return;
    if (result.outcome === 'invalid_phone')
      return rerender(request, response, session, {
        status: 422,
        error: result.message,
        phone: typed.slice(0, 32),
        forcePhone: true,
      });
    if (result.outcome === 'sent') return toNextStep(response, session.enrollmentId, result.view);
    await renderStep(request, response, session, result.view, {
      status: REQUEST_CODE_STATUS[result.outcome],
      error: result.message,
      forcePhone: true,
    });
  });

  stepForm('/enroll/resend', async (request, response, session) => {
    const result = await orCurrentStep(request, response, session, () => deps.enrollment.resendCode(session));
    if (!result) return;
    if (result.outcome === 'sent')
      return renderStep(request, response, session, result.view, {
        notice: 'A new code is on its way. The previous code no longer works.',
      });
    await renderStep(request, response, session, result.view, {
      status: REQUEST_CODE_STATUS[result.outcome],
      error: result.message,
    });
  });

  stepForm('/enroll/code', async (request, response, session) => {
    const typed = typeof request.body.code === 'string' ? (request.body.code as string) : '';
    const result = await orCurrentStep(request, response, session, () => deps.enrollment.submitCode(session, typed));
    switch (result?.outcome) {
      case undefined:
        return;
      case 'malformed_code':
        return rerender(request, response, session, {
          status: 422,
          error: 'Enter the 6 digits from the text message.',
        });
      case 'verified':
        return toNextStep(response, session.enrollmentId, result.view);
      case 'wrong_code':
        return renderStep(request, response, session, result.view, {
          status: 422,
          error: `That code is not right. You have ${result.triesLeft} ${result.triesLeft === 1 ? 'try' : 'tries'} left.`,
        });
      case 'code_expired':
        return renderStep(request, response, session, result.view, {
          status: 422,
          error: 'That code has expired. Ask for a new one below.',
        });
      case 'blocked':
        return renderStep(request, response, session, result.view, { status: 423 });
    }
  });

  stepForm('/enroll/method', async (request, response, session) => {
    const { method, pin, pinConfirm } = (request.body ?? {}) as Record<string, unknown>;
    const choice = await orCurrentStep(request, response, session, () =>
      deps.enrollment.chooseMethod(session, { method, pin, pinConfirm }),
    );
    const invalid = (error: string) => rerender(request, response, session, { status: 422, error });
    switch (choice?.outcome) {
      case undefined:
        return;
      case 'invalid_method':
        return invalid('Choose one of the two ways.');
      case 'invalid_pin':
        return invalid(choice.message);
      case 'chosen':
        return toNextStep(response, session.enrollmentId, choice.view);
    }
  });

  router.use((error: unknown, request: Request, response: Response, _next: express.NextFunction) => {
    const described = describeError(error);
    logServerFailure(deps.logger, 'Page request failed', error, described.status, {
      method: request.method,
      route: request.route?.path,
    });
    if (response.headersSent) return;
    const heading =
      error instanceof LatchkeyError || described.status < 500 ? 'We could not do that' : 'Something went wrong';
    message(response, described.status, heading, described.message);
  });

  return router;
}
