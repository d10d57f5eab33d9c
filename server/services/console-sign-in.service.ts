import type { Secrets } from '../../common/crypto/secrets';
import { RateLimitedError } from '../../common/errors';
import { verifyAgainstDecoy, verifyPassword } from '../../common/secrets/password-hash';
import { matchingTotpStep } from '../../common/secrets/totp';
import type { AuditStore } from '../db/audit.store';
import type { RateLimitStore } from '../db/rate-limit.store';
import type { TechnicianRow, TechniciansStore } from '../db/technicians.store';
import { TOTP_SECRET_COLUMN, totpCipher } from './technician-accounts.service';

export interface SignInLimits {
  /** Wrong passwords or codes one account may take in a window, from anywhere. */
  failuresPerAccount: number;
  /** Wrong passwords or codes one address (IPv6: its /64) may send in a window, over every account. */
  failuresPerAddress: number;
  windowMs: number;
}

export const DEFAULT_SIGN_IN_LIMITS: SignInLimits = {
  failuresPerAccount: 5,
  failuresPerAddress: 30,
  windowMs: 15 * 60_000,
};

export type PasswordCheck = { status: 'ok'; technician: TechnicianRow } | { status: 'refused' };
export type CodeCheck = 'ok' | 'wrong' | 'replayed';

/**
 * The two steps of a technician's sign-in. Each failure counts against the account (by the keyed hash of its
 * email, so even an email with no account runs out) and against the address; once either is spent every try is
 * refused before anything is compared, so the answer tells a guesser nothing until the window has passed.
 */
export class ConsoleSignInService {
  constructor(
    private readonly deps: {
      technicians: TechniciansStore;
      rateLimits: RateLimitStore;
      audit: AuditStore;
      secrets: Secrets;
      limits: SignInLimits;
    },
  ) {}

  private subjects(email: string, address: string) {
    const hash = (value: string) => this.deps.secrets.hash('rate-limit-subject', value);
    const { limits } = this.deps;
    return [
      { subject: `console-sign-in:account:${hash(email.trim().toLowerCase())}`, limit: limits.failuresPerAccount },
      { subject: `console-sign-in:address:${hash(address)}`, limit: limits.failuresPerAddress },
    ];
  }

  private async refuseIfSpent(email: string | undefined, address: string): Promise<void> {
    const subjects = this.subjects(email ?? '', address);
    for (const { subject, limit } of email === undefined ? subjects.slice(1) : subjects) {
      const verdict = await this.deps.rateLimits.peek(subject, limit, this.deps.limits.windowMs);
      if (!verdict.allowed)
        throw new RateLimitedError(
          `Too many wrong sign-in attempts; try again in ${Math.ceil(verdict.retryAfterSeconds / 60)} minutes`,
          verdict.retryAfterSeconds,
        );
    }
  }

  private async recordFailure(email: string, address: string, technician: TechnicianRow | undefined, reason: string) {
    for (const { subject, limit } of this.subjects(email, address))
      await this.deps.rateLimits.hit(subject, limit, this.deps.limits.windowMs);
    if (technician)
      await this.deps.audit.record({
        mspId: technician.msp_id,
        // Whoever typed it is not known to be the technician: the account is named in the detail instead.
        actor: 'anonymous',
        action: 'technician.sign_in_refused',
        detail: { technicianId: technician.id, reason },
      });
  }

  /** For a passkey sign-in, which names no account until it is verified: the address's allowance only. */
  async refuseIfAddressSpent(address: string): Promise<void> {
    await this.refuseIfSpent(undefined, address);
  }

  async recordPasskeyFailure(address: string): Promise<void> {
    const [, byAddress] = this.subjects('', address);
    await this.deps.rateLimits.hit(byAddress!.subject, byAddress!.limit, this.deps.limits.windowMs);
  }

  async checkPassword(email: string, password: string, address: string): Promise<PasswordCheck> {
    await this.refuseIfSpent(email, address);
    const technician = email ? await this.deps.technicians.findForSignIn(email) : undefined;
    const matches = technician
      ? await verifyPassword(password, technician.password_hash)
      : await verifyAgainstDecoy(password);
    // A disabled account is refused like a wrong password, after the same work.
    if (!technician || !matches || technician.disabled_at) {
      await this.recordFailure(email, address, technician, technician?.disabled_at ? 'disabled' : 'wrong_password');
      return { status: 'refused' };
    }
    return { status: 'ok', technician };
  }

  async checkCode(technicianId: string, code: string, address: string, now = Date.now()): Promise<CodeCheck> {
    const technician = await this.deps.technicians.getRow(technicianId);
    if (!technician || technician.disabled_at) return 'wrong';
    await this.refuseIfSpent(technician.email, address);
    const secret = totpCipher(this.deps.secrets).decrypt(technician.totp_secret_sealed, TOTP_SECRET_COLUMN);
    const step = matchingTotpStep(secret, code.replace(/\s/g, ''), now);
    if (step === undefined) {
      await this.recordFailure(technician.email, address, technician, 'wrong_code');
      return 'wrong';
    }
    if (!(await this.deps.technicians.acceptTotpStep(technician.id, step))) {
      await this.recordFailure(technician.email, address, technician, 'replayed_code');
      return 'replayed';
    }
    return 'ok';
  }
}
