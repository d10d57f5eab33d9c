import type { Secrets } from '../crypto/secrets';

/**
 * The SMS code is derived from a per-send nonce chosen by the workflow, rather than drawn at random inside
 * the activity: a retried send then texts the same code again instead of a second, different one, and the
 * code itself is never stored anywhere — only its keyed hash travels back to the workflow.
 */
export function deriveVerificationCode(secrets: Secrets, enrollmentId: string, nonce: string): string {
  const digest = Buffer.from(secrets.hash('sms-code', `derive:${enrollmentId}:${nonce}`), 'base64url');
  // 48 bits reduced mod 10^6: the bias is below one part in 10^8.
  return (digest.readUIntBE(0, 6) % 1_000_000).toString().padStart(6, '0');
}

/** What the server computes from the digits a user typed, and what the workflow compares against. */
export function hashVerificationCode(secrets: Secrets, enrollmentId: string, code: string): string {
  return secrets.hash('sms-code', `check:${enrollmentId}:${code}`);
}
