import { randomUUID, createPublicKey } from 'node:crypto';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { clientSubkey } from '../common/crypto/client-keys';
import { checkLockoutWatchProof, readOwnCommand, signDirectoryCommand } from '../common/crypto/directory-command';
import {
  COMMAND_LIFETIME_MS,
  type DirectoryCommand,
  type LockoutWatchCommandResult,
  type SignedDirectoryCommand,
} from '../common/domain/directory-command';
import { FailureType } from '../common/domain/failure-types';
import type { LockoutChange } from '../common/domain/lockout';
import { clientIdOfWorkflowId, makeLockoutWatchWorkflowId } from '../common/domain/workflow-ids';
import type { ActivityDeps } from './deps';

/** The last watch call that came back: the command we signed and what an agent answered to it. */
export interface LockoutWatchStep {
  signed: SignedDirectoryCommand;
  result: LockoutWatchCommandResult;
}

export interface IssueLockoutWatchInput {
  previous: LockoutWatchStep | null;
  /** The previous step's changes were reported already (its answer is being reused after a failed call). */
  reported: boolean;
  waitMs: number;
}

export interface IssuedLockoutWatch {
  signed: SignedDirectoryCommand;
  agentEndpoint: string;
  /** The previous answer's changes, once its proof checked out; empty when reported already or rejected. */
  changes: LockoutChange[];
  /** The previous answer was dropped for a bad proof: the workflow backs off as after a failed call. */
  rejected: boolean;
}

/**
 * The central half of the lockout watch. It checks the agent's last answer against its proof before it takes
 * the cursor from it (a forged cursor could hide lockouts), then signs the next watch command. The client is the
 * one the workflow id names, never one from the input.
 */
export function createLockoutWatchActivities(deps: ActivityDeps) {
  const { commands } = deps;
  const publicKey = createPublicKey(commands.signingKey);

  function watchedClient(): string {
    const workflowId = Context.current().info.workflowExecution?.workflowId ?? '';
    const clientId = clientIdOfWorkflowId(workflowId);
    if (!clientId || workflowId !== makeLockoutWatchWorkflowId(clientId)) {
      throw ApplicationFailure.create({
        type: FailureType.LockoutWatchNotAuthorized,
        message: 'this workflow is not the lockout watch of a client',
        nonRetryable: true,
      });
    }
    return clientId;
  }

  /** Our own command, read back after checking our own signature: it came through Temporal. */
  function ourCommand(signed: SignedDirectoryCommand, clientId: string): DirectoryCommand | undefined {
    const command = readOwnCommand(publicKey, signed);
    return command?.clientId === clientId && command.operation === 'watch-lockouts' ? command : undefined;
  }

  /** Where to watch from, and what the previous answer found, when it holds up. */
  async function accept(
    clientId: string,
    previous: LockoutWatchStep | null,
  ): Promise<{ cursor: string | null; changes: LockoutChange[]; rejected: boolean }> {
    if (!previous) return { cursor: null, changes: [], rejected: false };
    const command = ourCommand(previous.signed, clientId);
    if (!command?.watch) return { cursor: null, changes: [], rejected: true };
    const generation = await commands.clientKeys.get(clientId, command.generation);
    if (
      generation &&
      checkLockoutWatchProof(clientSubkey(generation.secret, 'agent-result'), previous.signed, previous.result)
    ) {
      return { cursor: previous.result.cursor, changes: previous.result.changes, rejected: false };
    }
    // Whoever answered holds no key of this client's agents: its findings are dropped, and the watch goes on
    // from the cursor we signed ourselves last time, so nothing it hid stays hidden.
    Context.current().log.warn('A lockout watch answer without a valid proof was dropped', { clientId });
    return { cursor: command.watch.cursor, changes: [], rejected: true };
  }

  return {
    async issueLockoutWatchCommand(input: IssueLockoutWatchInput): Promise<IssuedLockoutWatch> {
      const clientId = watchedClient();
      const { cursor, changes, rejected } = await accept(clientId, input.previous);
      const generation = await commands.clientKeys.current(clientId);
      const issuedAt = Date.now();
      const command: DirectoryCommand = {
        v: 1,
        requestId: randomUUID(),
        clientId,
        operation: 'watch-lockouts',
        account: '',
        objectGuid: null,
        generation: generation.generation,
        nonce: '',
        issuedAt,
        expiresAt: issuedAt + COMMAND_LIFETIME_MS,
        passwordLength: 0,
        mustChangeAtNextLogon: false,
        unlock: false,
        watch: { cursor, waitMs: input.waitMs },
      };
      const target = commands.agentTarget(clientId);
      await commands.provisionAgentTarget(target);
      return {
        signed: signDirectoryCommand(commands.signingKey, command),
        agentEndpoint: target.endpoint,
        changes: input.reported ? [] : changes,
        rejected,
      };
    },
  };
}
