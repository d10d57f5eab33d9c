import type { LockoutChange } from './lockout';

/**
 * What an agent may be told to do to its client's directory. An agent runs nothing else: every directory
 * activity takes a signed command and nothing more.
 */
export const DIRECTORY_OPERATIONS = ['reset-password', 'unlock', 'watch-lockouts'] as const;
export type DirectoryOperation = (typeof DIRECTORY_OPERATIONS)[number];

/** How long an issued command stays valid; a copy replayed after this is refused. */
export const COMMAND_LIFETIME_MS = 5 * 60_000;

/**
 * One directory command, as the central worker issues it after checking the request in the database. It travels
 * as the exact JSON text that was signed, so the agent verifies bytes, never a re-serialisation.
 */
export interface DirectoryCommand {
  v: 1;
  /** The request this carries out (a reset id); the agent's result is bound to it. */
  requestId: string;
  clientId: string;
  operation: DirectoryOperation;
  account: string;
  /** The directory object first seen for this user; `null` until the first touch records it. */
  objectGuid: string | null;
  /** Which generation of the client's keys the password and the result proof derive from. */
  generation: number;
  /** The reset password derives from it; carries no secret by itself. */
  nonce: string;
  issuedAt: number;
  expiresAt: number;
  passwordLength: number;
  mustChangeAtNextLogon: boolean;
  unlock: boolean;
  /**
   * An app reset: the sealing key (SPKI, base64url) of the user's paired device. The agent then makes the
   * password from its own CSPRNG rather than from the nonce, so that nobody else, the central worker included,
   * can compute it, and returns it sealed to this key only. Absent in commands that predate the app.
   */
  sealTo?: string;
  /** The sealed password's associated data, `reset:<requestId>`: a sealed value moved to another reset does not open. */
  sealContext?: string;
  /**
   * A lockout watch (operation 'watch-lockouts'): where the last one stopped and how long to wait for a change.
   * Such a command names no account: account is '', objectGuid null, and the password fields are unused.
   */
  watch?: { cursor: string | null; waitMs: number };
}

export interface SignedDirectoryCommand {
  command: string;
  signature: string;
}

/** What an agent reports back: never the password, and proof that one of this client's agents wrote it. */
export interface DirectoryCommandResult {
  objectGuid: string;
  wasLocked: boolean;
  /** For a command with sealTo: the password the agent set, sealed to the device. Covered by the proof. */
  sealed?: { v: 1; epk: string; iv: string; ct: string };
  proof: string;
}

/** What an agent's lockout watch reports back: ids and times only, and proof that one of this client's agents saw it. */
export interface LockoutWatchCommandResult {
  cursor: string;
  changes: LockoutChange[];
  proof: string;
}
