import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { installSdkLogger } from '../common/temporal/sdk-logger';
import { createCentralActivities } from '../activities';
import { loadMessageTemplates } from '../activities/message-templates';
import type { Config } from '../common/config';
import { Secrets } from '../common/crypto/secrets';
import { createLogger, errorFields, type Logger } from '../common/logger';
import { createCentralDataConverter } from '../common/temporal/central-data-converter';
import { centralKeyRing } from '../common/temporal/client-codec-keys';
import { EncryptionCodec } from '../common/temporal/encryption-codec';
import { ensureNamespace } from '../common/temporal/namespace';
import { agentTaskQueue, loadTemporalSettings } from '../common/temporal/settings';
import { Outbox } from '../plugins/outbox/outbox';
import { createEmailProvider, createSmsProvider } from '../plugins/registry';
import { createApp } from './app';
import { AgentsStore } from './db/agents.store';
import { ApiKeysStore } from './db/api-keys.store';
import { PasswordResetsStore } from './db/password-resets.store';
import { ResetService } from './services/reset.service';
import { InboundSmsService } from './services/inbound-sms.service';
import type { PasswordResetInput } from '../workflows/password-reset.workflow';
import { AuditStore } from './db/audit.store';
import { connectDatabase, type Database } from './db/connect';
import { EnrollmentsStore } from './db/enrollments.store';
import { migrateToLatest } from './db/migrate';
import { RateLimitStore } from './db/rate-limit.store';
import { TenantsStore } from './db/tenants.store';
import { UsersStore } from './db/users.store';
import { Csrf } from './http/csrf';
import { EnrollmentSessions } from './http/enrollment-session';
import { loadPageRenderer } from './http/page-renderer';
import { ActivationService } from './services/activation.service';
import { ensurePurgeRateLimitsSchedule } from './maintenance-schedule';
import { createCentralWorker } from './worker';

export interface StartOptions {
  logger?: Logger;
  /** Overrides temporal.yaml's central queue, so parallel test files do not steal each other's tasks. */
  taskQueue?: string;
  runWorker?: boolean;
  /** Use this outbox instead of a new one (tests read messages from it directly). */
  outbox?: Outbox;
  /** Overrides temporal.yaml's agent queue prefix, for the same reason as taskQueue. */
  agentTaskQueuePrefix?: string;
  /** Bounds on the directory step of a reset (tests shrink them). */
  directoryTimeouts?: PasswordResetInput['directory'];
}

export interface LatchkeyRuntime {
  url: string;
  config: Config;
  db: Database;
  temporal: Client;
  outbox?: Outbox;
  namespace: string;
  taskQueue: string;
  stores: {
    tenants: TenantsStore;
    apiKeys: ApiKeysStore;
    users: UsersStore;
    audit: AuditStore;
    enrollments: EnrollmentsStore;
    agents: AgentsStore;
    passwordResets: PasswordResetsStore;
  };
  resets: ResetService;
  agentTaskQueue: (clientId: string) => string;
  secrets: Secrets;
  /** Settles when the worker stops; rejects if it crashed. */
  workerStopped: Promise<void>;
  stop(): Promise<void>;
}

/**
 * The composition root: builds every dependency once and wires the HTTP server and the central worker. In
 * embedded-database mode both must live in this one process, because PGlite takes a single connection.
 */
