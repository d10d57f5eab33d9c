import type { RenderTemplate } from '../../activities/message-templates';
import type { MspAlerter } from '../../activities/msp-alerts';
import { sendTemplatedEmail } from '../../activities/send-message';
import type { EmailProvider } from '../../plugins/types';
import type { AuditAction } from '../../common/domain/audit-actions';
import { resolveClientPolicy } from '../../common/domain/client-policy';
import { constantTimeEqual } from '../../common/crypto/keys';
import type { Secrets } from '../../common/crypto/secrets';
import { AgentOfflineError, InputError } from '../../common/errors';
import { errorFields, type Logger } from '../../common/logger';
import type { AuditStore } from '../db/audit.store';
import type { RateLimitStore } from '../db/rate-limit.store';
import type { TenantsStore } from '../db/tenants.store';
import type { PhoneOwner, UsersStore } from '../db/users.store';
import { normalisePhoneNumber } from './phone-number';
import type { ResetService } from './reset.service';
import type { LockoutService } from './lockout.service';
import type { PairingService } from './devices/pairing.service';
import { PAIRING_TOKEN_TTL_MS } from '../../common/domain/device';
import { parseSmsCommand } from './sms-keywords';
import { hashSmsPin, isPinFormat } from '../../common/secrets/sms-pin';
import { HOUR_MS, MINUTE_MS } from '../../common/duration';

export interface InboundSmsDeps {
  users: UsersStore;
  audit: AuditStore;
  rateLimits: RateLimitStore;
  secrets: Secrets;
  resets: Pick<ResetService, 'start'>;
  /** For UNLOCK: the lockout service, which checks the lockout, the unlock budget and the agent. */
  lockouts?: Pick<LockoutService, 'unlock' | 'noteReset'>;
  /** For PAIR: a new pairing link for an app user whose phone was unpaired, revoked or replaced. */
  pairing: Pick<PairingService, 'issue'>;
  render: RenderTemplate;
  defaultPhoneRegion: string;
  logger: Logger;
  /** For the owner's email when SMS RESET locks: the user's names, client and MSP. */
  tenants: Pick<TenantsStore, 'userWithOrg'>;
  email: EmailProvider;
  alerts: MspAlerter;
  /** PINs one user may try in an hour, right or wrong, before every RESET is refused until the hour ends. */
  pinAttemptsPerHour?: number;
  /**
   * Replies one sender may get in an hour. Each reply is a text the MSP pays for, sent to whatever number the
   * sender claims, so an unthrottled reply is a toll-fraud pump; past this the text is still acted on, unanswered.
   */
  repliesPerHour?: number;
}

export interface InboundSms {
  /** The sender as the carrier gave it (E.164 from Twilio; typed by hand on the dev form). */
  from: string;
  body: string;
}

type RejectReason =
  'missing_pin' | 'wrong_pin' | 'no_pin_set' | 'pin_rate_limited' | 'sms_reset_locked' | 'several_accounts';

const GENERIC_HINT = 'Sorry, we did not understand that. Text RESET for a new password, or HELP for help.';
const PAIRING_LINK_MINUTES = PAIRING_TOKEN_TTL_MS / MINUTE_MS;
const ACTOR = 'sms';

/**
 * Texts to the service number, whichever way they arrive (the Twilio webhook or the outbox's dev form). Returns
 * the reply to text back, or null for none. Every RESET gets the same reply, whatever happened, so that texting
 * a number in is no way to learn whether it belongs to an account or whether a PIN was right. (HELP mentions the
 * PIN only when that number's client needs one; the reply goes to that number's own holder.)
 */
export class InboundSmsService {
  private readonly pinAttemptsPerHour: number;
  private readonly repliesPerHour: number;

  constructor(private readonly deps: InboundSmsDeps) {
    this.pinAttemptsPerHour = deps.pinAttemptsPerHour ?? 5;
    this.repliesPerHour = deps.repliesPerHour ?? 10;
  }

  async handle(sms: InboundSms): Promise<string | null> {
    const reply = await this.act(sms);
    if (reply === null) return null;
    const subject = `sms-reply:${this.deps.secrets.hash('rate-limit-subject', sms.from.trim())}`;
    const verdict = await this.deps.rateLimits.hit(subject, this.repliesPerHour, HOUR_MS);
    if (verdict.allowed) return reply;
    // Logged without the number: the sender is personal data, and the log says enough to spot a pump.
    this.deps.logger.warn('Left an inbound SMS unanswered: its sender has had its replies for this hour', {
      repliesPerHour: this.repliesPerHour,
    });
    return null;
  }

