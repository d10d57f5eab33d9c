import { deriveKey, keyedHash, type KeyPurpose } from './keys';
import { FieldCipher } from './field-cipher';

/** The process's view of the master key: purpose-bound hashes and the cipher for personal data at rest. */
export class Secrets {
  private readonly keys = new Map<KeyPurpose, Buffer>();
  readonly phoneCipher: FieldCipher;

  constructor(private readonly masterKey: Buffer) {
    this.phoneCipher = new FieldCipher(this.key('phone-encryption'));
  }

  key(purpose: KeyPurpose): Buffer {
    let key = this.keys.get(purpose);
    if (!key) {
      key = deriveKey(this.masterKey, purpose);
      this.keys.set(purpose, key);
    }
    return key;
  }

  hash(purpose: KeyPurpose, value: string): string {
    return keyedHash(this.key(purpose), value);
  }
}
