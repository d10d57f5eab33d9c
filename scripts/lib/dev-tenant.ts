import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LatchkeyRuntime } from '../../server/runtime';

/**
 * On a brand-new data folder, creates a demo MSP with one client and an API key, so the quick start can call
 * the API at once. The key is written to a file readable by the owner only, never to the terminal or a log.
 */
export async function ensureDevTenant(
  { internals }: LatchkeyRuntime,
  dataDir: string,
): Promise<{ keyFile: string; clientId?: string; created: boolean }> {
  const keyFile = join(dataDir, 'dev-api-key.txt');
  const existing = await internals.db('msps').first('id');
  if (existing || existsSync(keyFile)) return { keyFile, created: false };
  const msp = await internals.stores.tenants.createMsp('Demo MSP');
  const client = await internals.stores.tenants.createClient(msp.id, 'Demo Client', {});
  const key = await internals.stores.apiKeys.issue({ mspId: msp.id, clientId: null }, 'development');
  writeFileSync(keyFile, `${key.token}\n`, { mode: 0o600 });
  return { keyFile, clientId: client === 'duplicate' ? undefined : client.id, created: true };
}
