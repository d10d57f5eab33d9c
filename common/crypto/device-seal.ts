import {
  createECDH,
  createPublicKey,
  hkdfSync,
  randomBytes,
  createCipheriv,
  createDecipheriv,
  type KeyObject,
} from 'node:crypto';

/**
 * A secret sealed to one device's ECDH P-256 key, so that only that device can read it: the database, the logs,
 * Temporal history and the codec endpoint hold it in no readable form. ECIES with WebCrypto's own primitives, so
 * that the app opens it with crypto.subtle alone: an ephemeral ECDH key, HKDF-SHA-256 (salt = the ephemeral
 * public key, info = SEAL_INFO) to an AES-256-GCM key, and the context (for example `reset:<id>`) as associated
 * data, so a sealed value moved to another reset does not open.
 */
export interface SealedSecret {
  v: 1;
  /** The ephemeral public key, uncompressed (65 bytes), base64url. */
  epk: string;
  /** 12 bytes, base64url. */
  iv: string;
  /** Ciphertext with the 16-byte GCM tag appended, as WebCrypto returns it; base64url. */
  ct: string;
}

export const SEAL_INFO = 'latchkey-device-seal-v1';

function rawPublicKey(spkiBase64url: string): Buffer {
  const key = createPublicKey({ key: Buffer.from(spkiBase64url, 'base64url'), format: 'der', type: 'spki' });
  const jwk = key.export({ format: 'jwk' });
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || !jwk.x || !jwk.y) throw new Error('not a P-256 public key');
  return Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x, 'base64url'), Buffer.from(jwk.y, 'base64url')]);
}

/** Throws if the text is not the SPKI of a P-256 key: check a device's key once, when it registers. */
export function assertDeviceKey(spkiBase64url: string): void {
  rawPublicKey(spkiBase64url);
}

function aesKey(shared: Buffer, epk: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', shared, epk, SEAL_INFO, 32));
}

export function sealToDevice(sealingKeySpki: string, plaintext: string, context: string): SealedSecret {
  const device = rawPublicKey(sealingKeySpki);
  const ephemeral = createECDH('prime256v1');
  const epk = ephemeral.generateKeys();
  const key = aesKey(ephemeral.computeSecret(device), epk);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return { v: 1, epk: epk.toString('base64url'), iv: iv.toString('base64url'), ct: ct.toString('base64url') };
}

/**
 * The device's side, in Node: tests and a future native app's reference. `privateKey` is the device's ECDH
 * P-256 private key.
 */
export function openSealed(privateKey: KeyObject, sealed: SealedSecret, context: string): string {
  const jwk = privateKey.export({ format: 'jwk' });
  if (!jwk.d) throw new Error('not a private key');
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(Buffer.from(jwk.d, 'base64url'));
  const epk = Buffer.from(sealed.epk, 'base64url');
  const key = aesKey(ecdh.computeSecret(epk), epk);
  const body = Buffer.from(sealed.ct, 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64url'));
  decipher.setAAD(Buffer.from(context, 'utf8'));
  decipher.setAuthTag(body.subarray(body.length - 16));
  return Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]).toString('utf8');
}

export function isSealedSecret(value: unknown): value is SealedSecret {
  const v = value as Partial<SealedSecret> | null;
  return v?.v === 1 && typeof v.epk === 'string' && typeof v.iv === 'string' && typeof v.ct === 'string';
}
