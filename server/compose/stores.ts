import type { Config } from '../config';
import { Secrets } from '../../common/crypto/secrets';
import { AgentHealthStore } from '../db/agent-health.store';
import { AgentsStore } from '../db/agents.store';
import { ApiKeysStore } from '../db/api-keys.store';
import { AuditStore } from '../db/audit.store';
import { ClientKeysStore } from '../db/client-keys.store';
import { connectDatabase, type Database } from '../db/connect';
import { DeviceChallengesStore } from '../db/device-challenges.store';
import { DevicesStore } from '../db/devices.store';
import { EnrollmentsStore } from '../db/enrollments.store';
import { migrateToLatest } from '../db/migrate';
import { PairingTokensStore } from '../db/pairing-tokens.store';
import { PasswordResetsStore } from '../db/password-resets.store';
import { LockoutsStore } from '../db/lockouts.store';
import { RateLimitStore } from '../db/rate-limit.store';
import { TenantsStore } from '../db/tenants.store';
import { TwilioMessagesStore } from '../db/twilio-messages.store';
import { UsersStore } from '../db/users.store';
import { TechniciansStore } from '../db/technicians.store';
import { TechnicianSessionsStore } from '../db/technician-sessions.store';
import { ConsoleDashboardStore } from '../db/console-dashboard.store';
import { TechnicianPasskeysStore } from '../db/technician-passkeys.store';
import { SsoConfigsStore } from '../db/sso-configs.store';
import { SsoAttemptsStore } from '../db/sso-attempts.store';
import { UserHistoryStore } from '../db/user-history.store';
import type { CleanupStack } from './cleanup-stack';

export type Stores = ReturnType<typeof createStores>;

function createStores(db: Database, secrets: Secrets, config: Pick<Config, 'masterKey' | 'agents'>) {
  const users = new UsersStore(db);
  return {
    tenants: new TenantsStore(db),
    apiKeys: new ApiKeysStore(db, secrets),
    users,
    lockoutUsers: users,
    lockouts: new LockoutsStore(db),
    audit: new AuditStore(db),
    enrollments: new EnrollmentsStore(db),
    rateLimits: new RateLimitStore(db),
    agents: new AgentsStore(db, secrets),
    agentHealth: new AgentHealthStore(db),
    passwordResets: new PasswordResetsStore(db),
    clientKeys: new ClientKeysStore(db, config.masterKey),
    twilioMessages: new TwilioMessagesStore(db),
    devices: new DevicesStore(db),
    pairingTokens: new PairingTokensStore(db),
    deviceChallenges: new DeviceChallengesStore(db),
    technicians: new TechniciansStore(db),
    technicianSessions: new TechnicianSessionsStore(db),
    consoleDashboard: new ConsoleDashboardStore(db, config.agents.heartbeatIntervalMs),
    technicianPasskeys: new TechnicianPasskeysStore(db),
    ssoConfigs: new SsoConfigsStore(db),
    ssoAttempts: new SsoAttemptsStore(db),
    userHistory: new UserHistoryStore(db),
  };
}

/** Opens the database, brings its schema up to date and builds every store over it. */
export async function buildStores(config: Config, cleanups: CleanupStack) {
  const db = connectDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  cleanups.push('close the database', () => db.destroy());
  // Every role migrates: knex's migration lock lets replicas that start together take turns.
  await migrateToLatest(db);
  const secrets = new Secrets(config.masterKey);
  return { db, secrets, stores: createStores(db, secrets, config) };
}
