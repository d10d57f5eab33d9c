import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Secrets } from '../common/crypto/secrets';
import { ConfigError, ConflictError, NotFoundError } from '../common/errors';
import { loadConfig } from '../server/config';
import { API_KEY_ROLES, isApiKeyRole, type ApiKeyRole } from '../common/domain/api-key-roles';
import { ApiKeysStore, type ApiKeyRecord } from '../server/db/api-keys.store';
import { ApiKeysService } from '../server/services/api-keys.service';
import { AuditStore } from '../server/db/audit.store';
import type { Scope } from '../server/db/scope';
import { connectDatabase } from '../server/db/connect';
import { migrateToLatest } from '../server/db/migrate';
import { TenantsStore } from '../server/db/tenants.store';
import { ensureDevSecrets } from './lib/dev-secrets';
import { TechniciansStore, type TechnicianRecord } from '../server/db/technicians.store';
import { TechnicianAccountsService } from '../server/services/technician-accounts.service';
import { printTechnicianCredentials } from './lib/technician-credentials';
import { SsoConfigsStore } from '../server/db/sso-configs.store';
import { SsoSettingsService } from '../server/services/sso/sso-settings.service';

const USAGE = `Latchkey admin CLI

  npm run latchkey -- msp create --name <name>
      Creates an MSP and prints its first API key (shown once).
  npm run latchkey -- api-key create --msp <mspId> [--client <clientId>] --name <label>
                                   [--role admin|helpdesk|read_only] [--expires <ISO time>]
      Issues another API key (shown once); with --client it sees only that client. The role is admin unless
      --role says otherwise; with --expires the key stops working at that time.
  npm run latchkey -- api-key list --msp <mspId>
      Lists the MSP's API keys: id, role, scope, name, expiry, last use, revocation. Never a secret.
  npm run latchkey -- api-key revoke --msp <mspId> --id <apiKeyId>
      Revokes a key at once. The MSP's last usable MSP-wide admin key is kept: issue another first.
  npm run latchkey -- technician create --msp <mspId> --email <email> [--name <display name>]
                                      [--role admin|helpdesk|read_only]
      Adds a console technician (admin unless --role says otherwise) and prints, once, a generated password
      and the TOTP secret (otpauth:// URI and QR code) for their authenticator app.
  npm run latchkey -- technician list --msp <mspId>
      Lists the MSP's technicians: id, role, email, last sign-in, status. Never a secret.
  npm run latchkey -- technician disable --msp <mspId> --id <technicianId>
      Disables a technician and ends their console sessions at once.
  printf %s "$CLIENT_SECRET" | npm run latchkey -- sso set --msp <mspId> --issuer <issuer URL>
                                                        --client-id <client id> --domains <domain>[,<domain>…]
      Turns on single sign-on to the console through the MSP's OIDC provider, for technicians whose email is in
      those domains (each domain names one MSP). The client secret is read from standard input, never from the
      command line, and stored sealed. The issuer's discovery document is fetched first, as a check.
  npm run latchkey -- sso show --msp <mspId>
      Shows the MSP's single sign-on settings. Never the secret.
  npm run latchkey -- sso remove --msp <mspId>
      Turns single sign-on off; technicians sign in with a password and code, or a passkey.

Uses DATABASE_URL, or the embedded database in LATCHKEY_DATA_DIR (stop npm start first: PGlite allows one
process at a time).`;

const COMMANDS = [
  'msp create',
  'api-key create',
  'api-key list',
  'api-key revoke',
  'technician create',
  'technician list',
  'technician disable',
  'sso set',
  'sso show',
  'sso remove',
];
/** Who the audit log names for what the CLI did: whoever can run it holds the database already. */
const CLI_ACTOR = 'cli';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function allKeys(apiKeys: ApiKeysStore, scope: Scope): Promise<ApiKeyRecord[]> {
  const rows: ApiKeyRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await apiKeys.list(scope, { limit: 200, cursor });
    rows.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return rows;
}

const iso = (value: Date | null) => (value ? new Date(value).toISOString() : '-');

