import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import express, { Router, type ErrorRequestHandler, type Request, type RequestHandler, type Response } from 'express';
import type { Secrets } from '../../common/crypto/secrets';
import { AuthenticationError, ConflictError, InputError, NotFoundError, RateLimitedError } from '../../common/errors';
import type { Logger } from '../../common/logger';
import type { AuditStore } from '../db/audit.store';
import type { ConsoleDashboardStore } from '../db/console-dashboard.store';
import type { RateLimitStore } from '../db/rate-limit.store';
import type { TechnicianSessionView } from '../db/technician-sessions.store';
import type { TechniciansStore } from '../db/technicians.store';
import type { TenantsStore } from '../db/tenants.store';
import { addressBucketOf } from '../http/address-bucket';
import { technicianPrincipalOf, type ConsoleSessions } from '../http/console-session';
import type { Csrf } from '../http/csrf';
import { describeError, logServerFailure } from '../http/error-response';
import { limitPerIp } from '../http/ip-rate-limit';
import type { RenderPage } from '../http/page-renderer';
import type { TemporalUiLinks } from '../http/temporal-ui-links';
import type { ActivationService } from '../services/activation.service';
import type { ConsoleSignInService } from '../services/console-sign-in.service';
import type { TechnicianAccountsService } from '../services/technician-accounts.service';
import type { ConsolePasskeysService } from '../services/console-passkeys.service';
import { isOlderRelease } from '../services/release-order';
import { LATCHKEY_VERSION } from '../../common/version';
import { consoleApiKeysRoutes, type ConsoleApiKeysRoutesDeps } from './console/api-keys.routes';
import { consoleAuditRoutes, type ConsoleAuditRoutesDeps } from './console/audit.routes';
import { consoleKit, consoleOf, csrfBindingOf, UUID, type ConsoleLocals } from './console/console-kit';
import { consoleClientRoutes, type ConsoleClientDeps } from './console/client.routes';
import { ssoSettingsRoutes, ssoSignInRoutes, type SsoRoutesDeps } from './console/sso.routes';
import { consoleUserRoutes, type ConsoleUserRoutesDeps } from './console/user.routes';

const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
const PASSKEY_SCRIPT = readFileSync(join(__dirname, '..', 'views', 'console-passkeys.js'), 'utf8');
const json = express.json({ limit: '16kb' });

export interface ConsoleRoutesDeps extends ConsoleUserRoutesDeps, ConsoleAuditRoutesDeps, ConsoleApiKeysRoutesDeps {
  sessions: ConsoleSessions;
  /** Where the console links into the Temporal Web UI, which shows decoded payloads to the roles that may read them. */
  temporalUi: TemporalUiLinks;
  signIn: ConsoleSignInService;
  accounts: TechnicianAccountsService;
  passkeys: ConsolePasskeysService;
  passkeyRows: (technicianId: string) => Promise<Array<{ created_at: Date; last_used_at: Date | null }>>;
  technicians: TechniciansStore;
  tenants: TenantsStore;
  dashboard: ConsoleDashboardStore;
  activation: ActivationService;
  audit: AuditStore;
  csrf: Csrf;
  secrets: Secrets;
  rateLimits: RateLimitStore;
  requestsPerIpPerMinute: number;
  render: RenderPage;
  logger: Logger;
  /** The client page's stores and services (server/routes/console/client.routes.ts). */
  client: ConsoleClientDeps;
  /** Single sign-on through each MSP's own OIDC provider. */
  sso: Pick<SsoRoutesDeps, 'signIn' | 'settings' | 'publicUrl' | 'https'>;
}

const form = express.urlencoded({ extended: false, limit: '2kb' });
const field = (request: Request, name: string) =>
  typeof request.body?.[name] === 'string' ? (request.body[name] as string) : '';

/**
 * The MSP console: sign-in (password, then a TOTP code), and pages over the same services and the same
 * permission table as the API. A technician acts as a principal of their MSP, MSP-wide, with their role; ids
 * of another MSP's rows answer 404, as if they did not exist.
 */
