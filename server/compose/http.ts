import { commandPublicKeyText, commandSigningKey } from '../../common/crypto/directory-command';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RenderTemplate } from '../../activities/message-templates';
import type { Config } from '../config';
import type { Secrets } from '../../common/crypto/secrets';
import type { Logger } from '../../common/logger';
import type { PasswordResetInput } from '../../workflows/password-reset/password-reset.workflow';
import { createApp } from '../app';
import { Csrf } from '../http/csrf';
import { EnrollmentSessions } from '../http/enrollment-session';
import { loadPageRenderer } from '../http/page-renderer';
import { ActivationService } from '../services/activation.service';
import { CodecAudit } from '../services/codec-audit';
import { CodecMspScope } from '../services/codec-msp-scope';
import { EnrollmentService } from '../services/enrollment.service';
import { InboundSmsService } from '../services/inbound-sms.service';
import { lockoutWatchStarter } from '../services/lockout-watch-starter';
import { ResetService } from '../services/reset.service';
import { LockoutService } from '../services/lockout.service';
import type { ResetOutcomes } from '../services/reset-outcomes';
import type { CleanupStack } from './cleanup-stack';
import type { Health } from './health';
import type { Providers } from './providers';
import type { Stores } from './stores';
import type { Database } from '../db/connect';
import { createTransact } from '../db/transact';
import { DisownService } from '../services/disown.service';
import { buildMspAlerter } from './alerts';
import type { CentralTemporal } from './temporal';
import { buildDeviceApi } from './devices';
import { ConsoleSessions } from '../http/console-session';
import { temporalUiLinks } from '../http/temporal-ui-links';
import { ConsoleSignInService, DEFAULT_SIGN_IN_LIMITS } from '../services/console-sign-in.service';
import { TechnicianAccountsService } from '../services/technician-accounts.service';
import { ConsolePasskeysService } from '../services/console-passkeys.service';
import { webAuthnSiteOf } from '../services/devices/webauthn';
import { AgentCredentialsService } from '../services/agent-credentials.service';
import { ApiKeysService } from '../services/api-keys.service';
import { ClientPolicyService } from '../services/client-policy.service';
import { UserImportService } from '../services/user-import.service';
import { buildConsoleSso } from './console-sso';

export interface HttpDeps {
  config: Config;
  temporal: CentralTemporal;
  db: Database;
  stores: Stores;
  secrets: Secrets;
  providers: Providers;
  render: RenderTemplate;
  logger: Logger;
  health: () => Promise<Health>;
  /**
   * Eager workflow start hands a new reset to a worker in this same process, which then tells the waiting request
   * its outcome directly; on only when one runs here (role `all`), since the server would otherwise wait for a
   * local worker that does not exist.
   */
  eager?: { outcomes: ResetOutcomes };
  directoryTimeouts?: PasswordResetInput['directory'];
}

