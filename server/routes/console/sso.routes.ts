import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import type { AuditStore } from '../../db/audit.store';
import type { TechniciansStore } from '../../db/technicians.store';
import type { ConsoleSessions } from '../../http/console-session';
import { cookieName, readCookie } from '../../http/cookies';
import type { Csrf } from '../../http/csrf';
import type { RenderPage } from '../../http/page-renderer';
import { SSO_ATTEMPT_TTL_MS, type SsoRefusal, type SsoSignInService } from '../../services/sso/sso-sign-in.service';
import type { SsoSettingsService } from '../../services/sso/sso-settings.service';
import { consoleOf, type ConsoleKit } from './console-kit';
import { consoleTime } from './console-time';

export const SSO_CALLBACK_PATH = '/console/sign-in/sso/callback';

export interface SsoRoutesDeps {
  signIn: SsoSignInService;
  settings: SsoSettingsService;
  sessions: ConsoleSessions;
  technicians: TechniciansStore;
  audit: AuditStore;
  csrf: Csrf;
  render: RenderPage;
  publicUrl: string;
  https: boolean;
  /** The console's per-address limit on anonymous requests. */
  perIp: RequestHandler;
}

const form = express.urlencoded({ extended: false, limit: '2kb' });

const NO_ACCOUNT = {
  status: 403,
  message:
    'There is no active technician account with your email at this MSP. An admin can add one; single sign-on does not create accounts.',
};

/** What the technician is told; the audit log has the exact reason, the page only what they can act on. */
const REFUSALS: Record<SsoRefusal, { status: number; message: string }> = {
  state_mismatch: {
    status: 400,
    message: 'This sign-in was not started in this browser, or it was started twice. Start it again from here.',
  },
  expired: { status: 400, message: 'This sign-in took too long or was used already. Start it again.' },
  unavailable: { status: 502, message: 'Your identity provider could not be reached. Try again in a minute.' },
  invalid_response: {
    status: 401,
    message: 'Your identity provider’s answer could not be verified, so you are not signed in. Start again.',
  },
  email_not_verified: {
    status: 403,
    message: 'Your identity provider did not confirm your email address, so it cannot sign you in here.',
  },
  domain_not_allowed: {
    status: 403,
    message: 'Your email’s domain is not one your MSP signs in with here. Ask an admin of your MSP.',
  },
  no_technician: NO_ACCOUNT,
  disabled: NO_ACCOUNT,
};

/**
 * Single sign-on, anonymous (mounted at /console/sign-in/sso): the email form, the hand-off to the MSP's
 * identity provider, and its callback. The `state` goes in a cookie as well as the request, so a callback
 * pasted into another browser (login CSRF) is refused.
 */
export function ssoSignInRoutes(deps: SsoRoutesDeps): Router {
  const router = Router();
  const stateCookie = cookieName('lk_console_sso', deps.https);
  const cookieOptions = { httpOnly: true, sameSite: 'lax' as const, secure: deps.https, path: '/' };
  const page = (request: Request, response: Response, error?: string, email = '') =>
    deps.render('console-sso', {
      title: 'Single sign-on',
      csrf: deps.csrf.issue(request, response, null),
      error,
      email,
    });

  router.get('/', (request, response) => {
    response.type('html').send(page(request, response));
  });

  router.post('/', deps.perIp, form, async (request, response) => {
    deps.csrf.verify(request, null);
    const email = (typeof request.body?.email === 'string' ? (request.body.email as string) : '').trim().slice(0, 320);
    const started = await deps.signIn.start(email);
    if (started.status !== 'redirect') {
      const [status, message] =
        started.status === 'not_configured'
          ? [400, 'Single sign-on is not set up for that domain. Sign in with your password or a passkey.']
          : [502, 'Your identity provider could not be reached. Try again in a minute.'];
      response
        .status(status)
        .type('html')
        .send(page(request, response, message, email));
      return;
    }
    response.cookie(stateCookie, started.state, { ...cookieOptions, maxAge: SSO_ATTEMPT_TTL_MS });
    // Not a 303: the console's CSP (form-action 'self') also covers where a form post redirects, and browsers
    // block the hop to the provider. A Refresh is a navigation of its own, and the link is there if it is ignored.
    response.setHeader('Refresh', `0; url=${started.url}`);
    response.type('html').send(deps.render('console-sso-continue', { title: 'Single sign-on', url: started.url }));
  });

  router.get('/callback', deps.perIp, async (request, response) => {
    const query = new URLSearchParams(request.url.split('?')[1] ?? '');
    const callbackUrl = new URL(`${deps.publicUrl.replace(/\/$/, '')}${SSO_CALLBACK_PATH}?${query}`);
    const outcome = await deps.signIn.finish(callbackUrl, readCookie(request, stateCookie));
    response.clearCookie(stateCookie, cookieOptions);
    if (outcome.status === 'refused') {
      const refusal = REFUSALS[outcome.reason];
      response
        .status(refusal.status)
        .type('html')
        .send(deps.render('console-sso-refused', { title: 'Single sign-on', message: refusal.message }));
      return;
    }
    await deps.sessions.start(response, outcome.technicianId, 'active');
    await deps.technicians.signedIn(outcome.technicianId);
    await deps.audit.record({
      mspId: outcome.mspId,
      actor: `technician:${outcome.technicianId}`,
      action: 'technician.signed_in',
      detail: { method: 'oidc' },
    });
    response.redirect(303, '/console');
  });
  return router;
}

/** The admins' page (mounted at /console/sso, behind the sign-in gate): the MSP's settings, never the secret. */
export function ssoSettingsRoutes(
  deps: Pick<SsoRoutesDeps, 'settings' | 'publicUrl' | 'render'>,
  kit: ConsoleKit,
): Router {
  const router = Router();
  router.get('/', kit.permit('technicians.manage'), async (request, response) => {
    const { principal } = consoleOf(response);
    const sso = await deps.settings.describe(principal.mspId);
    response.type('html').send(
      deps.render('console-sso-settings', {
        title: 'Single sign-on',
        ...kit.chrome(request, response),
        sso,
        updated: consoleTime(sso?.updatedAt),
        mspId: principal.mspId,
        redirectUri: `${deps.publicUrl.replace(/\/$/, '')}${SSO_CALLBACK_PATH}`,
      }),
    );
  });
  return router;
}
