import type { MspAlerter } from '../../activities/msp-alerts';
import type { Secrets } from '../../common/crypto/secrets';
import type { EnrollmentMethod } from '../../common/domain/enrollment';
import { errorFields, type Logger } from '../../common/logger';
import type { EnrollmentRecord, EnrollmentsStore } from '../db/enrollments.store';
import type { TenantsStore } from '../db/tenants.store';
import type { StoresInTransaction } from '../db/transact';

export interface DisownServiceDeps {
  secrets: Secrets;
  enrollments: EnrollmentsStore;
  tenants: TenantsStore;
  transact: <T>(work: (stores: StoresInTransaction) => Promise<T>) => Promise<T>;
  alerts: MspAlerter;
  logger: Logger;
}

/**
 * Why a "This wasn't me" link does nothing: never issued, already used, expired, or for an enrollment that no
 * longer stands (the user was deactivated or enrolled again since the email went out).
 */
export type DisownProblem = 'unknown' | 'used' | 'expired' | 'superseded';

export type DisownInspection =
  { outcome: 'valid'; phoneEnding: string; method: EnrollmentMethod; mspName: string } | { outcome: DisownProblem };

export type Disowning = { outcome: 'disowned'; mspName: string } | { outcome: DisownProblem };

const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/**
 * The owner's answer to "a phone was set up for password reset" (F5): a single-use, expiring link that turns the
 * enrollment off. Looking at the link changes nothing, so that mail scanners which follow links cannot disown
 * anyone; only the confirming POST acts, and then it deactivates the user, audits it and alerts the MSP.
 */
export class DisownService {
  constructor(private readonly deps: DisownServiceDeps) {}

  private tokenHash(token: string): string | undefined {
    return TOKEN_PATTERN.test(token) ? this.deps.secrets.hash('disown-token-hash', token) : undefined;
  }

  /** What the confirm page shows: the phone's last two digits and the method, or why the link does nothing. */
  async inspect(token: string): Promise<DisownInspection> {
    const hash = this.tokenHash(token);
    if (!hash) return { outcome: 'unknown' };
    const lookup = await this.deps.enrollments.lookupDisownLink(hash);
    if (lookup.outcome !== 'valid') return { outcome: lookup.outcome };
    const record = await this.deps.enrollments.find(lookup.enrollmentId);
    const found = await this.deps.tenants.userWithOrg(lookup.userId);
    if (!record || !found?.user.phoneEncrypted || !(await stands(record, this.deps.enrollments)))
      return { outcome: 'superseded' };
    const phone = this.deps.secrets.phoneCipher.decrypt(found.user.phoneEncrypted, 'users.phone_encrypted');
    const method = record.status === 'enrolled_app' ? 'app' : 'sms';
    return { outcome: 'valid', phoneEnding: phone.slice(-2), method, mspName: found.mspName };
  }

  /**
   * Spends the link and deactivates the user in one transaction, with the enrollment locked, so that a double
   * click acts once and nothing is half-written; then alerts the MSP. An alert email that fails is logged: the
   * alert is in the audit log already, and the user is off either way.
   */
  async disown(token: string): Promise<Disowning> {
    const hash = this.tokenHash(token);
    if (!hash) return { outcome: 'unknown' };
    const lookup = await this.deps.enrollments.lookupDisownLink(hash);
    if (lookup.outcome !== 'valid') return { outcome: lookup.outcome };
    const outcome = await this.deps.transact(async ({ users, enrollments, audit }) => {
      const record = await enrollments.find(lookup.enrollmentId, { lock: true });
      if (!record || !(await stands(record, enrollments))) return 'superseded' as const;
      if (!(await enrollments.consumeDisownLink(hash))) return 'used' as const;
      await users.deactivate(record.userId);
      await audit.recordForUser({
        userId: record.userId,
        actor: 'user',
        action: 'enrollment.disowned',
        detail: { enrollmentId: record.enrollmentId },
      });
      return 'disowned' as const;
    });
    if (outcome !== 'disowned') return { outcome };
    const found = await this.deps.tenants.userWithOrg(lookup.userId);
    if (found) {
      await this.deps.alerts
        .alert({
          clientId: found.user.clientId,
          userId: lookup.userId,
          kind: 'enrollment_disowned',
          summary:
            `The owner of ${found.user.username} says they did not set up password reset by phone. Latchkey turned ` +
            'it off and deactivated the user; check the account before you activate it again.',
        })
        .catch((error: unknown) =>
          this.deps.logger.warn('The MSP alert for a disowned enrollment was not emailed', errorFields(error)),
        );
    }
    return { outcome: 'disowned', mspName: found?.mspName ?? 'Your IT provider' };
  }
}

/** The enrollment is what the user is enrolled with now: ended as enrolled, the user still so, and none newer. */
async function stands(record: EnrollmentRecord, enrollments: Pick<EnrollmentsStore, 'latestOf'>): Promise<boolean> {
  const enrolled = record.status === 'enrolled_app' || record.status === 'enrolled_sms';
  if (!enrolled || record.userStatus !== record.status) return false;
  return (await enrollments.latestOf(record.userId)) === record.enrollmentId;
}
