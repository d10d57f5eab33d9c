import type { Secrets } from '../crypto/secrets';

const PIN_FORMAT = /^\d{4,8}$/;

/**
 * Bound to the user id so that two users with the same PIN get different hashes, and a hash copied from one
 * row to another does not work there. Keyed, because a 4–8 digit PIN would fall to a plain hash in seconds.
 */
export function hashSmsPin(secrets: Secrets, userId: string, pin: string): string {
  return secrets.hash('sms-pin', `${userId}:${pin}`);
}

export function isPinFormat(pin: string): boolean {
  return PIN_FORMAT.test(pin);
}

/** The PINs people try first on a stolen phone: one digit repeated, or a run up or down. */
function isGuessable(pin: string): boolean {
  if (/^(\d)\1+$/.test(pin)) return true;
  const steps = new Set([...pin].slice(1).map((digit, index) => (Number(digit) - Number(pin[index]) + 10) % 10));
  return steps.size === 1 && (steps.has(1) || steps.has(9));
}

/** What the user chose on the method page, or the reason to show them; never echoes the PIN back. */
export function checkNewPin(
  pin: unknown,
  confirmation: unknown,
): { ok: true; pin: string } | { ok: false; error: string } {
  const typed = typeof pin === 'string' ? pin.trim() : '';
  if (!isPinFormat(typed)) return { ok: false, error: 'Choose a PIN of 4 to 8 digits for text message resets.' };
  if (isGuessable(typed))
    return { ok: false, error: 'That PIN is too easy to guess. Avoid repeated digits and runs like 1234.' };
  if (typed !== (typeof confirmation === 'string' ? confirmation.trim() : '')) {
    return { ok: false, error: 'The two PINs do not match. Type the same PIN in both boxes.' };
  }
  return { ok: true, pin: typed };
}
