import { createHmac } from 'node:crypto';
import type { Secrets } from '../../../common/crypto/secrets';

/**
 * Every secret of a device is kept as a keyed hash, each under its own key purpose. Two of the values the server
 * must hand out again, the action challenge and the number to match, are not stored at all: they are derived
 * from the server's key and the row's own random id, so the database holds only a hash of each, and nobody
 * without the master key can work one out from a row.
 */

export function hashDeviceSecret(secrets: Secrets, secret: string): string {
  return secrets.hash('device-secret', secret);
}

/** Bound to the device: the same PIN on two phones hashes differently, and a hash copied to another row fails. */
export function hashDevicePin(secrets: Secrets, deviceId: string, pin: string): string {
  return secrets.hash('device-pin', `${deviceId}:${pin}`);
}

export function hashPairingSecret(secrets: Secrets, secret: string): string {
  return secrets.hash('pairing-token', `secret:${secret}`);
}

/** The challenge of one action, 32 bytes as base64url: what the device signs and what a WebAuthn assertion carries. */
export function actionChallenge(secrets: Secrets, deviceId: string, challengeId: string): string {
  return secrets.hash('device-challenge', `action:${deviceId}:${challengeId}`);
}

export function hashActionChallenge(secrets: Secrets, challenge: string): string {
  return secrets.hash('device-challenge', `hash:${challenge}`);
}

/** The WebAuthn registration challenge of a pairing; a pairing registers one device, so it is used once. */
export function registrationChallenge(secrets: Secrets, pairingId: string): string {
  return secrets.hash('device-challenge', `register:${pairingId}`);
}

function matchBytes(secrets: Secrets, deviceId: string): Buffer {
  return createHmac('sha256', secrets.key('pairing-match')).update(`number:${deviceId}`).digest();
}

const twoDigits = (n: number) => String(n % 100).padStart(2, '0');

/** The two-digit number the phone shows after a QR pairing. */
export function matchNumber(secrets: Secrets, deviceId: string): string {
  const bytes = matchBytes(secrets, deviceId);
  return twoDigits(bytes.readUInt16BE(0));
}

export function hashMatchNumber(secrets: Secrets, deviceId: string, number: string): string {
  return secrets.hash('pairing-match', `${deviceId}:${number}`);
}

/**
 * The three numbers the enrollment page offers: the phone's and two others, in an order that stays the same on
 * every poll (all derived from the same keyed hash), so the page does not reshuffle under the user's finger.
 */
export function matchChoices(secrets: Secrets, deviceId: string): string[] {
  const bytes = matchBytes(secrets, deviceId);
  const right = bytes.readUInt16BE(0) % 100;
  // Two different non-zero offsets from the right number, so the three are always distinct.
  const first = 1 + (bytes[2]! % 98);
  let second = 1 + (bytes[3]! % 97);
  if (second >= first) second += 1;
  const choices = [right, (right + first) % 100, (right + second) % 100];
  const position = bytes[31]! % 3;
  const decoys = choices.slice(1);
  decoys.splice(position, 0, right);
  return decoys.map(twoDigits);
}