export async function startLatchkey(config: Config, options: StartOptions = {}): Promise<LatchkeyRuntime> {
  const logger = options.logger ?? createLogger(config.logLevel, { service: 'latchkey' });
  const unregisterSdkLogger = installSdkLogger(logger, config.logLevel);
  const settings = loadTemporalSettings();
  const namespace = config.temporal.namespace ?? settings.namespace;
  const taskQueue = options.taskQueue ?? settings.taskQueues.central;
  const cleanups: Array<() => Promise<unknown>> = [async () => unregisterSdkLogger()];
  const stopAll = async () => {
    for (const cleanup of cleanups.reverse())
      await cleanup().catch((error) => logger.warn('Shutdown step failed', errorFields(error)));
  };

  try {
    const db = connectDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
    cleanups.push(() => db.destroy());
    await migrateToLatest(db);

    const secrets = new Secrets(config.masterKey);
    const stores = {
      tenants: new TenantsStore(db),
      apiKeys: new ApiKeysStore(db, secrets),
      users: new UsersStore(db),
      audit: new AuditStore(db),
      enrollments: new EnrollmentsStore(db),
      rateLimits: new RateLimitStore(db),
      agents: new AgentsStore(db, secrets),
      passwordResets: new PasswordResetsStore(db),
    };
    const queueOfAgent = (clientId: string) =>
      options.agentTaskQueuePrefix ? `${options.agentTaskQueuePrefix}${clientId}` : agentTaskQueue(settings, clientId);

    // One native connection for the client and the worker: it lets the client ask for eager workflow start,
    // which hands a new reset straight to this process's worker and saves a round trip to the server.
    const clientConnection = await NativeConnection.connect({ address: config.temporal.address });
    cleanups.push(() => clientConnection.close());
    await ensureNamespace(clientConnection, namespace, settings.retentionMs);
    const dataConverter = createCentralDataConverter(config.codecKeys, config.masterKey);
    const temporal = new Client({ connection: clientConnection, namespace, dataConverter });

    // The outbox exists only when some messages go to it; it is shown at /outbox only then.
    const usesOutbox = config.email.provider === 'outbox' || config.sms.provider === 'outbox';
    const outbox = usesOutbox ? (options.outbox ?? new Outbox()) : undefined;
    const providerDeps = { outbox };
    const email = createEmailProvider(config.email, providerDeps);
    const sms = createSmsProvider(config.sms, providerDeps);
    cleanups.push(async () => {
      await email.close?.();
      await sms.close?.();
    });

    const messageTemplates = loadMessageTemplates();
    let worker: Worker | undefined;
    let workerStopped: Promise<void> = Promise.resolve();
    if (options.runWorker !== false) {
      worker = await createCentralWorker({
        connection: clientConnection,
        namespace,
        taskQueue,
        dataConverter,
        activities: createCentralActivities({
          db,
          stores,
          secrets,
          email,
          sms,
          render: messageTemplates,
          urls: { publicUrl: config.publicUrl, appUrl: config.appUrl },
          limits: { smsPerDay: config.limits.smsPerUserPerDay },
        }),
      });
      // The central worker owns the maintenance schedules; it is what runs their workflows.
      await ensurePurgeRateLimitsSchedule(temporal, taskQueue, logger);
      const running = worker.run();
      workerStopped = running;
      cleanups.push(async () => {
        if (worker!.getState() === 'RUNNING') worker!.shutdown();
        await running.catch(() => undefined);
      });
    }

    const render = loadPageRenderer();
    const secureCookies = config.publicUrl.startsWith('https://');
    const activation = new ActivationService({
      temporal,
      taskQueue,
      policy: config.enrollment,
      users: stores.users,
      audit: stores.audit,
    });
    const resets = new ResetService({
      temporal,
      taskQueue,
      agentTaskQueue: queueOfAgent,
      tenants: stores.tenants,
      rateLimits: stores.rateLimits,
      audit: stores.audit,
      passwordResets: stores.passwordResets,
      directoryTimeouts: options.directoryTimeouts,
      eagerStart: options.runWorker !== false,
    });
    const inboundSms = new InboundSmsService({
      users: stores.users,
      audit: stores.audit,
      rateLimits: stores.rateLimits,
      secrets,
      resets,
      render: messageTemplates,
      defaultPhoneRegion: config.defaultPhoneRegion,
      logger,
    });
    const app = createApp({
      api: { ...stores, activation, resets, secrets, publicUrl: config.publicUrl, logger },
      agent: {
        agents: stores.agents,
        masterKey: config.masterKey,
        temporal: { address: config.agentTemporalAddress ?? config.temporal.address, namespace },
        agentTaskQueue: queueOfAgent,
        logger,
      },
      pages: {
        temporal,
        secrets,
        ...stores,
        csrf: new Csrf(secrets, secureCookies),
        sessions: new EnrollmentSessions(secrets, secureCookies),
        render,
        logger,
        defaultPhoneRegion: config.defaultPhoneRegion,
        serviceNumber: config.sms.serviceNumber,
        codeTtlMs: config.enrollment.codeTtlMs,
        requestsPerIpPerMinute: config.limits.requestsPerIpPerMinute,
      },
      codec: {
        codec: new EncryptionCodec(centralKeyRing(config.codecKeys, config.masterKey)),
        adminToken: config.codecAdminToken,
        uiOrigin: new URL(config.temporal.uiUrl).origin,
        secrets,
        secureCookies,
        logger,
      },
      outbox,
      inboundSms:
        config.sms.provider === 'twilio'
          ? {
              via: 'twilio',
              service: inboundSms,
              authToken: config.sms.authToken,
              webhookUrl: `${config.publicUrl}/webhooks/twilio/sms`,
            }
          : { via: 'outbox', service: inboundSms },
      render,
      trustProxy: config.http.trustProxy,
      logger,
      health: async () => ({
        database: await db.raw('select 1').then(
          () => 'ok' as const,
          (error: Error) => error.message,
        ),
        temporal: await clientConnection.healthService.check({}).then(
          () => 'ok' as const,
          (error: Error) => error.message,
        ),
        worker: !worker ? 'ok' : worker.getState() === 'RUNNING' ? 'ok' : `worker is ${worker.getState()}`,
      }),
    });

    const server: Server = createServer(app);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.http.port, config.http.host, () => resolve());
    });
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    );
    const address = server.address() as AddressInfo;
    const url = `http://${config.http.host.includes(':') ? `[${config.http.host}]` : config.http.host}:${address.port}`;

    return {
      url,
      config,
      db,
      temporal,
      outbox,
      namespace,
      taskQueue,
      stores,
      secrets,
      resets,
      agentTaskQueue: queueOfAgent,
      workerStopped,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
