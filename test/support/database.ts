import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { connectDatabase, type Database } from '../../server/db/connect';
import { testEnv } from './env';

export const TEST_DATABASE_PREFIX = 'latchkey_test_';

export interface TestDatabase {
  url: string;
  name: string;
  /** A knex handle for assertions; the app under test opens its own. */
  db: Database;
  drop(): Promise<void>;
}

/** A fresh, empty database per test file, so files can run in parallel and never see each other's rows. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = testEnv().postgresUrl;
  // The runner's pid in the name lets a later run tell a leftover from a database a concurrent run still uses.
  const runner = process.env.LATCHKEY_TEST_RUNNER_PID ?? String(process.pid);
  const name = `${TEST_DATABASE_PREFIX}${runner}_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database "${name}"`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const db = connectDatabase({ databaseUrl: url.toString(), dataDir: '', poolMax: 4 });
  return {
    url: url.toString(),
    name,
    db,
    async drop() {
      await db.destroy();
      const cleanup = new pg.Client({ connectionString: adminUrl });
      await cleanup.connect();
      await cleanup.query(`drop database if exists "${name}" with (force)`);
      await cleanup.end();
    },
  };
}