  private async act(sms: InboundSms): Promise<string | null> {
    const command = parseSmsCommand(sms.body);
    if (command.keyword === 'other') return GENERIC_HINT;
    const lookup = this.phoneLookup(sms.from);
    switch (command.keyword) {
      // No reply to either: Twilio confirms opt-outs and opt-ins itself, and a second text would be one too many.
      case 'stop':
        if (lookup) await this.setOptOut(lookup, true);
        return null;
      case 'start':
        if (lookup) await this.setOptOut(lookup, false);
        return null;
      case 'help': {
        const owners = lookup ? await this.deps.users.findEnrolledByPhone(lookup) : [];
        return this.deps.render('sms-help', {
          pin: owners.some((owner) => requiresPin(owner)),
          app: owners.some((owner) => owner.enrollment_method === 'app'),
        });
      }
      case 'reset': {
        const outcome = lookup ? await this.reset(lookup, command.pin) : undefined;
        // The one reply that differs: the number's own holder, whose PIN was right, hears at once that nothing can
        // be changed now, rather than waiting for a password that will not come.
        if (outcome === 'agent_offline') return this.deps.render('sms-reset-unavailable', {});
        return this.deps.render('sms-reset-neutral', {});
      }
      case 'unlock':
        if (lookup) await this.unlock(lookup, command.pin);
        return this.deps.render('sms-unlock-neutral', {});
      case 'pair':
        return (lookup && (await this.pairingLink(lookup))) ?? this.deps.render('sms-pair-neutral', {});
    }
  }

  /**
   * A link that pairs the app again, for the one app user this number belongs to. Unlike RESET's, this reply
   * differs by account, but it goes only to the number itself: a forged sender gets nothing back, and whoever holds
   * the phone pairs a device the owner is emailed about (device notices).
   */
  private async pairingLink(lookup: string): Promise<string | null> {
    const owners = await this.deps.users.findEnrolledByPhone(lookup);
    if (owners.length !== 1 || owners[0]!.enrollment_method !== 'app') return null;
    const owner = owners[0]!;
    const link = await this.deps.pairing.issue({
      userId: owner.id,
      clientId: owner.client_id,
      enrollmentWorkflowId: null,
      requiresMatch: false,
    });
    await this.audit(owner.id, 'device.pair_link_sent');
    return this.deps.render('sms-pair-link', { link: link.url, minutes: PAIRING_LINK_MINUTES });
  }

  /** Undefined for a sender that is not a number we could have enrolled (a short code, a typo on the dev form). */
  private phoneLookup(from: string): string | undefined {
    try {
      return this.deps.secrets.hash('phone-lookup', normalisePhoneNumber(from, this.deps.defaultPhoneRegion));
    } catch (error) {
      if (error instanceof InputError) return undefined;
      throw error;
    }
  }

  private async setOptOut(lookup: string, optedOut: boolean): Promise<void> {
    const changed = await this.deps.users.setSmsOptOut(lookup, optedOut);
    for (const userId of changed) await this.audit(userId, optedOut ? 'sms.opted_out' : 'sms.opted_in');
  }

  private async reset(lookup: string, pin: string | null): Promise<'agent_offline' | undefined> {
    const owners = await this.deps.users.findEnrolledByPhone(lookup);
    if (owners.length === 0) return;
    if (owners.length > 1) {
      // Guessing which account is meant could reset the wrong person's password; the help desk must do it.
      for (const owner of owners) await this.reject(owner, 'several_accounts');
      return;
    }
    const owner = owners[0]!;
    if (requiresPin(owner)) {
      const refusal = await this.checkPin(owner, pin);
      if (refusal) {
        await this.reject(owner, refusal);
        return undefined;
      }
    }
    try {
      const started = await this.deps.resets.start({
        userId: owner.id,
        clientId: owner.client_id,
        channel: 'sms',
        requestedBy: ACTOR,
      });
      if (started.outcome === 'started') {
        await this.deps.lockouts?.noteReset(owner.id, { actor: ACTOR, channel: 'sms' }, started.resetId);
      }
    } catch (error) {
      if (error instanceof AgentOfflineError) return 'agent_offline';
      // The reply stays neutral even now, or a failure would tell the sender an account exists.
      this.deps.logger.error('Could not start an SMS password reset', { userId: owner.id, ...errorFields(error) });
    }
  }

