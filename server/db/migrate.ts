import type { Knex } from 'knex';
import * as initial from './migrations/001-initial';
import * as agentsAndResets from './migrations/002-agents-and-resets';
import * as clientKeyGenerations from './migrations/003-client-key-generations';
import * as enrollmentVerification from './migrations/004-enrollment-verification';
import * as pendingResets from './migrations/005-pending-resets';
import * as enrollmentOwnerNotices from './migrations/006-enrollment-owner-notices';
import * as auditEventsWithoutTenant from './migrations/007-audit-events-without-tenant';
import * as smsResetGuards from './migrations/008-sms-reset-guards';
import * as appDevices from './migrations/009-app-devices';
import * as lockouts from './migrations/010-lockouts';
import * as apiKeyRoles from './migrations/011-api-key-roles';
import * as technicians from './migrations/012-technicians';
import * as agentHealth from './migrations/013-agent-health';
import * as auditEventIndexes from './migrations/015-audit-event-indexes';
import * as mspSso from './migrations/016-msp-sso';

interface Migration {
  up(db: Knex): Promise<void>;
  down(db: Knex): Promise<void>;
}

/** Migrations are listed in code rather than discovered on disk, so they work the same under tsx and bundlers. */
const MIGRATIONS: ReadonlyArray<readonly [string, Migration]> = [
  ['001-initial', initial],
  ['002-agents-and-resets', agentsAndResets],
  ['003-client-key-generations', clientKeyGenerations],
  ['004-enrollment-verification', enrollmentVerification],
  ['005-pending-resets', pendingResets],
  ['006-enrollment-owner-notices', enrollmentOwnerNotices],
  ['007-audit-events-without-tenant', auditEventsWithoutTenant],
  ['008-sms-reset-guards', smsResetGuards],
  ['009-app-devices', appDevices],
  ['010-lockouts', lockouts],
  ['011-api-key-roles', apiKeyRoles],
  ['012-technicians', technicians],
  ['013-agent-health', agentHealth],
  ['015-audit-event-indexes', auditEventIndexes],
  ['016-msp-sso', mspSso],
];

const source: Knex.MigrationSource<string> = {
  getMigrations: async () => MIGRATIONS.map(([name]) => name),
  getMigrationName: (name) => name,
  getMigration: async (name) => MIGRATIONS.find(([candidate]) => candidate === name)![1],
};

export async function migrateToLatest(db: Knex): Promise<void> {
  await db.migrate.latest({ migrationSource: source });
}

/** Undoes the newest migration only, for a test that needs the schema as it was just before it. */
export async function rollbackLatest(db: Knex): Promise<void> {
  await db.migrate.down({ migrationSource: source });
}

export async function rollbackAll(db: Knex): Promise<void> {
  await db.migrate.rollback({ migrationSource: source }, true);
}

/** When and in which batch a migration ran here (its row in knex_migrations), or undefined if it has not. */
export async function migrationRecord(db: Knex, name: string): Promise<{ batch: number; ranAt: Date } | undefined> {
  const row: { batch: number; migration_time: Date } | undefined = await db('knex_migrations')
    .where({ name })
    .first('batch', 'migration_time');
  return row ? { batch: row.batch, ranAt: new Date(row.migration_time) } : undefined;
}
