import { randomBytes, randomUUID } from 'node:crypto';
import type { ClientSettings } from '../../common/domain/client-policy';
import { loadConfig, type Config } from '../../server/config';
import { createLogger, type LogLevel } from '../../common/logger';
import { Outbox } from '../../plugins/dev-outbox/outbox';
import { loadTemporalSettings } from '../../common/temporal/settings';
import {
  makeAgentHealthWatchWorkflowId,
  makePurgeConsoleSessionsScheduleId,
  makePurgeRateLimitsScheduleId,
} from '../../common/domain/workflow-ids';
import { startLatchkey, type LatchkeyRuntime, type RuntimeInternals, type TestHooks } from '../../server/runtime';
import { createTestDatabase, type TestDatabase } from './database';
import { testEnv } from './env';

export const key32 = () => randomBytes(32).toString('base64');

/** The runtime as tests see it: its public surface with its internals flattened in, for brevity. */
export type TestRuntime = LatchkeyRuntime & RuntimeInternals;

export interface TestStack {
  runtime: TestRuntime;
  database: TestDatabase;
  outbox: Outbox;
  /** Every log line the app wrote, for the no-secrets-in-logs checks. */
  logs: string[];
  config: Config;
  url: string;
  temporalAddress: string;
  stop(): Promise<void>;
}

/** Where a stack's messages can be read: its own outbox, or the vendor fakes a separate process sends to. */
type MessageReader = Pick<Outbox, 'list' | 'waitFor'>;

/**
 * What helpers that drive a stack from outside need (pages, API, agents): its address, where its messages land
 * and its Temporal server. A TestStack is one; so is a central process of its own (bench:reset).
 */
export type ReachableStack = Pick<TestStack, 'url' | 'temporalAddress'> & { outbox: MessageReader };

export interface TestStackOptions {
  /** Extra or overriding environment variables, in the same form as .env. */
  env?: Record<string, string>;
  directoryTimeouts?: TestHooks['directoryTimeouts'];
  /** A Temporal server of the test's own (one it stops and restarts) instead of the shared one. */
  temporalAddress?: string;
  /** Benchmarks lower this: formatting debug lines is CPU the app would not spend in production. */
  logLevel?: LogLevel;
  /** 'api' starts HTTP only (no worker to bundle), as a second replica or a restart beside another stack. */
  role?: 'api' | 'all';
  /** Another stack's database, shared rather than created; it is left for that stack to drop. */
  database?: TestDatabase;
  /** TLS for push: `fakePushService.agent()` (or a FakeFcm's `agent()`), with PUSH_PROVIDER=web-push in `env`. */
  pushAgent?: TestHooks['pushAgent'];
}

/**
 * The whole app in this process, against real PostgreSQL (a fresh database) and the real Temporal dev server
 * that `npm test` started, on a task queue of its own so that test files running side by side do not pick up
 * each other's tasks.
 */
export async function startTestStack(options: TestStackOptions = {}): Promise<TestStack> {
  const temporalAddress = options.temporalAddress ?? testEnv().temporalAddress;
  if (options.database) return startOn(options.database, temporalAddress, options, false);
  const database = await createTestDatabase();
  try {
    return await startOn(database, temporalAddress, options, true);
  } catch (error) {
    // A stack that failed to start must not leave its database behind.
    await database.drop().catch(() => undefined);
    throw error;
  }
}

async function startOn(
  database: TestDatabase,
  temporalAddress: string,
  options: TestStackOptions,
  ownsDatabase: boolean,
): Promise<TestStack> {
  const config = loadConfig({
    LATCHKEY_MASTER_KEY: key32(),
    LATCHKEY_CODEC_KEYS: `test1:${key32()}`,
    LATCHKEY_CODEC_ADMIN_TOKEN: randomBytes(24).toString('base64url'),
    LATCHKEY_HTTP_PORT: '0',
    LATCHKEY_PUBLIC_URL: 'http://localhost',
    LATCHKEY_LOG_LEVEL: 'debug',
    DATABASE_URL: database.url,
    TEMPORAL_ADDRESS: temporalAddress,
    RATE_LIMIT_PER_IP_PER_MINUTE: '1000',
    EMAIL_PROVIDER: 'outbox',
    SMS_PROVIDER: 'outbox',
    ...options.env,
  });
  const logs: string[] = [];
  const outbox = new Outbox();
  const runtime = await startLatchkey(config, loadTemporalSettings(), {
    role: options.role ?? 'all',
    logger: createLogger(options.logLevel ?? 'debug', { service: 'latchkey-test' }, (line) => void logs.push(line)),
    testHooks: {
      taskQueue: `test-${randomUUID()}`,
      directoryTimeouts: options.directoryTimeouts,
      outbox,
      pushAgent: options.pushAgent,
    },
  });
  return {
    runtime: { ...runtime, ...runtime.internals },
    database,
    outbox,
    logs,
    config,
    url: runtime.url!,
    temporalAddress,
    async stop() {
      try {
        // The schedules are named after this stack's task queue; left behind, they would fire into a queue no one polls.
        for (const scheduleId of [makePurgeRateLimitsScheduleId, makePurgeConsoleSessionsScheduleId])
          await runtime.internals.temporal.schedule
            .getHandle(scheduleId(runtime.internals.taskQueue))
            .delete()
            .catch(() => undefined);
        await stopLockoutWatches(runtime.internals.temporal, runtime.internals.taskQueue);
        await runtime.internals.temporal.workflow
          .getHandle(makeAgentHealthWatchWorkflowId(runtime.internals.taskQueue))
          .terminate('test stack stopped')
          .catch(() => undefined);
        await runtime.stop();
      } finally {
        if (ownsDatabase) await database.drop();
      }
    },
  };
}

/** An MSP with one client and an MSP-wide API key, created straight through the stores. */
/**
 * An MSP with an API key and one client. The client needs no SMS PIN unless `settings` says so, as a client
 * created before the PIN became the default: most journeys test something else, and the default has its own test.
 */
export async function createTenant(
  stack: TestStack,
  name = 'Acme IT',
  settings: ClientSettings = { requireSmsPin: false },
) {
  const msp = await stack.runtime.stores.tenants.createMsp(name);
  const key = await stack.runtime.stores.apiKeys.issue({ mspId: msp.id, clientId: null }, 'test');
  const client = await stack.runtime.stores.tenants.createClient(msp.id, `${name} client`, settings);
  if (client === 'duplicate') throw new Error('unexpected duplicate client');
  return { mspId: msp.id, apiKey: key.token, clientId: client.id };
}

/**
 * Every agent's start starts its client's lockout watch on this stack's queue; left running, it would keep
 * calling agents of a test that has ended, on the shared dev server.
 */
async function stopLockoutWatches(temporal: TestRuntime['temporal'], taskQueue: string): Promise<void> {
  try {
    const query = `WorkflowType = 'lockoutWatchWorkflow' AND TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running'`;
    for await (const execution of temporal.workflow.list({ query })) {
      await temporal.workflow
        .getHandle(execution.workflowId)
        .terminate('test stack stopped')
        .catch(() => undefined);
    }
  } catch {
    // Visibility may lag or be unavailable; a watch left behind only polls a queue no worker serves.
  }
}
