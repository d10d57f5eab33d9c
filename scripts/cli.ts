import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Secrets } from '../common/crypto/secrets';
import { ConfigError } from '../common/errors';
import { loadConfig } from '../server/config';
import { ApiKeysStore } from '../server/db/api-keys.store';
import { connectDatabase } from '../server/db/connect';
import { migrateToLatest } from '../server/db/migrate';
import { TenantsStore } from '../server/db/tenants.store';
import { ensureDevSecrets } from './lib/dev-secrets';

const USAGE = `Latchkey admin CLI

  npm run latchkey -- msp create --name <name>
      Creates an MSP and prints its first API key (shown once).
  npm run latchkey -- api-key create --msp <mspId> [--client <clientId>] --name <label>
      Issues another API key; with --client it sees only that client.

Uses DATABASE_URL, or the embedded database in LATCHKEY_DATA_DIR (stop npm start first: PGlite allows one
process at a time).`;

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      msp: { type: 'string' },
      client: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  const command = positionals.join(' ');
  if (values.help || !['msp create', 'api-key create'].includes(command)) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  if (!values.name) {
    console.error('--name is required');
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
    if (command === 'msp create') {
      const msp = await tenants.createMsp(values.name);
      const key = await apiKeys.issue({ mspId: msp.id, clientId: null }, 'initial');
      console.log(`MSP ${msp.id} created.\nAPI key (shown once; store it safely):\n${key.token}`);
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
    const key = await apiKeys.issue({ mspId: values.msp, clientId: values.client ?? null }, values.name);
    console.log(`API key ${key.id} created.\nAPI key (shown once; store it safely):\n${key.token}`);
    return 0;
  } finally {
    await db.destroy();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof ConfigError ? error.message : `latchkey: ${(error as Error).message}`);
    process.exit(1);
  },
);
