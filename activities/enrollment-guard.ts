import { ApplicationFailure, Context } from '@temporalio/activity';
import type { EnrollmentMethod, EnrollmentRef } from '../common/domain/enrollment';
import { FailureType } from '../common/domain/failure-types';
import { makeEnrollmentWorkflowId } from '../common/domain/workflow-ids';
import type { EnrollmentRecord } from './ports';

/**
 * The checks that enrollment activities make before they act (issue 7, section 4). Anyone who can reach
 * Temporal can schedule a central activity with any input, so the input is never the authority: the workflow
 * run that scheduled the task, as the Temporal server recorded it, and the enrollment's own rows are.
 */

/** The workflow run that scheduled the running activity. The server fills this in; a scheduler cannot choose it. */
export interface ActivityOrigin {
  workflowId: string;
  runId: string;
}

export function activityOrigin(): ActivityOrigin {
  // No workflow at all (an activity run on its own) matches no enrollment workflow id, so it is refused.
  const execution = Context.current().info.workflowExecution;
  return { workflowId: execution?.workflowId ?? '', runId: execution?.runId ?? '' };
}

/** Why `origin` is not the user's enrollment workflow, or undefined when it is. */
export function foreignWorkflow(userId: string, origin: ActivityOrigin): string | undefined {
  return origin.workflowId === makeEnrollmentWorkflowId(userId)
    ? undefined
    : "the task was not scheduled by this user's enrollment workflow";
}

/**
 * Why `origin` may not act on the enrollment `ref` names, or undefined when it may: the task must come from the
 * user's own enrollment workflow, and from the run that opened this enrollment (rows opened before runs were
 * recorded are matched on the workflow id alone).
 */
export function foreignEnrollment(
  record: EnrollmentRecord | undefined,
  ref: EnrollmentRef,
  origin: ActivityOrigin,
): string | undefined {
  const workflow = foreignWorkflow(ref.userId, origin);
  if (workflow) return workflow;
  if (!record) return 'there is no such enrollment';
  if (record.userId !== ref.userId) return "the enrollment is another user's";
  if (record.workflowId !== origin.workflowId) return 'the enrollment is run by another workflow';
  if (record.runId !== null && record.runId !== origin.runId) return 'the enrollment was opened by another run';
  return undefined;
}

export type CompletionVerdict = { outcome: 'complete' } | { outcome: 'already_complete' } | { refused: string };

/**
 * Whether an enrollment may be completed with this method and phone: it is open and `enrolling`, so is its
 * user, and the latest code went to this very phone and the API saw it typed. A retry of a completion that
 * already committed finds exactly what that completion wrote, and is told so instead of being refused.
 */
export function completionVerdict(
  record: EnrollmentRecord,
  claim: { method: EnrollmentMethod; phoneLookup: string },
): CompletionVerdict {
  if (record.codePhoneLookup !== claim.phoneLookup) return { refused: 'no code was sent to this phone' };
  if (!record.codeVerified) return { refused: 'the code sent to this phone was not verified' };
  const enrolled = claim.method === 'app' ? 'enrolled_app' : 'enrolled_sms';
  if (record.ended) {
    const done = record.status === enrolled && record.userStatus === enrolled;
    return done && record.userPhoneLookup === claim.phoneLookup
      ? { outcome: 'already_complete' }
      : { refused: `the enrollment has ended (${record.status})` };
  }
  if (record.status !== 'enrolling') return { refused: `the enrollment is ${record.status}, not enrolling` };
  if (record.userStatus !== 'enrolling') return { refused: `the user is ${record.userStatus}, not enrolling` };
  return { outcome: 'complete' };
}

/**
 * A non-retryable refusal: no retry can change what the database shows. Logged with the workflow that asked, so
 * that an operator can see the forgery; the reason names no phone, code or PIN.
 */
export function refusal(type: FailureType, reason: string, origin: ActivityOrigin): ApplicationFailure {
  Context.current().log.warn('Refused an enrollment activity', { type, reason, workflowId: origin.workflowId });
  return ApplicationFailure.create({ type, message: `Refused: ${reason}`, nonRetryable: true });
}

/** Throws unless `origin` is the user's enrollment workflow. */
export function assertEnrollmentWorkflow(userId: string, origin: ActivityOrigin): void {
  const reason = foreignWorkflow(userId, origin);
  if (reason) throw refusal(FailureType.EnrollmentNotOwned, reason, origin);
}

/** Throws unless `origin` may act on the enrollment; returns the record when it may. */
export function assertOwnEnrollment(
  record: EnrollmentRecord | undefined,
  ref: EnrollmentRef,
  origin: ActivityOrigin,
): EnrollmentRecord {
  const reason = foreignEnrollment(record, ref, origin);
  if (reason) throw refusal(FailureType.EnrollmentNotOwned, reason, origin);
  return record!;
}
