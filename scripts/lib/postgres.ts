import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import pg from 'pg';

type Say = (line: string) => void;

async function canConnect(url: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (error) {
    return (error as Error).message;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Tests need a real PostgreSQL. On this kind of machine one runs on 127.0.0.1:5432; if it has stopped, start it
 * the way the machine does, rather than failing with a bare ECONNREFUSED.
 */
export async function ensurePostgres(adminUrl: string, say: Say): Promise<void> {
  const problem = await canConnect(adminUrl);
  if (!problem) return;
  const host = new URL(adminUrl).hostname;
  const local = ['127.0.0.1', 'localhost', '::1'].includes(host);
  if (local && existsSync('/etc/postgresql')) {
    for (const version of readdirSync('/etc/postgresql')) {
      say(`PostgreSQL is not answering (${problem}); starting cluster ${version}/main…`);
      spawnSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start'], { stdio: 'inherit' });
    }
    if (!(await canConnect(adminUrl))) return;
  }
  throw new Error(
    `Cannot reach PostgreSQL at ${new URL(adminUrl).host}: ${problem}. Start it, or set DATABASE_URL to a server where this user may CREATE DATABASE.`,
  );
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Drops databases left behind by test runs that were killed before they could clean up. A name carries its
 * runner's pid (test/support/database.ts), so the databases of a run still going on beside this one are kept.
 */
export async function dropStaleTestDatabases(adminUrl: string, prefix: string): Promise<number> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>('select datname from pg_database where datname like $1', [
      `${prefix}%`,
    ]);
    const stale = rows.filter(({ datname }) => {
      const pid = /^(\d+)_/.exec(datname.slice(prefix.length))?.[1];
      return !pid || !isRunning(Number(pid));
    });
    for (const { datname } of stale) await client.query(`drop database if exists "${datname}" with (force)`);
    return stale.length;
  } finally {
    await client.end();
  }
}
