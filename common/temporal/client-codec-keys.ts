import { clientSubkey, type ClientKeyGeneration } from '../crypto/client-keys';

const PREFIX = 'client.';
const CLIENT_KEY_ID =
  /^client\.([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:\.([1-9][0-9]{0,8}))?$/;

/**
 * What a payload's key id names: one of the shared keys (LATCHKEY_CODEC_KEYS), or one generation of one client's
 * key. Generation 0 is the legacy `client.<id>` (no generation in the id); generations 1 and up are
 * `client.<id>.<generation>`.
 */
type CodecKeyName = { kind: 'shared'; keyId: string } | { kind: 'client'; clientId: string; generation: number };

/** Key ids name their client and generation, so any holder of that generation's secret can find the key again. */
export function clientCodecKeyId(clientId: string, generation: number): string {
  return generation === 0 ? `${PREFIX}${clientId}` : `${PREFIX}${clientId}.${generation}`;
}

/** Reads a key id; undefined for one that starts like a client key but is malformed (never a shared key). */
export function parseCodecKeyId(keyId: string): CodecKeyName | undefined {
  if (!keyId.startsWith(PREFIX)) return { kind: 'shared', keyId };
  const match = CLIENT_KEY_ID.exec(keyId);
  if (!match) return undefined;
  return { kind: 'client', clientId: match[1]!, generation: match[2] ? Number(match[2]) : 0 };
}

/**
 * The AES key for a generation's payloads. Generation 0's codec key is its secret itself, as every client's key
 * was before generations existed, so histories sealed then still open; later generations use the separate
 * 'codec' subkey, which grants nothing else (not the reset password, not the agent-result key).
 */
export function clientCodecKey(generation: ClientKeyGeneration): Buffer {
  return generation.generation === 0 ? generation.secret : clientSubkey(generation.secret, 'codec');
}
