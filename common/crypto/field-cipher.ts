import { open, seal } from './aes-gcm';

/**
 * Encrypts personal data (phone numbers) for storage in a text column. The column name is bound in as
 * associated data, so a ciphertext copied into another column will not decrypt.
 */
export class FieldCipher {
  constructor(private readonly key: Buffer) {}

  encrypt(plaintext: string, column: string): string {
    return `v1.${seal(this.key, Buffer.from(plaintext, 'utf8'), Buffer.from(column)).toString('base64url')}`;
  }

  decrypt(stored: string, column: string): string {
    const [version, body] = stored.split('.');
    if (version !== 'v1' || !body) throw new Error(`unsupported encrypted value format in ${column}`);
    return open(this.key, Buffer.from(body, 'base64url'), Buffer.from(column)).toString('utf8');
  }
}
