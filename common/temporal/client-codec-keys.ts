import { deriveKey, type KeyRing } from '../crypto/keys';

const PREFIX = 'client.';

/** Key ids name their client, so any holder of the master key can find the key again, and nothing else can. */
export function clientCodecKeyId(clientId: string): string {
  return `${PREFIX}${clientId}`;
}

export function deriveClientCodecKey(masterKey: Buffer, clientId: string): Buffer {
  return deriveKey(masterKey, `codec-client:${clientId}`);
}

/**
 * The central process's key ring: the shared keys from LATCHKEY_CODEC_KEYS, plus every client's own key,
 * derived on demand from the master key. An agent gets only its own client's key (see agentKeyRing).
 */
export function centralKeyRing(shared: KeyRing, masterKey: Buffer): KeyRing {
  const derived = new Map<string, Buffer>();
  return {
    currentKeyId: shared.currentKeyId,
    get(keyId) {
      if (!keyId.startsWith(PREFIX)) return shared.get(keyId);
      let key = derived.get(keyId);
      if (!key) {
        key = deriveClientCodecKey(masterKey, keyId.slice(PREFIX.length));
        derived.set(keyId, key);
      }
      return key;
    },
  };
}

export function agentKeyRing(clientId: string, key: Buffer): KeyRing {
  const keyId = clientCodecKeyId(clientId);
  return { currentKeyId: keyId, get: (id) => (id === keyId ? key : undefined) };
}