export function consoleRoutes(deps: ConsoleRoutesDeps): Router {
  const router = Router();
  const perIp = limitPerIp({
    store: deps.rateLimits,
    secrets: deps.secrets,
    perMinute: deps.requestsPerIpPerMinute,
    bucket: 'console',
  });
  const addressOf = (request: Request) => addressBucketOf(request.ip);
  const csrfBinding = csrfBindingOf;

  const signInPage = (request: Request, response: Response, error?: string, email = '') =>
    deps.render('console-sign-in', {
      title: 'Console sign-in',
      csrf: deps.csrf.issue(request, response, null),
      error,
      email,
    });
  const codePage = (request: Request, response: Response, session: TechnicianSessionView, error?: string) =>
    deps.render('console-code', {
      title: 'Console sign-in',
      csrf: deps.csrf.issue(request, response, csrfBinding(session)),
      error,
    });

  // The console's pages may run this origin's scripts (the passkey buttons), and nothing else.
  router.use((_request, response, next) => {
    response.setHeader('Content-Security-Policy', CONSOLE_CSP);
    next();
  });
  router.get('/passkeys.js', (_request, response) => {
    response.type('text/javascript').send(PASSKEY_SCRIPT);
  });

  router.get('/sign-in', async (request, response) => {
    const session = await deps.sessions.read(request);
    if (session?.stage === 'active') return void response.redirect(303, '/console');
    response.type('html').send(signInPage(request, response));
  });

  // Only the anonymous posts count per address: signed-in technicians of one office share its NAT address.
  router.post('/sign-in', perIp, form, async (request, response) => {
    deps.csrf.verify(request, null);
    const email = field(request, 'email').trim().slice(0, 320);
    const password = field(request, 'password');
    try {
      const check = await deps.signIn.checkPassword(email, password, addressOf(request));
      if (check.status !== 'ok') {
        response
          .status(401)
          .type('html')
          .send(signInPage(request, response, 'That email and password do not match an account.', email));
        return;
      }
      await deps.sessions.start(response, check.technician.id, 'password');
      response.redirect(303, '/console/sign-in/code');
    } catch (error) {
      if (!(error instanceof RateLimitedError)) throw error;
      response.setHeader('Retry-After', String(error.retryAfterSeconds));
      response
        .status(429)
        .type('html')
        .send(signInPage(request, response, error.message, email));
    }
  });

  router.post('/sign-in/passkey/options', perIp, json, async (request, response) => {
    deps.csrf.verify(request, null);
    await deps.signIn.refuseIfAddressSpent(addressOf(request));
    response.json(await deps.passkeys.signInOptions());
  });

  router.post('/sign-in/passkey', perIp, json, async (request, response) => {
    deps.csrf.verify(request, null);
    await deps.signIn.refuseIfAddressSpent(addressOf(request));
    const credential = (request.body as { credential?: unknown }).credential;
    const technicianId =
      credential && typeof credential === 'object'
        ? await deps.passkeys.signIn(credential as Parameters<ConsolePasskeysService['signIn']>[0])
        : undefined;
    if (!technicianId) {
      await deps.signIn.recordPasskeyFailure(addressOf(request));
      throw new AuthenticationError('That passkey did not sign you in. Use your password and code instead.');
    }
    await deps.sessions.start(response, technicianId, 'active');
    await deps.technicians.signedIn(technicianId);
    const technician = await deps.technicians.getRow(technicianId);
    await deps.audit.record({
      mspId: technician!.msp_id,
      actor: `technician:${technicianId}`,
      action: 'technician.signed_in',
      detail: { method: 'passkey' },
    });
    response.json({ next: '/console' });
  });

  const sso: SsoRoutesDeps = {
    ...deps.sso,
    sessions: deps.sessions,
    technicians: deps.technicians,
    audit: deps.audit,
    csrf: deps.csrf,
    render: deps.render,
    perIp,
  };
  router.use('/sign-in/sso', ssoSignInRoutes(sso));

  const halfSignedIn: RequestHandler = async (request, response, next) => {
    const session = await deps.sessions.read(request);
    if (!session || session.stage !== 'password') return void response.redirect(303, '/console/sign-in');
    response.locals.pending = session;
    next();
  };

  router.get('/sign-in/code', halfSignedIn, (request, response) => {
    response.type('html').send(codePage(request, response, response.locals.pending as TechnicianSessionView));
  });

  router.post('/sign-in/code', perIp, halfSignedIn, form, async (request, response) => {
    const session = response.locals.pending as TechnicianSessionView;
    deps.csrf.verify(request, csrfBinding(session));
    try {
      const outcome = await deps.signIn.checkCode(session.technicianId, field(request, 'code'), addressOf(request));
      if (outcome !== 'ok') {
        const message =
          outcome === 'replayed'
            ? 'That code has been used already. Wait for the next one.'
            : 'That code is not right. Check the time on your phone and try again.';
        response
          .status(401)
          .type('html')
          .send(codePage(request, response, session, message));
        return;
      }
    } catch (error) {
      if (!(error instanceof RateLimitedError)) throw error;
      response.setHeader('Retry-After', String(error.retryAfterSeconds));
      response
        .status(429)
        .type('html')
        .send(codePage(request, response, session, error.message));
      return;
    }
    if (!(await deps.sessions.promote(response, session))) return void response.redirect(303, '/console/sign-in');
    await deps.audit.record({
      mspId: session.mspId,
      actor: `technician:${session.technicianId}`,
      action: 'technician.signed_in',
      detail: { method: 'password_totp' },
    });
    response.redirect(303, '/console');
  });

  // Everything below needs a full sign-in. A page request without one is sent to sign in; a form post gets a 401.
  router.use(async (request, response, next) => {
    const session = await deps.sessions.read(request);
    if (!session || session.stage !== 'active') {
      if (request.method === 'GET' || request.method === 'HEAD') return void response.redirect(303, '/console/sign-in');
      throw new AuthenticationError('Your console session has ended; sign in again');
    }
    const locals: ConsoleLocals = {
      session,
      principal: technicianPrincipalOf(session),
      actor: `technician:${session.technicianId}`,
    };
    response.locals.console = locals;
    // Pages show a technician's MSP's data: a shared computer's back button must not show it after sign-out.
    response.setHeader('Cache-Control', 'no-store');
    next();
  });

  const kit = consoleKit(deps.csrf, deps.temporalUi);
  const { permit, withCsrf, chrome } = kit;

  router.use('/sso', ssoSettingsRoutes(sso, kit));

  router.post('/sign-out', form, withCsrf, async (_request, response) => {
    const { session, actor } = consoleOf(response);
    await deps.sessions.end(response, session);
    await deps.audit.record({ mspId: session.mspId, actor, action: 'technician.signed_out' });
    response.redirect(303, '/console/sign-in');
  });

  router.get('/', permit('read'), async (request, response) => {
    const { principal } = consoleOf(response);
    const now = new Date();
    const clients = await deps.dashboard.clientSummaries(principal.mspId, now);
    const agents = (await deps.dashboard.agents(principal.mspId, now)).map((agent) => ({
      ...agent,
      offline: agent.status !== 'online',
      lastSeen: agent.lastSeenAt ? new Date(agent.lastSeenAt).toISOString().replace(/\.\d+Z$/, 'Z') : 'never',
      outdated: isOlderRelease(agent.version, LATCHKEY_VERSION),
    }));
    response.type('html').send(
      deps.render('console-dashboard', {
        title: 'Dashboard',
        ...chrome(request, response),
        clients,
        agents,
        serverVersion: LATCHKEY_VERSION,
      }),
    );
  });

  router.get('/technicians', permit('read'), async (request, response) => {
    const { principal } = consoleOf(response);
    const technicians = (await deps.technicians.list(principal.mspId)).map((row) => ({
      ...row,
      lastSignIn: row.last_sign_in_at ? new Date(row.last_sign_in_at).toISOString().replace(/\.\d+Z$/, 'Z') : 'never',
    }));
    response.type('html').send(
      deps.render('console-technicians', {
        title: 'Technicians',
        ...chrome(request, response),
        technicians,
        canManage: principal.role === 'admin',
      }),
    );
  });

  router.get('/passkeys', permit('read'), async (request, response) => {
    const { session } = consoleOf(response);
    const when = (value: Date | null) => (value ? new Date(value).toISOString().replace(/\.\d+Z$/, 'Z') : undefined);
    const passkeys = (await deps.passkeyRows(session.technicianId)).map((row) => ({
      added: when(row.created_at),
      lastUsed: when(row.last_used_at),
    }));
    response
      .type('html')
      .send(deps.render('console-passkeys', { title: 'Passkeys', ...chrome(request, response), passkeys }));
  });

  // Any role may add a passkey for themselves: it grants nothing their password and code do not.
  router.post('/passkeys/options', permit('read'), json, withCsrf, async (_request, response) => {
    const { session } = consoleOf(response);
    response.json(await deps.passkeys.registrationOptions(session, session.sessionId));
  });

  router.post('/passkeys', permit('read'), json, withCsrf, async (request, response) => {
    const { session } = consoleOf(response);
    const credential = (request.body as { credential?: unknown }).credential;
    const added =
      credential && typeof credential === 'object'
        ? await deps.passkeys.register(
            session,
            session.sessionId,
            credential as Parameters<ConsolePasskeysService['register']>[2],
          )
        : false;
    if (!added) throw new InputError('That passkey could not be added. Try again.');
    response.json({ next: '/console/passkeys' });
  });

  router.post('/technicians/:id/disable', permit('technicians.manage'), form, withCsrf, async (request, response) => {
    const { principal, actor } = consoleOf(response);
    const id = request.params.id as string;
    const outcome = UUID.test(id) ? await deps.accounts.disable(principal.mspId, id, actor) : 'not_found';
    if (outcome === 'not_found') throw new NotFoundError('Technician');
    if (outcome === 'last_admin')
      throw new ConflictError("That is the MSP's last active admin; make another technician an admin first");
    response.redirect(303, '/console/technicians');
  });

  router.use(consoleUserRoutes(deps, kit));
  router.use(consoleAuditRoutes(deps, kit));
  router.use(consoleApiKeysRoutes(deps, kit));

  router.use(consoleClientRoutes({ ...deps.client, kit, render: deps.render }));

  // Console errors are pages, with the same status the API would give; only our own errors carry a message.
  const consoleError: ErrorRequestHandler = (error, request, response, next) => {
    if (response.headersSent) return next(error);
    const described = describeError(error);
    logServerFailure(deps.logger, 'Console request failed', error, described.status, { method: request.method });
    if (error instanceof RateLimitedError) response.setHeader('Retry-After', String(error.retryAfterSeconds));
    // The passkey endpoints are called by the page's script, which reads JSON.
    if (request.is('application/json')) {
      response.status(described.status).json({ error: { code: described.code, message: described.message } });
      return;
    }
    response
      .status(described.status)
      .type('html')
      .send(
        deps.render('message', {
          title: described.status === 404 ? 'Not found' : 'Not allowed',
          heading: described.status === 404 ? 'Not found' : 'That did not work',
          message: described.message,
          isError: true,
        }),
      );
  };
  router.use(consoleError);
  return router;
}
