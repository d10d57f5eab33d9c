import { patched, proxyLocalActivities } from '@temporalio/workflow';
import type { CentralActivities } from '../../activities';
import type { IssuedCommand } from '../../activities/reset.activities';
import type { DirectoryCommandResult } from '../../common/domain/directory-command';
import { FailureType } from '../../common/domain/failure-types';
import { SET_NOT_DELIVERED_CODE } from '../../common/domain/reset';
import { applicationFailureOf, BACKGROUND_EMAIL, isActivityFailure, PROVIDER_NON_RETRYABLE } from '../activity-options';
import { legacyPasswordReset, type LegacyPasswordResetInput } from './legacy-v1';
import { callDirectoryAgent } from './directory-call';
import { describeFailure, UNCONFIRMED, type PasswordResetResult } from './outcome';

export type { PasswordResetResult } from './outcome';

/**
 * Only what the database cannot say. Who is reset, which account, which agent endpoint and the client's policy are
 * read by the central activities from the pending reset that the starter wrote, for the client and user that
 * the workflow id names; nothing here is trusted to choose them.
 */
export interface PasswordResetInput {
  resetId: string;
  /** 32 bytes from the starter's CSPRNG; the password derives from it, so every retry sets the same one. */
  nonce: string;
  /** Bounds on the directory step; tests shrink them. */
  directory?: { attemptTimeoutMs?: number; totalTimeoutMs?: number; maximumAttempts?: number };
}

/** The marker of passwordResetWorkflow runs that sign their directory command; earlier ones replay the v1 story. */
const SIGNED_COMMANDS = 'signed-directory-commands';

/**
 * Signing, delivery and bookkeeping are short and run as local activities in the workflow's own worker: no
 * round trip through the Temporal server for each, which is most of what a reset costs besides the directory
 * write itself (see bench/reset.bench.ts). A local activity can run twice if its worker dies before the result
 * is recorded; here that means the same password texted twice, never a different one.
 */
const central = proxyLocalActivities<CentralActivities>({
  startToCloseTimeout: '10s',
  scheduleToCloseTimeout: '5m',
  retry: {
    initialInterval: '200ms',
    maximumInterval: '10s',
    nonRetryableErrorTypes: [
      ...PROVIDER_NON_RETRYABLE,
      FailureType.ResetNotAuthorized,
      FailureType.AgentResultRejected,
      FailureType.NotEnrolled,
    ],
  },
});
/** The owner's notice may wait out an SMTP outage; nobody is waiting on it. */
const notice = proxyLocalActivities<CentralActivities>(BACKGROUND_EMAIL);

/** Why the password, once set, did not reach the user. */
function undelivered(error: unknown): { code: string; userMessage: string } {
  if (applicationFailureOf(error)?.type === FailureType.AgentResultRejected) {
    return { code: 'agent_result_rejected', userMessage: UNCONFIRMED };
  }
  return { code: SET_NOT_DELIVERED_CODE, userMessage: UNCONFIRMED };
}

/**
 * One password reset: authorise, set on the agent, deliver, notify. The central worker signs the command only
 * for a reset it finds pending in the database; the agent obeys only that signature; the agent's answer proves
 * which command it carried out and carries no password, which the central worker derives again just before
 * texting it. So neither a forged start nor a stolen task can set or learn anyone's password.
 */
export async function signedPasswordResetWorkflow(input: PasswordResetInput): Promise<PasswordResetResult> {
  const { resetId } = input;
  const fail = async (failure: { code: string; userMessage: string }): Promise<PasswordResetResult> => {
    await central.failPasswordReset({ resetId, ...failure });
    return { status: 'failed', resetId, ...failure };
  };

  let issued: IssuedCommand;
  try {
    issued = await central.issueResetCommand({ resetId, nonce: input.nonce });
  } catch (error) {
    const refusal = applicationFailureOf(error)?.type;
    // Nobody asked for this reset, so there is nothing to record and nobody to tell.
    if (!isActivityFailure(error) || refusal === FailureType.ResetNotAuthorized) throw error;
    if (refusal === FailureType.NotEnrolled) {
      return fail({ code: 'not_enrolled', userMessage: 'This account has no enrolled phone any more.' });
    }
    return fail(describeFailure(error));
  }

  let result: DirectoryCommandResult;
  try {
    result = await callDirectoryAgent(issued.agentEndpoint, 'resetPassword', issued.signed, input.directory);
  } catch (error) {
    return fail(describeFailure(error));
  }

  let delivered: { unlocked: boolean; ownerNotified?: boolean };
  try {
    delivered = await central.deliverResetPassword({ resetId, signed: issued.signed, result });
  } catch (error) {
    return fail(undelivered(error));
  }
  // Runs recorded before delivery tried the notice itself have no ownerNotified, and replay the step as they ran.
  if (!delivered.ownerNotified) await notice.notifyOwnerOfReset({ resetId });
  return { status: 'completed', resetId, unlocked: delivered.unlocked };
}

/**
 * The type resets ran under before signedPasswordResetWorkflow, kept registered for the runs it still has: those
 * recorded before signing replay the v1 story, those after it the signed one. Latchkey starts the new type
 * instead of patching this one for good, because a patch costs every run forever a marker and an upsert of the
 * TemporalChangeVersion search attribute, which is a visibility write on the server; a retired type costs
 * nothing once its runs are gone, and can then be removed.
 */
export async function passwordResetWorkflow(input: PasswordResetInput): Promise<PasswordResetResult> {
  if (!patched(SIGNED_COMMANDS)) return legacyPasswordReset(input as unknown as LegacyPasswordResetInput);
  return signedPasswordResetWorkflow(input);
}
