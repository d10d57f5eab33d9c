import type { AuditAction } from '../common/domain/audit-actions';
import type { EnrollmentMethod, EnrollmentRef } from '../common/domain/enrollment';
import type { EnrollmentStatus, UserStatus } from '../common/domain/statuses';
import type { ActivityDeps } from './deps';
import type { AuditDetail } from './ports';

export interface RecordStepInput extends EnrollmentRef {
  userStatus: UserStatus;
  enrollmentStatus: EnrollmentStatus;
  ended: boolean;
  action: AuditAction;
  detail?: AuditDetail;
}

/** The database side of enrollment: the projection that the API reads, and the audit trail. */
export function createEnrollmentActivities(deps: ActivityDeps) {
  const { transact, stores, secrets } = deps;

  return {
    async openEnrollment(input: EnrollmentRef & { workflowId: string }): Promise<void> {
      // The user's status was already moved to "invited" by the API call that started this workflow.
      await stores.enrollments.open(input);
    },

    async recordEnrollmentStep(input: RecordStepInput): Promise<void> {
      await transact(async ({ users, enrollments, audit }) => {
        await users.setStatus(input.userId, input.userStatus);
        await enrollments.setStatus(input.enrollmentId, input.enrollmentStatus, input.ended);
        await audit.recordForUser({
          userId: input.userId,
          actor: 'system',
          action: input.action,
          detail: { enrollmentId: input.enrollmentId, ...input.detail },
        });
      });
    },

    async recordAudit(input: EnrollmentRef & { action: AuditAction; detail?: AuditDetail }): Promise<void> {
      await stores.audit.recordForUser({
        userId: input.userId,
        actor: 'user',
        action: input.action,
        detail: { enrollmentId: input.enrollmentId, ...input.detail },
      });
    },

    /**
     * Idempotent: a retry writes the same row again. The phone is stored only encrypted, plus a keyed hash; the
     * SMS PIN arrives already hashed by the web page, so it never reaches history in clear.
     */
    async completeEnrollment(
      input: EnrollmentRef & { method: EnrollmentMethod; phone: string; pinHash?: string },
    ): Promise<void> {
      await transact(async ({ users, enrollments, audit }) => {
        await users.markEnrolled(input.userId, {
          method: input.method,
          phoneEncrypted: secrets.phoneCipher.encrypt(input.phone, 'users.phone_encrypted'),
          phoneLookup: secrets.hash('phone-lookup', input.phone),
          smsPinHash: input.pinHash ?? null,
        });
        await enrollments.setStatus(input.enrollmentId, input.method === 'app' ? 'enrolled_app' : 'enrolled_sms', true);
        await audit.recordForUser({
          userId: input.userId,
          actor: 'user',
          action: 'enrollment.completed',
          detail: { enrollmentId: input.enrollmentId, method: input.method },
        });
      });
    },
  };
}
