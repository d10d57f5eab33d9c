import { createHmac, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import type { SealedSecret } from './device-seal';
import type {
  DirectoryCommand,
  DirectoryCommandResult,
  DirectoryOperation,
  LockoutWatchCommandResult,
  SignedDirectoryCommand,
} from '../domain/directory-command';
import type { LockoutChange } from '../domain/lockout';
import { constantTimeEqual, deriveKey } from './keys';

// DER wrappers for a raw Ed25519 seed (PKCS#8) and a raw public key (SPKI), RFC 8410.
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/**
 * The command-signing key, derived from the master key: only the Latchkey server holds it, and it needs no
 * storage of its own. Its public half is what each agent pins.
 */
export function commandSigningKey(masterKey: Buffer): KeyObject {
  const seed = deriveKey(masterKey, 'directory-command-signing');
  return createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}

/** The public half as the agent's LATCHKEY_AGENT_COMMAND_KEY holds it: the raw 32 bytes in base64url. */
export function commandPublicKeyText(signingKey: KeyObject): string {
  const spki = createPublicKey(signingKey).export({ format: 'der', type: 'spki' });
  return spki.subarray(SPKI_ED25519_PREFIX.length).toString('base64url');
}

export function parseCommandPublicKey(text: string): KeyObject {
  const raw = Buffer.from(text, 'base64url');
  if (raw.length !== 32) throw new Error('must be the 32-byte Ed25519 public key, base64url-encoded (43 characters)');
  return createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, raw]), format: 'der', type: 'spki' });
}

export function signDirectoryCommand(signingKey: KeyObject, command: DirectoryCommand): SignedDirectoryCommand {
  const text = JSON.stringify(command);
  return { command: text, signature: sign(null, Buffer.from(text), signingKey).toString('base64url') };
}

export const COMMAND_REFUSALS = ['bad_signature', 'malformed', 'wrong_client', 'expired', 'wrong_operation'] as const;
export type CommandRefusal = (typeof COMMAND_REFUSALS)[number];

/**
 * The agent's gate: a command counts only if the pinned key signed these very bytes, for this client and this
 * operation, and it has not expired. Everything else is a refusal with a reason the agent reports.
 */
export function openDirectoryCommand(
  publicKey: KeyObject,
  signed: unknown,
  expected: { clientId: string; operation: DirectoryOperation; now: number },
): { ok: true; command: DirectoryCommand } | { ok: false; reason: CommandRefusal } {
  if (!isSigned(signed)) return { ok: false, reason: 'malformed' };
  if (!signatureHolds(publicKey, signed)) return { ok: false, reason: 'bad_signature' };
  let command: DirectoryCommand;
  try {
    command = JSON.parse(signed.command) as DirectoryCommand;
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (command.v !== 1) return { ok: false, reason: 'malformed' };
  if (command.clientId !== expected.clientId) return { ok: false, reason: 'wrong_client' };
  if (command.operation !== expected.operation) return { ok: false, reason: 'wrong_operation' };
  if (!(command.expiresAt > expected.now)) return { ok: false, reason: 'expired' };
  return { ok: true, command };
}

/**
 * The central side's check of a command that came back to it through Temporal, which it does not trust: the
 * command it signed itself, read back only when its own signature holds over these bytes. The caller then checks
 * that it is the command for this very request.
 */
export function readOwnCommand(publicKey: KeyObject, signed: unknown): DirectoryCommand | undefined {
  if (!isSigned(signed) || !signatureHolds(publicKey, signed)) return undefined;
  try {
    return JSON.parse(signed.command) as DirectoryCommand;
  } catch {
    return undefined;
  }
}

function signatureHolds(publicKey: KeyObject, signed: SignedDirectoryCommand): boolean {
  const signature = Buffer.from(signed.signature, 'base64url');
  return signature.length === 64 && verify(null, Buffer.from(signed.command), publicKey, signature);
}

function isSigned(value: unknown): value is SignedDirectoryCommand {
  const candidate = value as Partial<SignedDirectoryCommand> | null;
  return typeof candidate?.command === 'string' && typeof candidate.signature === 'string';
}

/**
 * Binds what the agent saw and did to the exact command it carried out, under a key only this client's agents
 * (and the central worker) hold. A worker that steals the task cannot produce it.
 */
export function directoryResultProof(
  resultKey: Buffer,
  signed: SignedDirectoryCommand,
  outcome: { objectGuid: string; wasLocked: boolean; sealed?: SealedSecret },
): string {
  // A result without a sealed password keeps the proof's earlier input, so that results of agents that predate
  // the app still check; with one, the proof covers its every field, so it cannot be swapped on the way back.
  const bound: unknown[] = [signed.command, outcome.objectGuid, outcome.wasLocked];
  if (outcome.sealed) {
    const { v, epk, iv, ct } = outcome.sealed;
    bound.push([v, epk, iv, ct]);
  }
  return createHmac('sha256', resultKey).update(JSON.stringify(bound)).digest('base64url');
}

export function checkDirectoryResultProof(
  resultKey: Buffer,
  signed: SignedDirectoryCommand,
  result: DirectoryCommandResult,
): boolean {
  return (
    typeof result.proof === 'string' && constantTimeEqual(result.proof, directoryResultProof(resultKey, signed, result))
  );
}

/**
 * Binds a lockout watch's findings and its new cursor to the command it answered: a worker that steals the task
 * can neither invent a lockout nor hand back a cursor that hides one.
 */
export function lockoutWatchProof(
  resultKey: Buffer,
  signed: SignedDirectoryCommand,
  outcome: { cursor: string; changes: LockoutChange[] },
): string {
  const changes = outcome.changes.map((c) => [c.account, c.objectGuid, c.locked, c.lockedAtMs, c.unlocksAtMs]);
  return createHmac('sha256', resultKey)
    .update(JSON.stringify(['watch-lockouts', signed.command, outcome.cursor, changes]))
    .digest('base64url');
}

export function checkLockoutWatchProof(
  resultKey: Buffer,
  signed: SignedDirectoryCommand,
  result: LockoutWatchCommandResult,
): boolean {
  return (
    typeof result?.proof === 'string' &&
    typeof result.cursor === 'string' &&
    Array.isArray(result.changes) &&
    constantTimeEqual(result.proof, lockoutWatchProof(resultKey, signed, result))
  );
}
