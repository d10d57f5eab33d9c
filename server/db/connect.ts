import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import knex, { type Knex } from 'knex';
import ClientPgLite from 'knex-pglite';

export type Database = Knex;

export interface DatabaseOptions {
  /** A postgres:// URL. Without it, an embedded PGlite store under dataDir is used. */
  databaseUrl?: string;
  dataDir: string;
  poolMax?: number;
}

/**
 * One SQL dialect everywhere: real PostgreSQL in production and tests, PGlite (PostgreSQL compiled to WASM)
 * for `npm start` on a machine with no database server. PGlite allows a single connection, so in that mode
 * the HTTP server and the worker share one process.
 */
export function connectDatabase(options: DatabaseOptions): Database {
  if (options.databaseUrl) {
    return knex({
      client: 'pg',
      connection: options.databaseUrl,
      pool: { min: 0, max: options.poolMax ?? 10 },
    });
  }
  const directory = join(options.dataDir, 'pglite');
  mkdirSync(directory, { recursive: true });
  return knex({ client: ClientPgLite, dialect: 'postgres', connection: { filename: directory } } as Knex.Config);
}

export function describeDatabase(options: DatabaseOptions): string {
  if (!options.databaseUrl) return `embedded PGlite in ${join(options.dataDir, 'pglite')}`;
  const url = new URL(options.databaseUrl);
  return `PostgreSQL at ${url.hostname}:${url.port || 5432}${url.pathname}`;
}
