import express, { type Express } from 'express';
import type { Logger } from '../common/logger';
import { apiRoutes, type ApiRoutesDeps } from './routes/api';
import { deviceApiRoutes, type DeviceApiRoutesDeps } from './routes/api/device';
import { pairingPageRoutes, type PairingPageRoutesDeps } from './routes/pages/pairing.routes';
import { agentRoutes, type AgentRoutesDeps } from './routes/agent.routes';
import { codecRoutes, type CodecRoutesDeps } from './routes/codec.routes';
import { consoleRoutes, type ConsoleRoutesDeps } from './routes/console.routes';
import { outboxRoutes } from './routes/outbox.routes';
import { twilioSmsRoutes, type TwilioSmsRoutesDeps } from './routes/webhooks/twilio-sms.routes';
import type { InboundSmsService } from './services/inbound-sms.service';
import { enrollmentPageRoutes, type EnrollmentPageRoutesDeps } from './routes/pages/enrollment.routes';
import { disownPageRoutes, type DisownPageRoutesDeps } from './routes/pages/disown.routes';
import type { Outbox } from '../plugins/dev-outbox/outbox';
import type { RenderPage } from './http/page-renderer';
import { describeError } from './http/error-response';
import { requireKnownHost } from './http/known-host';
import { securityHeaders } from './http/security-headers';
import { healthRoute } from './routes/health.routes';
import { appRoutes } from './routes/app.routes';
import type { TrustProxy } from './http/trust-proxy';

export interface AppDeps {
  api: ApiRoutesDeps;
  agent: AgentRoutesDeps;
  pages: EnrollmentPageRoutesDeps;
  /** The "This wasn't me" link of the owner's enrollment notice. */
  disown: DisownPageRoutesDeps;
  codec: CodecRoutesDeps;
  /** The MSP console for technicians (/console). */
  console: ConsoleRoutesDeps;
  /** The app's device API (/api/device/v1) and the done page's pairing endpoints. */
  devices: { api: DeviceApiRoutesDeps; pages: PairingPageRoutesDeps };
  /** Present when some messages go to the in-memory outbox instead of a vendor. */
  outbox?: Outbox;
  /** The address browsers are given; requests for any other host get a 421. */
  publicUrl: string;
  /** Whether browsers are given an https:// address (HSTS is sent then). */
  https: boolean;
  /** Whether the socket listens on loopback only, the one place the outbox may be served. */
  loopbackOnly: boolean;
  inboundSms: InboundSmsMount;
  render: RenderPage;
  trustProxy: TrustProxy;
  logger: Logger;
  health: () => Promise<Record<string, 'ok' | string>>;
}

/**
 * How texts to the service number reach the app: Twilio's signed webhook (which needs the auth token), or, when
 * SMS goes to the outbox, a development form beside it.
 */
export type InboundSmsMount =
  | ({ via: 'twilio'; service: InboundSmsService } & Omit<TwilioSmsRoutesDeps, 'inbound' | 'logger'>)
  | { via: 'outbox'; service: InboundSmsService };

const REDACTED_PATH = /^\/(activate|disown)\/[^/]+/;

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustProxy);

  app.use(securityHeaders({ https: deps.https }));
  app.use((request, response, next) => {
    const started = process.hrtime.bigint();
    response.on('finish', () => {
      // The activation and disown tokens are in the path: log the route's shape, never the token.
      deps.logger.debug('http', {
        method: request.method,
        path: request.path.replace(REDACTED_PATH, '/$1/:token'),
        status: response.statusCode,
        ms: Number(process.hrtime.bigint() - started) / 1e6,
      });
    });
    next();
  });

  // Before the Host check: probes (a Kubernetes kubelet, a load balancer) address the process by its IP, and an
  // anonymous caller learns only "ok" or "degraded".
  app.get('/healthz', healthRoute({ health: deps.health, apiKeys: deps.api.apiKeys, logger: deps.logger }));
  app.use(requireKnownHost(deps.publicUrl));
  app.get('/', (_request, response) => void response.redirect(302, '/api/v1/openapi.json'));
  app.use('/api/device/v1', deviceApiRoutes(deps.devices.api));
  app.use('/api/v1', apiRoutes(deps.api));
  app.use('/codec', codecRoutes(deps.codec));
  app.use('/console', consoleRoutes(deps.console));
  app.use('/agent/v1', agentRoutes(deps.agent));
  const inbound = deps.inboundSms;
  if (inbound.via === 'twilio') {
    app.use(
      '/webhooks/twilio/sms',
      twilioSmsRoutes({
        inbound: inbound.service,
        authToken: inbound.authToken,
        webhookUrl: inbound.webhookUrl,
        accountSid: inbound.accountSid,
        serviceNumber: inbound.serviceNumber,
        messages: inbound.messages,
        logger: deps.logger,
      }),
    );
  }
  // Whoever reaches the outbox reads every code and password and can text RESET from any number: it is served
  // only on a loopback socket, whatever the public URL says.
  if (deps.outbox && deps.loopbackOnly) {
    const devInbound =
      inbound.via === 'outbox'
        ? {
            inbound: inbound.service,
            csrf: deps.pages.csrf,
            serviceNumber: deps.pages.serviceNumber,
            defaultPhoneRegion: deps.pages.defaultPhoneRegion,
          }
        : undefined;
    app.use('/outbox', outboxRoutes({ outbox: deps.outbox, render: deps.render, inboundSms: devInbound }));
  }
  app.use('/app', appRoutes());
  app.use(disownPageRoutes(deps.disown));
  app.use(pairingPageRoutes(deps.devices.pages));
  app.use(enrollmentPageRoutes(deps.pages));

  app.use((_request, response) => {
    response
      .status(404)
      .type('html')
      .send(
        deps.render('message', {
          title: 'Not found',
          heading: 'Page not found',
          message: 'There is nothing at this address.',
          isError: true,
        }),
      );
  });
  app.use((error: unknown, _request: express.Request, response: express.Response, _next: express.NextFunction) => {
    const described = describeError(error);
    if (described.status >= 500) deps.logger.error('Unhandled request error', { error: String(error) });
    response.status(described.status).json({ error: { code: described.code, message: described.message } });
  });
  return app;
}
