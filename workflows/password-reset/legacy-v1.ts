import { proxyActivities, proxyLocalActivities, uuid4 } from '@temporalio/workflow';
import type { ClientPolicy } from '../../common/domain/client-policy';
import { NON_RETRYABLE_DIRECTORY_ERRORS } from '../../common/domain/failure-types';
import type { ResetChannel } from '../../common/domain/reset';
import { BACKGROUND_EMAIL, PROVIDER_NON_RETRYABLE } from '../activity-options';
import { describeFailure, type PasswordResetResult } from './outcome';

/**
 * The reset as it ran before directory commands were signed, kept only so that histories recorded then still
 * replay (workflows/__fixtures__/v1-reset-*.history.json, recorded before signing). Its activity calls no longer succeed: today's agents refuse an
 * unsigned command and today's central activities find no pending reset, so a run that was in flight across the
 * upgrade ends as failed, with nothing written to the directory.
 */
export interface LegacyPasswordResetInput {
  resetId: string;
  userId: string;
  username: string;
  policy: ClientPolicy;
  channel: ResetChannel;
  requestedBy: string;
  requestedAt: number;
  nonce?: string;
  agentTaskQueue: string;
  directory?: { attemptTimeoutMs?: number; totalTimeoutMs?: number; maximumAttempts?: number };
}

/** The activity shapes of that time; declared here because the current ones take other arguments. */
interface LegacyActivities {
  resetDirectoryPassword(input: object): Promise<{ password: string; wasLocked: boolean }>;
  deliverResetPassword(input: object): Promise<void>;
  failPasswordReset(input: object): Promise<void>;
  notifyOwnerOfReset(input: object): Promise<void>;
}

const central = proxyLocalActivities<LegacyActivities>({
  startToCloseTimeout: '10s',
  scheduleToCloseTimeout: '5m',
  retry: { initialInterval: '200ms', maximumInterval: '10s', nonRetryableErrorTypes: PROVIDER_NON_RETRYABLE },
});
const notice = proxyLocalActivities<LegacyActivities>(BACKGROUND_EMAIL);

export async function legacyPasswordReset(input: LegacyPasswordResetInput): Promise<PasswordResetResult> {
  const { resetId, userId } = input;
  const record = {
    resetId,
    userId,
    channel: input.channel,
    requestedBy: input.requestedBy,
    requestedAt: input.requestedAt,
  };
  const agent = proxyActivities<LegacyActivities>({
    taskQueue: input.agentTaskQueue,
    startToCloseTimeout: input.directory?.attemptTimeoutMs ?? 15_000,
    scheduleToCloseTimeout: input.directory?.totalTimeoutMs ?? 90_000,
    retry: {
      initialInterval: '500ms',
      maximumInterval: '10s',
      maximumAttempts: input.directory?.maximumAttempts ?? 5,
      nonRetryableErrorTypes: [...NON_RETRYABLE_DIRECTORY_ERRORS],
    },
  });

  let set: { password: string; wasLocked: boolean };
  try {
    set = await agent.resetDirectoryPassword({
      username: input.username,
      nonce: input.nonce ?? uuid4(),
      length: input.policy.passwordLength,
      mustChangeAtNextLogon: input.policy.mustChangeAtNextLogon,
      unlock: input.policy.unlockOnReset,
    });
  } catch (error) {
    const failure = describeFailure(error);
    await central.failPasswordReset({ ...record, ...failure });
    return { status: 'failed', resetId, ...failure };
  }

  const unlocked = set.wasLocked && input.policy.unlockOnReset;
  await central.deliverResetPassword({
    ...record,
    password: set.password,
    unlocked,
    mustChange: input.policy.mustChangeAtNextLogon,
  });
  await notice.notifyOwnerOfReset({ userId, channel: input.channel });
  return { status: 'completed', resetId, unlocked };
}
