import { createECDH } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../../common/errors';

export interface VapidKeys {
  /** Uncompressed P-256 point, base64url (65 bytes): the app's applicationServerKey. */
  publicKey: string;
  /** The P-256 private scalar, base64url (32 bytes). */
  privateKey: string;
}

export const VAPID_KEY_FILE = 'vapid.json';

/** Whether the two halves are a P-256 key pair; a mismatch would sign JWTs no push service accepts. */
export function vapidKeysProblem(keys: VapidKeys): string | undefined {
  const publicKey = Buffer.from(keys.publicKey, 'base64url');
  const privateKey = Buffer.from(keys.privateKey, 'base64url');
  if (publicKey.length !== 65 || publicKey[0] !== 0x04)
    return 'must be an uncompressed P-256 public key, base64url (65 bytes)';
  if (privateKey.length !== 32) return 'must be a P-256 private key, base64url (32 bytes)';
  try {
    const ecdh = createECDH('prime256v1');
    ecdh.setPrivateKey(privateKey);
    if (!ecdh.getPublicKey().equals(publicKey)) return 'is not the public half of the private key';
  } catch {
    return 'must be a P-256 private key, base64url (32 bytes)';
  }
  return undefined;
}

function generate(): VapidKeys {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  // getPrivateKey can be shorter than 32 bytes when the scalar has leading zeros; push services want 32.
  const privateKey = Buffer.alloc(32);
  const scalar = ecdh.getPrivateKey();
  scalar.copy(privateKey, 32 - scalar.length);
  return { publicKey: ecdh.getPublicKey().toString('base64url'), privateKey: privateKey.toString('base64url') };
}

/**
 * The VAPID key pair kept in <dataDir>/vapid.json, made on first start. Every subscription is bound to the public
 * key it was made with, so losing or changing it silently stops every device's alerts until each app subscribes
 * again: the file is created once, exclusively (two processes starting together agree on one pair), and then
 * only read. Production sets LATCHKEY_VAPID_PUBLIC_KEY/PRIVATE_KEY instead, so that replicas share the pair.
 */
export function loadOrCreateVapidKeys(dataDir: string): VapidKeys {
  const file = join(dataDir, VAPID_KEY_FILE);
  mkdirSync(dataDir, { recursive: true });
  try {
    writeFileSync(file, `${JSON.stringify(generate(), null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return readVapidFile(file);
}

function readVapidFile(file: string): VapidKeys {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new ConfigError([`${file}: is not a VAPID key file (JSON with publicKey and privateKey)`]);
  }
  const { publicKey, privateKey } = (parsed ?? {}) as Partial<Record<string, unknown>>;
  if (typeof publicKey !== 'string' || typeof privateKey !== 'string')
    throw new ConfigError([`${file}: is not a VAPID key file (JSON with publicKey and privateKey)`]);
  const problem = vapidKeysProblem({ publicKey, privateKey });
  if (problem) throw new ConfigError([`${file}: its key ${problem}`]);
  return { publicKey, privateKey };
}
