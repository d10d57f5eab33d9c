import type { AuditAction } from '../server/db/audit.store';
import type { EnrollmentStatus } from '../server/db/enrollments.store';
import type { UserStatus } from '../server/db/users.store';
import type { EnrollmentMethod } from '../workflows/enrollment.types';
import type { ActivityDeps } from './deps';

export interface EnrollmentRef {
  enrollmentId: string;
  userId: string;
}

type AuditDetail = Record<string, string | number | boolean | null>;

export interface RecordStepInput extends EnrollmentRef {
  userStatus: UserStatus;
  enrollmentStatus: EnrollmentStatus;
  ended: boolean;
  action: AuditAction;
  detail?: AuditDetail;
}

/** The database side of enrollment: the projection that the API reads, and the audit trail. */
export function createEnrollmentActivities(deps: ActivityDeps) {
  const { db, stores, secrets } = deps;

  return {
    async openEnrollment(input: EnrollmentRef & { workflowId: string }): Promise<void> {
      // The user's status was already moved to "invited" by the API call that started this workflow.
      await stores.enrollments.open(input);
    },

    async recordEnrollmentStep(input: RecordStepInput): Promise<void> {
      await db.transaction(async (trx) => {
        await stores.users.setStatus(input.userId, input.userStatus, trx);
        await stores.enrollments.setStatus(input.enrollmentId, input.enrollmentStatus, input.ended, trx);
        await stores.audit.recordForUser(
          {
            userId: input.userId,
            actor: 'system',
            action: input.action,
            detail: { enrollmentId: input.enrollmentId, ...input.detail },
          },
          trx,
        );
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
      await db.transaction(async (trx) => {
        await stores.users.markEnrolled(
          input.userId,
          {
            method: input.method,
            phoneEncrypted: secrets.phoneCipher.encrypt(input.phone, 'users.phone_encrypted'),
            phoneLookup: secrets.hash('phone-lookup', input.phone),
            smsPinHash: input.pinHash ?? null,
          },
          trx,
        );
        await stores.enrollments.setStatus(
          input.enrollmentId,
          input.method === 'app' ? 'enrolled_app' : 'enrolled_sms',
          true,
          trx,
        );
        await stores.audit.recordForUser(
          {
            userId: input.userId,
            actor: 'user',
            action: 'enrollment.completed',
            detail: { enrollmentId: input.enrollmentId, method: input.method },
          },
          trx,
        );
      });
    },
  };
}