function describeKey(row: ApiKeyRecord): string {
  const state = row.revoked_at
    ? `revoked ${iso(row.revoked_at)}`
    : row.expires_at && new Date(row.expires_at) <= new Date()
      ? 'expired'
      : 'active';
  return [
    row.id,
    row.role,
    row.client_id ? `client ${row.client_id}` : 'MSP-wide',
    JSON.stringify(row.name),
    `expires ${iso(row.expires_at)}`,
    `last used ${iso(row.last_used_at)}`,
    state,
  ].join('  ');
}

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      msp: { type: 'string' },
      client: { type: 'string' },
      role: { type: 'string' },
      expires: { type: 'string' },
      id: { type: 'string' },
      email: { type: 'string' },
      issuer: { type: 'string' },
      'client-id': { type: 'string' },
      domains: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  const command = positionals.join(' ');
  if (values.help || !COMMANDS.includes(command)) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  if (!values.name && command.endsWith('create') && command !== 'technician create') {
    console.error('--name is required');
    return 2;
  }
  const role = values.role ?? 'admin';
  if (!isApiKeyRole(role)) {
    console.error(`--role must be one of ${API_KEY_ROLES.join(', ')}`);
    return 2;
  }
  const expiresAt = values.expires === undefined ? null : new Date(values.expires);
  if (expiresAt && (Number.isNaN(expiresAt.getTime()) || expiresAt.getTime() <= Date.now())) {
    console.error('--expires must be a time in the future, such as 2027-01-31T00:00:00Z');
    return 2;
  }
  const dataDir = resolve(process.env.LATCHKEY_DATA_DIR ?? join(__dirname, '..', 'data'));
  // As npm start does: settings missing from the environment come from the data folder's dev secrets.
  const secrets = ensureDevSecrets(dataDir);
  const config = loadConfig({ ...process.env, LATCHKEY_DATA_DIR: dataDir, ...secrets.missing });
  const db = connectDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    await migrateToLatest(db);
    const tenants = new TenantsStore(db);
    const apiKeys = new ApiKeysStore(db, new Secrets(config.masterKey));
    const audit = new AuditStore(db);
    // The API's and the console's rules for issuing and revoking, audited under the CLI.
    const apiKeyAdmin = new ApiKeysService({ apiKeys, tenants, audit });
    if (command === 'msp create') {
      const msp = await tenants.createMsp(values.name!);
      const initial = { name: 'initial', role: 'admin', clientId: null, expiresAt: null } as const;
      const { token } = await apiKeyAdmin.issue({ mspId: msp.id, clientId: null }, initial, CLI_ACTOR);
      console.log(`MSP ${msp.id} created.\nAPI key (shown once; store it safely):\n${token}`);
      return 0;
    }
    if (!values.msp || !(await tenants.getMsp(values.msp))) {
      console.error('--msp must name an existing MSP id');
      return 2;
    }
    if (values.client && !(await tenants.getClient({ mspId: values.msp, clientId: null }, values.client))) {
      console.error('--client must name a client of that MSP');
      return 2;
    }
    const scope = { mspId: values.msp, clientId: null };
    if (command.startsWith('sso ')) {
      const settings = new SsoSettingsService({
        configs: new SsoConfigsStore(db),
        audit,
        secrets: new Secrets(config.masterKey),
      });
      return await ssoCommand(command, values, settings);
    }
    if (command.startsWith('technician ')) {
      const technicians = new TechniciansStore(db);
      const accounts = new TechnicianAccountsService({ technicians, audit, secrets: new Secrets(config.masterKey) });
      return await technicianCommand(command, values, accounts, technicians, role);
    }
    if (command === 'api-key list') {
      for (const row of await allKeys(apiKeys, scope)) console.log(describeKey(row));
      return 0;
    }
    if (command === 'api-key revoke') {
      if (!values.id || !UUID.test(values.id)) {
        console.error('--id must name an API key of that MSP (its id, as api-key list shows)');
        return 2;
      }
      try {
        const { key, already } = await apiKeyAdmin.revokeOnce(scope, values.id, CLI_ACTOR);
        console.log(already ? `API key ${key.id} was already revoked.` : `API key ${key.id} revoked.`);
        return 0;
      } catch (error) {
        if (error instanceof NotFoundError) {
          console.error('--id must name an API key of that MSP (its id, as api-key list shows)');
          return 2;
        }
        if (!(error instanceof ConflictError)) throw error;
        console.error(error.message);
        return 1;
      }
    }
    const { key, token } = await apiKeyAdmin.issue(
      scope,
      { name: values.name!, role, clientId: values.client ?? null, expiresAt },
      CLI_ACTOR,
    );
    console.log(`API key ${key.id} (${role}) created.\nAPI key (shown once; store it safely):\n${token}`);
    return 0;
  } finally {
    await db.destroy();
  }
}

