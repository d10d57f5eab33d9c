import { createHmac, randomBytes } from 'node:crypto';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from '../domain/client-policy';

// Characters that read unambiguously on a phone screen: no 0/O/o, 1/l/I/i, 5/S, 2/Z, 8/B, and symbols that
// sit on the first symbol page of phone keyboards.
const UPPER = 'ACDEFGHJKLMNPQRTUVWXY';
const LOWER = 'abcdefghjkmnpqrstuvwxyz';
const DIGITS = '34679';
const SYMBOLS = '#%+=?@!';
const CLASSES = [UPPER, LOWER, DIGITS, SYMBOLS];
const ALL = CLASSES.join('');

/**
 * An unbounded stream of uniform bytes from HMAC-SHA256 in counter mode (as in HMAC-DRBG). Keyed with the agent's
 * secret and fed a 256-bit random nonce fixed for the reset, it yields an unpredictable password that is the same
 * for every retry of that reset, so a retried or duplicated directory write can never set one password while
 * another is delivered.
 */
function byteStream(key: Buffer, nonce: string) {
  let counter = 0;
  let block = Buffer.alloc(0);
  let offset = 0;
  return () => {
    if (offset >= block.length) {
      block = createHmac('sha256', key).update(`${nonce}:${counter++}`).digest();
      offset = 0;
    }
    return block[offset++]!;
  };
}

/** A uniform pick from `alphabet`, by rejection sampling so that no character is more likely than another. */
function pick(next: () => number, alphabet: string): string {
  const limit = 256 - (256 % alphabet.length);
  for (;;) {
    const byte = next();
    if (byte < limit) return alphabet[byte % alphabet.length]!;
  }
}

/**
 * A password that meets Active Directory complexity (all four character classes, so any three-of-four rule
 * passes) and can be typed from a phone. Length is the client's policy, 12 by default.
 */
export function generatePassword(length: number, key: Buffer, nonce: string): string {
  if (!Number.isInteger(length) || length < MIN_PASSWORD_LENGTH || length > MAX_PASSWORD_LENGTH) {
    throw new RangeError(
      `password length must be a whole number from ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH}`,
    );
  }
  const next = byteStream(key, nonce);
  const chars = [...CLASSES.map((alphabet) => pick(next, alphabet))];
  while (chars.length < length) chars.push(pick(next, ALL));
  // Fisher–Yates, so the guaranteed characters are not always at the front.
  for (let i = chars.length - 1; i > 0; i--) {
    const limit = 256 - (256 % (i + 1));
    let byte = next();
    while (byte >= limit) byte = next();
    const j = byte % (i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join('');
}

export const PASSWORD_ALPHABETS = { UPPER, LOWER, DIGITS, SYMBOLS };

/**
 * The same kind of password from this process's CSPRNG alone: for an app reset, where the agent seals it to the
 * device and nobody, not even the central worker that knows the derivation key, may be able to compute it. Each
 * call gives another one, so a retried write sets a new password, and the one sealed is the one set last.
 */
export function generateRandomPassword(length: number): string {
  return generatePassword(length, randomBytes(32), randomBytes(32).toString('base64url'));
}
