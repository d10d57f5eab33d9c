// The phone's keys and the one secret it receives (docs/app.md, "Keys on the phone"). The server's twin of
// openSealed is common/crypto/device-seal.ts; both must agree on every byte.

const SEAL_INFO = 'latchkey-device-seal-v1';
const utf8 = (text) => new TextEncoder().encode(text);

export function toBase64url(bytes) {
  let binary = '';
  for (const byte of new Uint8Array(bytes)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function fromBase64url(text) {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

/** Two P-256 pairs, private halves non-extractable: one signs actions, one opens what is sealed to the phone. */
export async function makeDeviceKeys() {
  const signing = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
  const sealing = await crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, false, ['deriveBits']);
  return {
    signingKey: signing.privateKey,
    sealingKey: sealing.privateKey,
    signingPublic: toBase64url(await crypto.subtle.exportKey('spki', signing.publicKey)),
    sealingPublic: toBase64url(await crypto.subtle.exportKey('spki', sealing.publicKey)),
  };
}

/** The same text as deviceActionMessage() in common/domain/device.ts. */
export const actionMessage = ({ action, challengeId, challenge, subject }) =>
  ['latchkey-device-action-v1', action, challengeId, challenge, subject ?? ''].join('\n');

/** ECDSA P-256, SHA-256, in the IEEE P1363 form WebCrypto returns; base64url. */
export async function signAction(signingKey, input) {
  const signature = await crypto.subtle.sign(
    { name: 'ECDSA', hash: 'SHA-256' },
    signingKey,
    utf8(actionMessage(input)),
  );
  return toBase64url(signature);
}

/** Opens a SealedSecret: ECDH with the ephemeral key, HKDF-SHA-256 (salt = that key), AES-256-GCM with the context. */
export async function openSealed(sealingKey, sealed, context) {
  if (sealed?.v !== 1) throw new Error('unknown sealed format');
  const epk = fromBase64url(sealed.epk);
  const ephemeral = await crypto.subtle.importKey('raw', epk, { name: 'ECDH', namedCurve: 'P-256' }, false, []);
  const shared = await crypto.subtle.deriveBits({ name: 'ECDH', public: ephemeral }, sealingKey, 256);
  const hkdf = await crypto.subtle.importKey('raw', shared, 'HKDF', false, ['deriveKey']);
  const aes = await crypto.subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: epk, info: utf8(SEAL_INFO) },
    hkdf,
    { name: 'AES-GCM', length: 256 },
    false,
    ['decrypt'],
  );
  const plain = await crypto.subtle.decrypt(
    { name: 'AES-GCM', iv: fromBase64url(sealed.iv), additionalData: utf8(context) },
    aes,
    fromBase64url(sealed.ct),
  );
  return new TextDecoder().decode(plain);
}
