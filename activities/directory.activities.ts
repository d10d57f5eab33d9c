import type { KeyObject } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import * as nexus from 'nexus-rpc';
import { clientSubkey } from '../common/crypto/client-keys';
import {
  directoryResultProof,
  lockoutWatchProof,
  openDirectoryCommand,
  type CommandRefusal,
} from '../common/crypto/directory-command';
import type {
  DirectoryCommand,
  DirectoryCommandResult,
  DirectoryOperation,
  LockoutWatchCommandResult,
  SignedDirectoryCommand,
} from '../common/domain/directory-command';
import { directoryService } from '../common/domain/directory-service';
import type { SealedSecret } from '../common/crypto/device-seal';
import { FailureType } from '../common/domain/failure-types';
import { sealToDevice } from '../common/crypto/device-seal';
import { generatePassword, generateRandomPassword } from '../common/secrets/password-generator';
import type { DirectoryProvider } from '../plugins/directory/directory-provider';
import { toActivityFailure } from './provider-failure';

/** A command the agent would not run, as it reports it to Latchkey for the audit log. */
export interface CommandRefusalReport {
  operation: DirectoryOperation;
  reason: CommandRefusal | 'unknown_generation';
  /** Present only when the command was genuinely signed; a forged one's claims are not repeated. */
  requestId?: string;
}

export interface DirectoryActivityDeps {
  directory: DirectoryProvider;
  /** The only client this agent serves; a command for any other is refused. */
  clientId: string;
  /** The Latchkey server's command key, pinned in the agent's own configuration. */
  commandKey: KeyObject;
  /** The client's key generations, by number; the password and the result proof derive from them. */
  generationSecret(generation: number): Promise<Buffer | undefined>;
  reportRefusal(report: CommandRefusalReport): Promise<void>;
  now?: () => number;
  /** Passed by tests only (the agent's test hooks); production builds these activities without it. */
  testHooks?: DirectoryTestHooks;
  /** How often a lockout watch asks the directory while it waits, and how often it reconciles in full. */
  lockoutWatch?: { pollIntervalMs?: number; reconcileIntervalMs?: number };
}

/**
 * The longest a watch command may hold the agent: the Nexus request that carries it times out at about 10 s,
 * and an answer after that would be thrown away and the cycle's directory reads wasted.
 */
export const MAX_WATCH_WAIT_MS = 8_000;

/** Fault injection for the tests that kill an agent mid-reset, and a timestamp for bench:dispatch. */
export interface DirectoryTestHooks {
  /** Runs after the directory accepted the new password and before the activity completes. */
  afterPasswordWrite?: () => Promise<void>;
  /** Runs first in a reset command, before its checks: where bench:dispatch stops timing Temporal's dispatch. */
  onResetStart?: () => void;
}

/**
 * The directory commands an on-premises agent runs against its client's directory, as plain functions: the
 * agent serves them as Nexus operations (createDirectoryNexusHandler), and they are still usable as activities.
 * Each takes a command signed by the Latchkey server and nothing else, so whoever can send this agent work
 * still cannot make it touch the directory. The result proves which command it carried out, and never carries
 * the password. A refusal or a directory error throws an ApplicationFailure (its type, retryability, details).
 */
