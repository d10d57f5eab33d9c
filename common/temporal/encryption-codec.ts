import {
  METADATA_ENCODING_KEY,
  type Payload,
  type PayloadCodec,
  type SerializationContext,
  ValueError,
} from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { open, seal } from '../crypto/aes-gcm';
import type { KeyRing } from '../crypto/keys';

const ENCODING = 'binary/encrypted';
const KEY_ID_METADATA = 'encryption-key-id';
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Names the key to seal one payload with, or undefined for the ring's current key. */
export type ChooseKeyId = (context: SerializationContext | undefined) => string | undefined;

/**
 * Encrypts every payload (workflow inputs, results, update arguments, failure messages) before it reaches the
 * Temporal server, so that history holds no readable phone number, code hash or password. Each payload names
 * the key that sealed it, which lets operators add a new key in front and keep the old ones for reading.
 */
export class EncryptionCodec implements PayloadCodec {
  /**
   * @param chooseKeyId picks a key other than the ring's current one for some payloads: the central worker
   *   uses it to seal a client's reset workflow with that client's own key, which its agent also holds.
   */
  constructor(
    private readonly keys: KeyRing,
    private readonly chooseKeyId: ChooseKeyId = () => undefined,
  ) {}

  async encode(payloads: Payload[], context?: SerializationContext): Promise<Payload[]> {
    const keyId = this.chooseKeyId(context) ?? this.keys.currentKeyId;
    const key = this.keys.get(keyId);
    if (!key) throw new ValueError(`No codec key with id "${keyId}" is available to encrypt with`);
    return payloads.map((payload) => ({
      metadata: {
        [METADATA_ENCODING_KEY]: encoder.encode(ENCODING),
        [KEY_ID_METADATA]: encoder.encode(keyId),
      },
      data: seal(key, Buffer.from(temporal.api.common.v1.Payload.encode(payload).finish())),
    }));
  }

  async decode(payloads: Payload[], _context?: SerializationContext): Promise<Payload[]> {
    return payloads.map((payload) => {
      const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
      if (!encoding || decoder.decode(encoding) !== ENCODING) return payload;
      const keyIdBytes = payload.metadata?.[KEY_ID_METADATA];
      if (!keyIdBytes || !payload.data) throw new ValueError('Encrypted payload is missing its key id or data');
      const keyId = decoder.decode(keyIdBytes);
      const key = this.keys.get(keyId);
      if (!key) throw new ValueError(`No codec key with id "${keyId}" is configured; add it to LATCHKEY_CODEC_KEYS`);
      const clear = open(key, Buffer.from(payload.data));
      return temporal.api.common.v1.Payload.decode(clear) as Payload;
    });
  }
}
