import type { AuditAction } from '../common/domain/audit-actions';
import type { EnrollmentMethod, EnrollmentRef } from '../common/domain/enrollment';
import { FailureType } from '../common/domain/failure-types';
import { ENROLLING_STATUSES, type EnrollmentStatus, type UserStatus } from '../common/domain/statuses';
import type { ActivityDeps } from './deps';
import {
  type ActivityOrigin,
  activityOrigin,
  assertEnrollmentWorkflow,
  assertOwnEnrollment,
  completionVerdict,
  refusal,
} from './enrollment-guard';
import type { AuditDetail, TransactionalStores } from './ports';

export interface RecordStepInput extends EnrollmentRef {
  userStatus: UserStatus;
  enrollmentStatus: EnrollmentStatus;
  ended: boolean;
  action: AuditAction;
  detail?: AuditDetail;
  /** Who took the step: the user (opening the link) or, by default, Latchkey itself (a block, an expiry). */
  actor?: 'user' | 'system';
}

/**
 * The database side of enrollment: the projection that the API reads, and the audit trail. Each activity first
 * checks that the workflow run which scheduled it owns the enrollment it names (enrollment-guard.ts), so a
 * workflow of someone else's cannot write to a user's rows.
 */
export function createEnrollmentActivities(deps: ActivityDeps) {
  const { transact, stores, secrets } = deps;

  return {
    /**
     * Claims, for this run, the enrollment that the API created before it started the workflow (and moved the
     * user to "invited"): every later activity must come from this same run. A workflow that no starter vouched
     * for finds no row, and every activity it schedules is refused.
     */
    async openEnrollment(input: EnrollmentRef & { workflowId: string }): Promise<void> {
      const origin = activityOrigin();
      if (input.workflowId !== origin.workflowId)
        throw refusal(FailureType.EnrollmentNotOwned, 'the workflow id in the input is not the caller', origin);
      assertEnrollmentWorkflow(input.userId, origin);
      if (!(await stores.enrollments.claim({ ...input, runId: origin.runId })))
        throw refusal(FailureType.EnrollmentNotOwned, 'the starter created no such enrollment for this run', origin);
    },

    /**
     * Projects a step onto the enrollment and its user, conditionally (F15): only while the enrollment is open,
     * and only a user who is still enrolling. Once a deactivation (or a completion) has ended the enrollment, a
     * step that arrives late, such as a block or the workflow's own "cancelled", is audited and changes no status:
     * it cannot put an off-boarded user back to "enrolling", nor a re-activated one to "deactivated".
     */
    async recordEnrollmentStep(input: RecordStepInput): Promise<void> {
      const origin = activityOrigin();
      await transact(async ({ users, enrollments, audit }) => {
        const record = assertOwnEnrollment(await enrollments.find(input.enrollmentId, { lock: true }), input, origin);
        if (!record.ended) {
          await users.transition(input.userId, ENROLLING_STATUSES, input.userStatus);
          await enrollments.setStatus(input.enrollmentId, input.enrollmentStatus, input.ended);
        }
        await audit.recordForUser({
          userId: input.userId,
          actor: input.actor ?? 'system',
          action: input.action,
          detail: { enrollmentId: input.enrollmentId, ...input.detail },
        });
      });
    },

    async recordAudit(input: EnrollmentRef & { action: AuditAction; detail?: AuditDetail }): Promise<void> {
      assertOwnEnrollment(await stores.enrollments.find(input.enrollmentId), input, activityOrigin());
      await stores.audit.recordForUser({
        userId: input.userId,
        actor: 'user',
        action: input.action,
        detail: { enrollmentId: input.enrollmentId, ...input.detail },
      });
    },

    /**
     * Binds the phone only when the database shows this very completion was earned: the enrollment is this
     * run's, open and `enrolling`, its user is `enrolling`, and the latest code went to this phone and was seen
     * typed by the API (which alone writes that). Otherwise a non-retryable refusal, with nothing written. The
     * rows stay locked from the check to the writes, so a deactivation cannot slip in between. A retry after a
     * commit finds its own writes and succeeds without writing again. The phone is stored only encrypted, plus a
     * keyed hash; the SMS PIN arrives already hashed by the web page, so it never reaches history in clear.
     */
    async completeEnrollment(
      input: EnrollmentRef & { method: EnrollmentMethod; phone: string; pinHash?: string },
    ): Promise<void> {
      const origin = activityOrigin();
      const phoneLookup = secrets.hash('phone-lookup', input.phone);
      await transact(async (tx) => {
        if ((await verifiedCompletion(tx, input, input.method, phoneLookup, origin)) === 'already_complete') return;
        await bindPhone(tx, input, phoneLookup, {}, origin);
      });
    },

    /**
     * The user chose the app: checked as a completion would be (this run's open enrollment, the code to this
     * phone seen typed), and audited, but nothing is bound yet. The phone is bound when a device pairs.
     */
    async chooseAppMethod(input: EnrollmentRef & { phone: string }): Promise<void> {
      const origin = activityOrigin();
      const phoneLookup = secrets.hash('phone-lookup', input.phone);
      await transact(async (tx) => {
        if ((await verifiedCompletion(tx, input, 'app', phoneLookup, origin)) === 'already_complete') return;
        await tx.audit.recordForUser({
          userId: input.userId,
          actor: 'user',
          action: 'enrollment.app_chosen',
          detail: { enrollmentId: input.enrollmentId },
        });
      });
    },

    /**
     * The enrollment's pairing step is done: in one transaction, the device becomes active and the user enrolled
     * (app) with the verified phone. The device must be this user's and not revoked. A pending_match one (a QR
     * code whose number was matched, or a texted or on-phone link) is activated here; one already active
     * (the server activated it itself, or a retry of this very activity after its commit) is accepted as it is.
     * Anything else is refused with nothing written.
     */
    async completeAppPairing(
      input: EnrollmentRef & { phone: string; deviceId: string; pinHash?: string },
    ): Promise<void> {
      const origin = activityOrigin();
      const phoneLookup = secrets.hash('phone-lookup', input.phone);
      await transact(async (tx) => {
        const outcome = await verifiedCompletion(tx, input, 'app', phoneLookup, origin);
        const device = await tx.devices.find(input.deviceId);
        if (!device || device.userId !== input.userId)
          throw refusal(FailureType.DeviceNotPairable, "the device is not this user's", origin);
        if (device.status === 'revoked') throw refusal(FailureType.DeviceNotPairable, 'the device is revoked', origin);
        if (device.status === 'pending_match' && !(await tx.devices.activate(device.id, input.userId)))
          throw refusal(FailureType.DeviceNotPairable, 'the device moved on', origin);
        if (outcome === 'already_complete') return;
        await bindPhone(tx, { ...input, method: 'app' }, phoneLookup, { deviceId: device.id }, origin);
      });
    },
  };

  /**
   * Locks this run's enrollment and its user, and refuses unless the latest code went to this phone and was seen
   * typed; 'already_complete' when a retry after a commit finds its own writes.
   */
  async function verifiedCompletion(
    tx: TransactionalStores,
    input: EnrollmentRef,
    method: EnrollmentMethod,
    phoneLookup: string,
    origin: ActivityOrigin,
  ): Promise<'complete' | 'already_complete'> {
    const record = assertOwnEnrollment(await tx.enrollments.find(input.enrollmentId, { lock: true }), input, origin);
    const verdict = completionVerdict(record, { method, phoneLookup });
    if ('refused' in verdict) throw refusal(FailureType.EnrollmentNotVerified, verdict.refused, origin);
    return verdict.outcome === 'already_complete' ? 'already_complete' : 'complete';
  }

  /** Enrolls the user with the verified phone and ends the enrollment, audited; the caller holds the row locks. */
  async function bindPhone(
    { users, enrollments, audit }: TransactionalStores,
    input: EnrollmentRef & { method: EnrollmentMethod; phone: string; pinHash?: string },
    phoneLookup: string,
    detail: AuditDetail,
    origin: ActivityOrigin,
  ): Promise<void> {
    const enrolled = await users.markEnrolled(input.userId, {
      method: input.method,
      phoneEncrypted: secrets.phoneCipher.encrypt(input.phone, 'users.phone_encrypted'),
      phoneLookup,
      smsPinHash: input.pinHash ?? null,
    });
    const ended = await enrollments.markEnrolled(
      input.enrollmentId,
      input.method === 'app' ? 'enrolled_app' : 'enrolled_sms',
    );
    // Unreachable while the rows are locked; if it ever happens, the throw rolls the other write back.
    if (!enrolled || !ended)
      throw refusal(FailureType.EnrollmentNotVerified, 'the user or enrollment moved on', origin);
    await audit.recordForUser({
      userId: input.userId,
      actor: 'user',
      action: 'enrollment.completed',
      detail: { enrollmentId: input.enrollmentId, method: input.method, ...detail },
    });
  }
}