export function createDirectoryActivities(deps: DirectoryActivityDeps) {
  const { directory } = deps;
  const now = deps.now ?? Date.now;

  async function refuse(report: CommandRefusalReport): Promise<never> {
    // The refusal must reach Latchkey's audit log, since whoever sent the command will not tell it; a failed
    // report does not turn the refusal into a run.
    await deps.reportRefusal(report).catch(() => undefined);
    throw ApplicationFailure.create({
      type: FailureType.DirectoryCommandRefused,
      message: `The agent refused a ${report.operation} command: ${report.reason}`,
      nonRetryable: true,
    });
  }

  async function admit(
    signed: SignedDirectoryCommand,
    operation: DirectoryOperation,
  ): Promise<{ command: DirectoryCommand; secret: Buffer }> {
    const opened = openDirectoryCommand(deps.commandKey, signed, { clientId: deps.clientId, operation, now: now() });
    if (!opened.ok) return refuse({ operation, reason: opened.reason });
    const { command } = opened;
    const secret = await deps.generationSecret(command.generation);
    if (!secret) return refuse({ operation, reason: 'unknown_generation', requestId: command.requestId });
    return { command, secret };
  }

  function result(
    signed: SignedDirectoryCommand,
    secret: Buffer,
    outcome: { objectGuid: string; wasLocked: boolean; sealed?: SealedSecret },
  ): DirectoryCommandResult {
    return { ...outcome, proof: directoryResultProof(clientSubkey(secret, 'agent-result'), signed, outcome) };
  }

  return {
    async resetDirectoryPassword(signed: SignedDirectoryCommand): Promise<DirectoryCommandResult> {
      deps.testHooks?.onResetStart?.();
      const { command, secret } = await admit(signed, 'reset-password');
      // For a text, the central worker derives the same password from the same nonce just before it texts it, so
      // the password itself never has to travel back through Temporal. For the app, the password is this agent's
      // alone and travels back only sealed to the device, so it exists in clear nowhere but here and on the phone.
      const sealTo = command.sealTo;
      if (sealTo !== undefined && (typeof sealTo !== 'string' || command.sealContext !== `reset:${command.requestId}`))
        return refuse({ operation: 'reset-password', reason: 'malformed', requestId: command.requestId });
      let sealed: SealedSecret | undefined;
      let password: string;
      if (sealTo) {
        password = generateRandomPassword(command.passwordLength);
        try {
          // Sealed before the write: a key that cannot be sealed to must not leave a password nobody can read.
          sealed = sealToDevice(sealTo, password, command.sealContext!);
        } catch {
          return refuse({ operation: 'reset-password', reason: 'malformed', requestId: command.requestId });
        }
      } else {
        password = generatePassword(command.passwordLength, clientSubkey(secret, 'reset-password'), command.nonce);
      }
      try {
        const written = await directory.setPassword({
          username: command.account,
          password,
          mustChangeAtNextLogon: command.mustChangeAtNextLogon,
          unlock: command.unlock,
          expectedObjectGuid: command.objectGuid,
        });
        await deps.testHooks?.afterPasswordWrite?.();
        const outcome = { objectGuid: written.objectGuid, wasLocked: written.wasLocked };
        return result(signed, secret, sealed ? { ...outcome, sealed } : outcome);
      } catch (error) {
        return toActivityFailure(error);
      }
    },

    async unlockDirectoryAccount(signed: SignedDirectoryCommand): Promise<DirectoryCommandResult> {
      const { command, secret } = await admit(signed, 'unlock');
      try {
        const unlocked = await directory.unlock(command.account, { expectedObjectGuid: command.objectGuid });
        return result(signed, secret, { objectGuid: unlocked.objectGuid, wasLocked: unlocked.wasLocked });
      } catch (error) {
        return toActivityFailure(error);
      }
    },

    /** Waits for lock changes after the command's cursor; the answer is bound to the command by its proof. */
    async watchDirectoryLockouts(signed: SignedDirectoryCommand): Promise<LockoutWatchCommandResult> {
      const { command, secret } = await admit(signed, 'watch-lockouts');
      const watch = command.watch;
      if (
        !watch ||
        (watch.cursor !== null && typeof watch.cursor !== 'string') ||
        typeof watch.waitMs !== 'number' ||
        !Number.isFinite(watch.waitMs)
      ) {
        return refuse({ operation: 'watch-lockouts', reason: 'malformed', requestId: command.requestId });
      }
      try {
        const found = await directory.watchLockouts({
          cursor: watch.cursor,
          waitMs: Math.min(Math.max(0, watch.waitMs), MAX_WATCH_WAIT_MS),
          ...deps.lockoutWatch,
        });
        const outcome = { cursor: found.cursor, changes: found.changes };
        return { ...outcome, proof: lockoutWatchProof(clientSubkey(secret, 'agent-result'), signed, outcome) };
      } catch (error) {
        return toActivityFailure(error);
      }
    },
  };
}

export type DirectoryActivities = ReturnType<typeof createDirectoryActivities>;

/**
 * The agent's Nexus service: the same commands. A failure of the command itself (a refusal, a directory error,
 * retryable or not) ends the operation as a failed OperationError whose cause is that ApplicationFailure, so the
 * caller sees its type, retryability and details at once and decides itself whether to try again
 * (workflows/password-reset/directory-call.ts); the server does not retry a failed operation. Anything else (a
 * bug, a payload the codec refused) is a handler error, which the server retries within the operation's
 * deadline, as it does when no agent answers.
 */
export function createDirectoryNexusHandler(commands: DirectoryActivities) {
  const operation =
    <R>(run: (signed: SignedDirectoryCommand) => Promise<R>) =>
    async (_ctx: nexus.StartOperationContext, signed: SignedDirectoryCommand): Promise<R> => {
      try {
        return await run(signed);
      } catch (error) {
        if (error instanceof ApplicationFailure) {
          throw new nexus.OperationError('failed', error.message, { cause: error });
        }
        throw error;
      }
    };
  return nexus.serviceHandler(directoryService, {
    resetPassword: operation(commands.resetDirectoryPassword),
    unlock: operation(commands.unlockDirectoryAccount),
    watchLockouts: operation(commands.watchDirectoryLockouts),
  });
}
