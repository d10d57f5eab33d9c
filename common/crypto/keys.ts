import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Every purpose gets its own subkey, derived from one master key, so that a hash made for one purpose
 * (say, an API key) can never be replayed as another (say, an SMS code), and so that operators only have
 * one secret to back up.
 */
export type KeyPurpose =
  | 'api-key-hash'
  | 'link-token-hash'
  | 'disown-token-hash'
  | 'sms-code'
  | 'sms-pin'
  | 'phone-lookup'
  | 'phone-encryption'
  | 'rate-limit-subject'
  | 'session-signing'
  | 'codec-admin-session'
  | 'client-key-wrap'
  | 'reset-password'
  | 'device-secret'
  | 'pairing-token'
  | 'device-challenge'
  | 'device-pin'
  | 'pairing-match'
  | 'push-target-encryption'
  | 'directory-command-signing'
  | 'technician-totp'
  | 'console-session'
  | 'sso-client-secret'
  | 'console-sso-state'
  | 'console-sso-verifier';

export function deriveKey(masterKey: Buffer, purpose: KeyPurpose | `codec-client:${string}`): Buffer {
  return Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), `latchkey:${purpose}`, 32));
}

export function keyedHash(key: Buffer, value: string): string {
  return createHmac('sha256', key).update(value, 'utf8').digest('base64url');
}

export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

export function decodeKey(base64: string, what: string): Buffer {
  const key = Buffer.from(base64, 'base64');
  if (key.length !== 32) {
    throw new Error(`${what} must be 32 bytes encoded as base64 (it decodes to ${key.length} bytes)`);
  }
  return key;
}

/** A set of AES-256 keys addressed by id; the first one encrypts, all of them decrypt, which is how keys rotate. */
export interface KeyRing {
  readonly currentKeyId: string;
  get(keyId: string): Buffer | undefined;
}

export function parseKeyRing(spec: string, what: string): KeyRing {
  const entries = spec
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part, index) => {
      const separator = part.indexOf(':');
      // By position, not by content: an entry without an id is most likely a bare key, and a key is a secret.
      if (separator <= 0) throw new Error(`${what}: each entry is "keyId:base64key"; entry ${index + 1} has no key id`);
      const keyId = part.slice(0, separator);
      if (!/^[A-Za-z0-9_-]{1,32}$/.test(keyId))
        throw new Error(`${what}: key id "${keyId}" may use only letters, digits, _ and - (at most 32)`);
      return [keyId, decodeKey(part.slice(separator + 1), `${what} key "${keyId}"`)] as const;
    });
  const first = entries[0];
  if (!first) throw new Error(`${what} holds no key`);
  const keys = new Map(entries);
  return { currentKeyId: first[0], get: (keyId) => keys.get(keyId) };
}