/** The application services and the Express app over them, listening; returns the URL it listens on. */
export async function buildHttp(deps: HttpDeps, cleanups: CleanupStack): Promise<{ url: string }> {
  const { config, temporal, stores, secrets, logger } = deps;
  const client = temporal.client;
  const taskQueue = temporal.taskQueues.central;
  const secureCookies = config.http.https;
  const commandPublicKey = commandPublicKeyText(commandSigningKey(config.masterKey));
  const activation = new ActivationService({
    temporal: client,
    taskQueue,
    policy: config.enrollment,
    users: stores.users,
    enrollments: stores.enrollments,
    audit: stores.audit,
    rateLimits: stores.rateLimits,
    resendsPerUserPerHour: config.limits.activationResendsPerUserPerHour,
  });
  const resets = new ResetService({
    temporal: client,
    taskQueue,
    tenants: stores.tenants,
    rateLimits: stores.rateLimits,
    audit: stores.audit,
    passwordResets: stores.passwordResets,
    agents: stores.agents,
    agentHeartbeatIntervalMs: config.agents.heartbeatIntervalMs,
    directoryTimeouts: deps.directoryTimeouts,
    eager: deps.eager,
  });
  const lockouts = new LockoutService({
    temporal: client,
    lockouts: stores.lockouts,
    agents: stores.agents,
    agentHeartbeatIntervalMs: config.agents.heartbeatIntervalMs,
    tenants: stores.tenants,
    rateLimits: stores.rateLimits,
    audit: stores.audit,
    resets,
  });
  // One of each for the API and the console, so that both write users, policy and agents by the same rules.
  const userImport = new UserImportService({ users: stores.users, audit: stores.audit });
  const policy = new ClientPolicyService({ tenants: stores.tenants, audit: stores.audit });
  const agentCredentials = new AgentCredentialsService({
    agents: stores.agents,
    audit: stores.audit,
    clientKeys: stores.clientKeys,
  });
  const apiKeyAdmin = new ApiKeysService({ apiKeys: stores.apiKeys, tenants: stores.tenants, audit: stores.audit });
  const renderPage = loadPageRenderer();
  const csrf = new Csrf(secrets, { https: secureCookies, publicOrigin: new URL(config.publicUrl).origin });
  const sessions = new EnrollmentSessions(secrets, secureCookies);
  const temporalUi = temporalUiLinks(config.temporal.uiUrl, temporal.namespace);
  // One instance for the console and /codec: the Web UI reads decoded workflows through the console sign-in.
  const consoleSessions = new ConsoleSessions(stores.technicianSessions, secrets, secureCookies);
  const devices = buildDeviceApi({
    config,
    db: deps.db,
    stores,
    secrets,
    temporal: client,
    email: deps.providers.email,
    render: deps.render,
    logger,
    resets,
    lockouts,
    vapidPublicKey: () => deps.providers.vapidPublicKey,
  });
  const inboundSms = new InboundSmsService({
    users: stores.users,
    audit: stores.audit,
    rateLimits: stores.rateLimits,
    secrets,
    resets,
    lockouts,
    pairing: devices.pairing,
    render: deps.render,
    defaultPhoneRegion: config.defaultPhoneRegion,
    logger,
    tenants: stores.tenants,
    email: deps.providers.email,
    alerts: buildMspAlerter(config, stores, deps.providers, deps.render),
    repliesPerHour: config.limits.smsRepliesPerSenderPerHour,
  });
  const app = createApp({
    api: {
      ...stores,
      activation,
      userImport,
      policy,
      agentCredentials,
      apiKeyAdmin,
      resets,
      lockouts,
      lockoutsStore: stores.lockouts,
      lockoutWorkflowUrl: temporalUi.workflow,
      secrets,
      publicUrl: config.publicUrl,
      commandPublicKey,
      agentHeartbeatIntervalMs: config.agents.heartbeatIntervalMs,
      logger,
      deviceNotices: devices.notices,
    },
    agent: {
      agents: stores.agents,
      audit: stores.audit,
      clientKeys: stores.clientKeys,
      temporal: { address: config.agentTemporalAddress ?? config.temporal.address, namespace: temporal.namespace },
      agentTarget: temporal.taskQueues.agentTargetOf,
      provisionAgentTarget: temporal.provisionAgentTarget,
      heartbeatIntervalMs: config.agents.heartbeatIntervalMs,
      logger,
      startLockoutWatch: lockoutWatchStarter(client, taskQueue),
    },
    pages: {
      enrollment: new EnrollmentService({
        temporal: client,
        secrets,
        enrollments: stores.enrollments,
        tenants: stores.tenants,
        defaultPhoneRegion: config.defaultPhoneRegion,
        smsCountries: config.smsAllowedCountries,
      }),
      pairing: devices.pairing,
      secrets,
      rateLimits: stores.rateLimits,
      csrf,
      sessions,
      render: renderPage,
      logger,
      defaultPhoneRegion: config.defaultPhoneRegion,
      serviceNumber: config.sms.serviceNumber,
      codeTtlMs: config.enrollment.codeTtlMs,
      requestsPerIpPerMinute: config.limits.requestsPerIpPerMinute,
    },
    disown: {
      disown: new DisownService({
        secrets,
        enrollments: stores.enrollments,
        tenants: stores.tenants,
        transact: createTransact(deps.db),
        alerts: buildMspAlerter(config, stores, deps.providers, deps.render),
        logger,
      }),
      secrets,
      rateLimits: stores.rateLimits,
      csrf,
      render: renderPage,
      logger,
      requestsPerIpPerMinute: config.limits.requestsPerIpPerMinute,
    },
    codec: {
      codec: temporal.displayCodec,
      namespace: temporal.namespace,
      adminToken: config.codecAdminToken,
      uiOrigin: new URL(config.temporal.uiUrl).origin,
      consoleSessions,
      scope: new CodecMspScope({
        clientOfUser: async (userId) => (await stores.users.getById(userId))?.client_id,
        clientIsMsps: async (mspId, clientId) =>
          !!(await stores.tenants.getClient({ mspId, clientId: null }, clientId)),
        clientOfNexusEndpoint: temporal.clientOfNexusEndpoint,
      }),
      secrets,
      loginFailuresPerHour: config.codecAdmin.loginFailuresPerHour,
      rateLimits: stores.rateLimits,
      audit: new CodecAudit({ audit: stores.audit, clientOfNexusEndpoint: temporal.clientOfNexusEndpoint }),
      logger,
    },
    console: {
      sessions: consoleSessions,
      temporalUi,
      signIn: new ConsoleSignInService({
        technicians: stores.technicians,
        rateLimits: stores.rateLimits,
        audit: stores.audit,
        secrets,
        limits: DEFAULT_SIGN_IN_LIMITS,
      }),
      accounts: new TechnicianAccountsService({ technicians: stores.technicians, audit: stores.audit, secrets }),
      passkeys: new ConsolePasskeysService({
        passkeys: stores.technicianPasskeys,
        technicians: stores.technicians,
        audit: stores.audit,
        secrets,
        site: webAuthnSiteOf(config.publicUrl),
      }),
      passkeyRows: (technicianId) => stores.technicianPasskeys.list(technicianId),
      sso: buildConsoleSso({ config, stores, secrets, logger }),
      technicians: stores.technicians,
      apiKeys: stores.apiKeys,
      apiKeyAdmin,
      dashboard: stores.consoleDashboard,
      activation,
      // The user page's reads and buttons: the API's own stores and services.
      tenants: stores.tenants,
      lockoutsStore: stores.lockouts,
      devices: stores.devices,
      passwordResets: stores.passwordResets,
      userHistory: stores.userHistory,
      resets,
      lockouts,
      deviceNotices: devices.notices,
      audit: stores.audit,
      csrf,
      secrets,
      rateLimits: stores.rateLimits,
      requestsPerIpPerMinute: config.limits.requestsPerIpPerMinute,
      render: renderPage,
      logger,
      client: {
        tenants: stores.tenants,
        users: stores.users,
        lockouts: stores.lockouts,
        agents: stores.agents,
        activation,
        userImport,
        policy,
        agentCredentials,
        agentHeartbeatIntervalMs: config.agents.heartbeatIntervalMs,
        agentSetup: {
          serverUrl: config.publicUrl,
          temporalAddress: config.agentTemporalAddress ?? config.temporal.address,
          commandPublicKey,
        },
      },
    },
    devices: {
      api: devices,
      pages: {
        registration: devices.registration,
        enrollments: stores.enrollments,
        sessions,
        csrf,
        rateLimits: stores.rateLimits,
        secrets,
        requestsPerIpPerMinute: config.limits.requestsPerIpPerMinute,
        logger,
      },
    },
    outbox: deps.providers.outbox,
    publicUrl: config.publicUrl,
    https: config.http.https,
    loopbackOnly: config.http.loopbackOnly,
    inboundSms:
      config.sms.provider === 'twilio'
        ? {
            via: 'twilio',
            service: inboundSms,
            authToken: config.sms.authToken,
            webhookUrl: `${config.publicUrl}/webhooks/twilio/sms`,
            accountSid: config.sms.accountSid,
            serviceNumber: config.sms.serviceNumber,
            messages: stores.twilioMessages,
          }
        : { via: 'outbox', service: inboundSms },
    render: renderPage,
    trustProxy: config.http.trustProxy,
    logger,
    health: deps.health,
  });

  if (deps.providers.outbox && !config.http.loopbackOnly) {
    logger.warn('The outbox is not served: LATCHKEY_HTTP_HOST is not a loopback address', {
      host: config.http.host,
    });
  }
  const server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.http.port, config.http.host, () => resolve());
  });
  cleanups.push(
    'close the HTTP server',
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  const { port } = server.address() as AddressInfo;
  const host = config.http.host.includes(':') ? `[${config.http.host}]` : config.http.host;
  return { url: `http://${host}:${port}` };
}
