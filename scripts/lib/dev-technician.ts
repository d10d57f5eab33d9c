import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LatchkeyRuntime } from '../../server/runtime';
import { TechnicianAccountsService } from '../../server/services/technician-accounts.service';
import { printTechnicianCredentials } from './technician-credentials';

export const DEV_TECHNICIAN_EMAIL = 'admin@demo-msp.invalid';

/**
 * When no technician exists yet, adds a console admin to the first MSP, so the quick start can sign in to the
 * console at once. Its generated password and TOTP secret go to a file only the owner can read, like the dev
 * API key, never to the terminal or a log.
 */
export async function ensureDevTechnician(
  { internals }: LatchkeyRuntime,
  dataDir: string,
): Promise<{ credentialsFile: string; created: boolean }> {
  const credentialsFile = join(dataDir, 'dev-console.txt');
  if (existsSync(credentialsFile) || (await internals.stores.technicians.count()) > 0)
    return { credentialsFile, created: false };
  const msp = await internals.db('msps').orderBy('created_at').first('id');
  if (!msp) return { credentialsFile, created: false };
  const accounts = new TechnicianAccountsService({
    technicians: internals.stores.technicians,
    audit: internals.stores.audit,
    secrets: internals.secrets,
  });
  const created = await accounts.create(
    { mspId: (msp as { id: string }).id, email: DEV_TECHNICIAN_EMAIL, displayName: 'Demo admin', role: 'admin' },
    'cli',
  );
  if (created === 'duplicate') return { credentialsFile, created: false };
  writeFileSync(
    credentialsFile,
    `Email        ${DEV_TECHNICIAN_EMAIL}\n${await printTechnicianCredentials(created)}\n`,
    {
      mode: 0o600,
    },
  );
  return { credentialsFile, created: true };
}