function describeTechnician(row: TechnicianRecord): string {
  return [
    row.id,
    row.role,
    row.email,
    JSON.stringify(row.display_name),
    `last sign-in ${iso(row.last_sign_in_at)}`,
    row.disabled_at ? `disabled ${iso(row.disabled_at)}` : 'active',
  ].join('  ');
}

async function technicianCommand(
  command: string,
  values: { msp?: string; email?: string; name?: string; id?: string },
  accounts: TechnicianAccountsService,
  technicians: TechniciansStore,
  role: ApiKeyRole,
): Promise<number> {
  const mspId = values.msp!;
  if (command === 'technician list') {
    for (const row of await technicians.list(mspId)) console.log(describeTechnician(row));
    return 0;
  }
  if (command === 'technician disable') {
    const outcome =
      values.id && UUID.test(values.id) ? await accounts.disable(mspId, values.id, CLI_ACTOR) : 'not_found';
    if (outcome === 'not_found') {
      console.error('--id must name a technician of that MSP (its id, as technician list shows)');
      return 2;
    }
    if (outcome === 'last_admin') {
      console.error("That is the MSP's last active admin technician; create another admin first");
      return 1;
    }
    console.log(
      outcome === 'disabled' ? `Technician ${values.id} disabled.` : `Technician ${values.id} was already disabled.`,
    );
    return 0;
  }
  const email = values.email?.trim() ?? '';
  if (!/^[^\s@]+@[^\s@]+$/.test(email) || email.length > 320) {
    console.error('--email must be an email address');
    return 2;
  }
  const created = await accounts.create({ mspId, email, displayName: values.name, role }, CLI_ACTOR);
  if (created === 'duplicate') {
    console.error('A technician with that email exists already (an email names one technician across all MSPs)');
    return 1;
  }
  console.log(await printTechnicianCredentials(created));
  return 0;
}

async function readSecretFromStdin(): Promise<string> {
  if (process.stdin.isTTY) console.error('Paste the client secret, then press Enter and Ctrl-D:');
  let text = '';
  for await (const chunk of process.stdin) text += chunk;
  return text.replace(/\r?\n$/, '');
}

async function ssoCommand(
  command: string,
  values: { msp?: string; issuer?: string; 'client-id'?: string; domains?: string },
  settings: SsoSettingsService,
): Promise<number> {
  const mspId = values.msp!;
  if (command === 'sso show') {
    const shown = await settings.describe(mspId);
    if (!shown) console.log('Single sign-on is off for this MSP.');
    else
      console.log(
        [
          `issuer     ${shown.issuer}`,
          `client id  ${shown.clientId}`,
          'secret     set (sealed; never shown)',
          `domains    ${shown.domains.join(', ')}`,
          `changed    ${iso(shown.updatedAt)}`,
        ].join('\n'),
      );
    return 0;
  }
  if (command === 'sso remove') {
    console.log(
      (await settings.remove(mspId, CLI_ACTOR)) ? 'Single sign-on turned off.' : 'Single sign-on was already off.',
    );
    return 0;
  }
  if (!values.issuer || !values['client-id'] || !values.domains) {
    console.error('--issuer, --client-id and --domains are required');
    return 2;
  }
  const outcome = await settings.save(
    mspId,
    {
      issuer: values.issuer,
      clientId: values['client-id'],
      clientSecret: await readSecretFromStdin(),
      domains: values.domains.split(','),
    },
    CLI_ACTOR,
  );
  if (outcome.status === 'invalid') {
    console.error(`Not saved: ${outcome.problem}.`);
    return 2;
  }
  if (outcome.status === 'domain_taken') {
    console.error(`Not saved: another MSP signs in with ${outcome.domains.join(', ')} (a domain names one MSP).`);
    return 1;
  }
  console.log('Single sign-on is on. Technicians still need an account here: sso does not create any.');
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof ConfigError ? error.message : `latchkey: ${(error as Error).message}`);
    process.exit(1);
  },
);
