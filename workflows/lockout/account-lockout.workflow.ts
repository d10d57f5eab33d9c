import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  defineSignal,
  defineUpdate,
  proxyLocalActivities,
  setHandler,
} from '@temporalio/workflow';
import type { CentralActivities } from '../../activities';
import type { DirectoryCommandResult } from '../../common/domain/directory-command';
import { FailureType } from '../../common/domain/failure-types';
import type { AccountLockoutInput } from '../../common/domain/lockout';
import {
  LOCKOUT_SIGNALS,
  LOCKOUT_UNLOCK_UPDATE,
  type AccountLockoutResult,
  type LockoutActor,
  type LockoutEnding,
  type LockoutUnlockResult,
} from '../../common/domain/lockout-outcome';
import { BACKGROUND_EMAIL, isActivityFailure, PROVIDER_NON_RETRYABLE } from '../activity-options';
import { callDirectoryAgent, type DirectoryBounds } from '../password-reset/directory-call';
import { describeFailure } from '../password-reset/outcome';

/** The workflow's clocks; the starter passes the configured ones, tests shrink them. */
export interface LockoutTiming {
  /** How long a push may go unacknowledged (the app fetching the lockout) before a text follows. */
  pushAckTimeoutMs?: number;
  /** How long the workflow waits at most, for a lockout that does not expire by itself. */
  maxWaitMs?: number;
  directory?: DirectoryBounds;
}

/** No agent answered in time: the unlock may or may not have happened, and trying again is harmless. */
const UNLOCK_UNCONFIRMED = 'We could not confirm the unlock. Try again in a minute.';

export const DEFAULT_PUSH_ACK_TIMEOUT_MS = 60_000;
export const DEFAULT_LOCKOUT_MAX_WAIT_MS = 24 * 60 * 60_000;

export const lockoutClearedSignal = defineSignal(LOCKOUT_SIGNALS.cleared);
export const lockoutAcknowledgedSignal = defineSignal(LOCKOUT_SIGNALS.acknowledged);
export const lockoutResetChosenSignal = defineSignal<[LockoutActor & { resetId: string }]>(LOCKOUT_SIGNALS.resetChosen);
export const lockoutUnlockUpdate = defineUpdate<LockoutUnlockResult, [LockoutActor]>(LOCKOUT_UNLOCK_UPDATE);

const central = proxyLocalActivities<CentralActivities>({
  startToCloseTimeout: '10s',
  scheduleToCloseTimeout: '2m',
  retry: {
    initialInterval: '200ms',
    maximumInterval: '10s',
    nonRetryableErrorTypes: [
      ...PROVIDER_NON_RETRYABLE,
      FailureType.ResetNotAuthorized,
      FailureType.AgentResultRejected,
      FailureType.SmsLimitReached,
    ],
  },
});
const notice = proxyLocalActivities<CentralActivities>(BACKGROUND_EMAIL);

/**
 * One lockout of one enrolled user, from the notice to its end: tell the user (push, or text; a text after an
 * unacknowledged push), then wait for an unlock or a reset that the server has already verified (UV in the app,
 * the PIN policy by text), for the lock to expire or be lifted elsewhere, or for the wait to run out; then record
 * how it ended and email the owner. The unlock itself is a signed command to the client's agent, issued by the
 * central worker only for the open lockout this workflow's id names.
 */
export async function accountLockoutWorkflow(
  input: AccountLockoutInput,
  timing: LockoutTiming = {},
): Promise<AccountLockoutResult> {
  let ending: LockoutEnding | undefined;
  let by: string | null = null;
  let acknowledged = false;
  let unlocking = false;
  const end = (how: LockoutEnding, who: string | null) => {
    if (ending !== undefined) return;
    ending = how;
    by = who;
  };

  setHandler(lockoutClearedSignal, () => end('cleared', 'directory'));
  setHandler(lockoutAcknowledgedSignal, () => {
    acknowledged = true;
  });
  setHandler(lockoutResetChosenSignal, (chosen) => end('reset', chosen.actor));
  setHandler(
    lockoutUnlockUpdate,
    async (actor): Promise<LockoutUnlockResult> => {
      unlocking = true;
      try {
        const issued = await central.issueUnlockCommand();
        let result: DirectoryCommandResult;
        try {
          result = await callDirectoryAgent(issued.agentEndpoint, 'unlock', issued.signed, timing.directory);
        } catch (error) {
          const failure = describeFailure(error);
          await central.recordUnlockFailure({ by: actor, code: failure.code });
          const message = failure.code === 'directory_unconfirmed' ? UNLOCK_UNCONFIRMED : failure.userMessage;
          return { status: 'failed', code: failure.code, message };
        }
        await central.completeUnlock({ signed: issued.signed, result, by: actor });
        end('unlocked', actor.actor);
        return { status: 'unlocked' };
      } catch (error) {
        if (!isActivityFailure(error)) throw error;
        return { status: 'failed', code: 'unlock_failed', message: 'The account could not be unlocked.' };
      } finally {
        unlocking = false;
      }
    },
    {
      validator: (_actor: LockoutActor) => {
        if (ending !== undefined) {
          throw ApplicationFailure.create({ type: 'LockoutEnded', message: 'This account is not locked any more.' });
        }
        if (unlocking) {
          throw ApplicationFailure.create({ type: FailureType.Busy, message: 'An unlock is already under way.' });
        }
      },
    },
  );

  const sent = await central.sendLockoutNotice();
  if (!sent) return { lockoutId: null, ending: 'not_found' };

  const maxWaitMs = timing.maxWaitMs ?? DEFAULT_LOCKOUT_MAX_WAIT_MS;
  const deadline = Math.min(input.unlocksAtMs ?? Number.MAX_SAFE_INTEGER, Date.now() + maxWaitMs);
  const settled = () => ending !== undefined && !unlocking;

  if (sent.notice === 'push') {
    const heard = await condition(
      () => acknowledged || ending !== undefined,
      timing.pushAckTimeoutMs ?? DEFAULT_PUSH_ACK_TIMEOUT_MS,
    );
    if (!heard) await central.sendLockoutTextFallback();
  }
  const remaining = deadline - Date.now();
  if (!(remaining > 0 && (await condition(settled, remaining)))) {
    // An unlock under way when time ran out is let finish: the agent may have unlocked already.
    await condition(() => !unlocking);
    end(input.unlocksAtMs !== null && Date.now() >= input.unlocksAtMs ? 'expired' : 'timed_out', null);
  }
  await condition(allHandlersFinished);
  const how = ending ?? 'timed_out';
  await central.endLockout({ ending: how, by });
  await notice.notifyOwnerOfLockout({ ending: how });
  return { lockoutId: sent.lockoutId, ending: how, ...(by ? { by } : {}) };
}