  /**
   * UNLOCK, under the same rules as RESET: one account per number, the client's PIN policy, and a reply that says
   * nothing of what happened. The outcome is texted by the workflow once the agent has unlocked.
   */
  private async unlock(lookup: string, pin: string | null): Promise<void> {
    const owners = await this.deps.users.findEnrolledByPhone(lookup);
    if (owners.length === 0 || !this.deps.lockouts) return;
    if (owners.length > 1) {
      for (const owner of owners) await this.audit(owner.id, 'lockout.unlock_refused', { reason: 'several_accounts' });
      return;
    }
    const owner = owners[0]!;
    if (requiresPin(owner)) {
      const refusal = await this.checkPin(owner, pin);
      if (refusal) return this.audit(owner.id, 'lockout.unlock_refused', { reason: refusal });
    }
    try {
      await this.deps.lockouts.unlock({ userId: owner.id, by: { actor: ACTOR, channel: 'sms' } });
    } catch (error) {
      // Not locked, over the hourly budget, a reset recommended, no agent: audited by the service, unanswered here.
      this.deps.logger.warn('An SMS unlock was not carried out', { userId: owner.id, ...errorFields(error) });
    }
  }

  private async checkPin(owner: PhoneOwner, pin: string | null): Promise<RejectReason | undefined> {
    // Before anything else: while locked, not even the right PIN gets through, nor is the hourly budget spent.
    if (owner.sms_reset_locked_until && owner.sms_reset_locked_until.getTime() > Date.now()) return 'sms_reset_locked';
    if (pin === null) return 'missing_pin';
    // Counted before the comparison, right or wrong, so that the limit bounds guesses and not just failures.
    const verdict = await this.deps.rateLimits.hit(`sms-pin:${owner.id}`, this.pinAttemptsPerHour, HOUR_MS);
    if (!verdict.allowed) return 'pin_rate_limited';
    if (!owner.sms_pin_hash) return 'no_pin_set';
    const matches =
      isPinFormat(pin) && constantTimeEqual(hashSmsPin(this.deps.secrets, owner.id, pin), owner.sms_pin_hash);
    if (matches) {
      await this.deps.users.clearSmsPinFailures(owner.id);
      return undefined;
    }
    const policy = resolveClientPolicy(owner.client_settings);
    const { locked } = await this.deps.users.recordWrongSmsPin(
      owner.id,
      policy.smsPinMaxFailures,
      policy.smsPinLockMinutes * MINUTE_MS,
    );
    if (locked) await this.lockedOut(owner, policy.smsPinMaxFailures, policy.smsPinLockMinutes);
    return 'wrong_pin';
  }

  /**
   * The owner hears of the lock by email, which a thief holding the phone does not read, and the MSP through its
   * alerter. Neither failing undoes the lock or changes the reply; each is logged.
   */
  private async lockedOut(owner: PhoneOwner, failures: number, minutes: number): Promise<void> {
    const until = new Date(Date.now() + minutes * MINUTE_MS);
    await this.audit(owner.id, 'sms.reset_locked', { failures: String(failures), until: until.toISOString() });
    const found = await this.deps.tenants.userWithOrg(owner.id);
    if (!found) return;
    const { user } = found;
    try {
      await sendTemplatedEmail(this.deps.email, this.deps.render, 'sms-reset-locked-email', user.email, {
        displayName: user.displayName ?? user.username,
        username: user.username,
        clientName: found.clientName,
        mspName: found.mspName,
        failures,
        until: until.toUTCString(),
      });
    } catch (error) {
      this.deps.logger.error('Could not email the owner that SMS RESET is locked', {
        userId: owner.id,
        ...errorFields(error),
      });
    }
    try {
      await this.deps.alerts.alert({
        clientId: owner.client_id,
        userId: owner.id,
        kind: 'sms_reset_locked',
        summary: `${failures} wrong PINs in a row were texted for ${user.username}; SMS RESET is locked for that user until ${until.toUTCString()} or until a technician lifts it.`,
      });
    } catch (error) {
      this.deps.logger.error('Could not alert the MSP that SMS RESET is locked', {
        userId: owner.id,
        ...errorFields(error),
      });
    }
  }

  private reject(owner: PhoneOwner, reason: RejectReason): Promise<void> {
    return this.audit(owner.id, 'sms.reset_rejected', { reason });
  }

  private audit(userId: string, action: AuditAction, detail?: Record<string, string>): Promise<void> {
    return this.deps.audit.recordForUser({ userId, actor: ACTOR, action, detail });
  }
}

function requiresPin(owner: PhoneOwner): boolean {
  return resolveClientPolicy(owner.client_settings).requireSmsPin;
}
