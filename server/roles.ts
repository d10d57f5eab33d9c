import type { Config } from './config';
import { ConfigError } from '../common/errors';
import type { TemporalSettings } from '../common/temporal/settings';
import { ROLES, startLatchkey, type LatchkeyRuntime, type Role, type StartOptions } from './runtime';

export interface CentralArgs {
  role: Role;
  /** `--workflow-bundle=<file>`: a bundle from `npm run build:workflow-bundle`, so the worker skips bundling. */
  workflowBundlePath?: string;
}

/** `--role=api` or `--role api` (default `all`), and `--workflow-bundle=<file>`. */
export function parseCentralArgs(argv: readonly string[]): CentralArgs {
  const valueOf = (flag: string) => {
    const at = argv.findIndex((arg) => arg === flag || arg.startsWith(`${flag}=`));
    if (at === -1) return undefined;
    return argv[at]!.includes('=') ? argv[at]!.slice(flag.length + 1) : (argv[at + 1] ?? '');
  };
  const role = valueOf('--role') ?? 'all';
  if (!ROLES.includes(role as Role))
    throw new ConfigError([`--role must be one of ${ROLES.join(', ')} (got "${role}")`]);
  const unknown = argv.filter((arg) => arg.startsWith('--') && !/^--(role|workflow-bundle)(=|$)/.test(arg));
  if (unknown.length)
    throw new ConfigError([`unknown option(s) ${unknown.join(' ')}; use --role and --workflow-bundle`]);
  return { role: role as Role, workflowBundlePath: valueOf('--workflow-bundle') || undefined };
}

/** PGlite takes a single connection, so the HTTP server and the worker cannot be split across processes on it. */
export function checkRoleFitsDatabase(role: Role, config: Pick<Config, 'databaseUrl'>): void {
  if (role !== 'all' && !config.databaseUrl) {
    throw new ConfigError([
      `--role=${role} needs DATABASE_URL (PostgreSQL): the embedded PGlite database takes a single connection, ` +
        'so the HTTP server and the worker share one process on it (--role=all, what `npm start` runs)',
    ]);
  }
}

/** Starts one central process in its role, after checking that the role can run on the configured database. */
export async function startCentral(
  role: Role,
  config: Config,
  settings: TemporalSettings,
  options: Omit<StartOptions, 'role' | 'testHooks'> = {},
): Promise<LatchkeyRuntime> {
  checkRoleFitsDatabase(role, config);
  return startLatchkey(config, settings, { ...options, role });
}
