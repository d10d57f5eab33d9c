import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClientKeyGeneration } from '../../common/crypto/client-keys';
import { decodeKey, parseKeyRing } from '../../common/crypto/keys';

/**
 * The codec key that the committed replay histories were recorded with. It protects nothing real: it exists so
 * that the encrypted fixtures can be decoded during replay, exactly as production histories are.
 */
export const FIXTURE_CODEC_KEYS = 'fixture1:bGF0Y2hrZXktcmVwbGF5LWZpeHR1cmUta2V5LTMyYnk=';
export const fixtureKeyRing = () => parseKeyRing(FIXTURE_CODEC_KEYS, 'fixture codec keys');

/** The master key of the recording run: resets are sealed with client keys derived from it. Test-only too. */
export const FIXTURE_MASTER_KEY = 'bGF0Y2hrZXktcmVwbGF5LWZpeHR1cmUtbWFzdGVyLWs=';
export const fixtureMasterKey = () => decodeKey(FIXTURE_MASTER_KEY, 'fixture master key');

/**
 * The client key generations of the recording run, which resets since signed commands are sealed with: random in
 * the recording's database, so the recording saves them here. Test-only secrets, like the keys above.
 */
export const FIXTURE_CLIENT_KEYS_FILE = join(__dirname, 'client-keys.json');

export interface SavedClientKey {
  clientId: string;
  generation: number;
  secret: string;
}

export function fixtureClientKeys(): ClientKeyGeneration[] {
  const saved = JSON.parse(readFileSync(FIXTURE_CLIENT_KEYS_FILE, 'utf8')) as SavedClientKey[];
  return saved.map((key) => ({ ...key, secret: Buffer.from(key.secret, 'base64') }));
}
