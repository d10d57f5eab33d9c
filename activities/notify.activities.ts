import { ApplicationFailure, Context } from '@temporalio/activity';
import { randomToken } from '../common/crypto/keys';
import type { AuditAction } from '../common/domain/audit-actions';
import type { EnrollmentMethod, EnrollmentRef } from '../common/domain/enrollment';
import { FailureType } from '../common/domain/failure-types';
import { deriveVerificationCode, hashVerificationCode } from '../common/secrets/verification-code';
import type { ActivityDeps } from './deps';
import { loadUserContext } from './user-context';
import { sendSms, sendTemplatedEmail } from './send-message';
import { DAY_MS } from '../common/duration';
import { allowedSmsCountries, resolveClientPolicy } from '../common/domain/client-policy';
import { countryOfPhone } from '../common/phone-country';
import { createClientSmsBudget } from './client-sms-budget';
import { activityOrigin, assertEnrollmentWorkflow, assertOwnEnrollment, refusal } from './enrollment-guard';

export interface SendActivationEmailInput {
  enrollmentId: string;
  userId: string;
  linkTtlMs: number;
  resend: boolean;
}

export interface SendVerificationCodeInput {
  enrollmentId: string;
  userId: string;
  phone: string;
  nonce: string;
  codeTtlMs: number;
}

/** Email and SMS to the end user. Each message is rendered from a template and handed to a provider. */
export function createNotifyActivities(deps: ActivityDeps) {
  const { stores, secrets, render } = deps;
  const budget = createClientSmsBudget({
    rateLimits: stores.rateLimits,
    alerts: deps.alerts,
    smsPerClientPerDay: deps.limits.smsPerClientPerDay,
  });

  const loadNames = (userId: string) => loadUserContext(stores.tenants, userId);
  /** The app's pairing page with a fresh token in its fragment; the bare app until a pairing service is wired. */
  const pairingLink = async (request: Parameters<NonNullable<ActivityDeps['pairingLink']>>[0]): Promise<string> =>
    deps.pairingLink ? deps.pairingLink(request) : deps.urls.appUrl;
  const audit = (userId: string, action: AuditAction, detail: Record<string, string>) =>
    stores.audit.recordForUser({ userId, actor: 'system', action, detail });

  /** Names the paired device, so that the owner can tell their own phone from someone else's. */
  const appHow = async (userId: string): Promise<string> => {
    const device = await stores.devices.activeDeviceOf(userId);
    return device ? `with the Latchkey app, on the device "${device.label}"` : 'with the Latchkey app';
  };

  return {
    /**
     * A fresh single-use token for every send: a retry or a resend revokes the previous link, so only the
     * newest email works. The token exists in clear only inside this activity and the email itself.
     */
    async sendActivationEmail(input: SendActivationEmailInput): Promise<void> {
      assertOwnEnrollment(await stores.enrollments.find(input.enrollmentId), input, activityOrigin());
      const { user, clientName, mspName } = await loadNames(input.userId);
      const token = randomToken(32);
      const expiresAt = new Date(Date.now() + input.linkTtlMs);
      await stores.enrollments.replaceLink(input.enrollmentId, secrets.hash('link-token-hash', token), expiresAt);
      const context = {
        displayName: user.displayName ?? user.username,
        mspName,
        clientName,
        link: `${deps.urls.publicUrl}/activate/${token}`,
        expiresAt: expiresAt.toUTCString(),
      };
      await sendTemplatedEmail(deps.email, render, 'activation-email', user.email, context);
      await audit(user.id, input.resend ? 'activation.resent' : 'activation.email_sent', {
        enrollmentId: input.enrollmentId,
      });
    },

    /**
     * Checks the per-user and per-number daily caps before spending money on an SMS. The caps are counted once
     * per send, not per retry of the same send, so a flaky provider does not eat the user's allowance. Only the
     * run that owns an open enrollment may send, and what it sent is recorded on the enrollment (keyed hashes of
     * the number and the code) once the text is out: completeEnrollment binds no other number. Recording after
     * the send keeps the row and the workflow agreeing when a send fails: both keep the previous code.
     */
    async sendVerificationCode(input: SendVerificationCodeInput): Promise<{ codeHash: string }> {
      const sendBegan = new Date();
      const origin = activityOrigin();
      const enrollment = assertOwnEnrollment(await stores.enrollments.find(input.enrollmentId), input, origin);
      if (enrollment.ended) throw refusal(FailureType.EnrollmentNotOwned, 'the enrollment has ended', origin);
      const { user, mspName, clientSettings } = await loadNames(input.userId);
      const countries = allowedSmsCountries(resolveClientPolicy(clientSettings), deps.limits.smsCountries);
      if (countries && !countries.includes(countryOfPhone(input.phone) ?? '')) {
        // The enrollment page refuses such a number first; this holds when a workflow asks for it anyway.
        throw ApplicationFailure.create({
          type: FailureType.SmsCountryNotAllowed,
          message: 'codes are not sent to numbers of that country for this client',
          nonRetryable: true,
        });
      }
      if (Context.current().info.attempt === 1) {
        for (const [subject, limit] of [
          [`sms-user:${user.id}`, deps.limits.smsPerDay],
          [`sms-phone:${secrets.hash('rate-limit-subject', input.phone)}`, deps.limits.smsPerDay],
        ] as const) {
          const verdict = await stores.rateLimits.hit(subject, limit, DAY_MS);
          if (!verdict.allowed) {
            await audit(user.id, 'rate_limit.exceeded', {
              limit: subject.startsWith('sms-user') ? 'sms_per_user_per_day' : 'sms_per_number_per_day',
            });
            throw ApplicationFailure.create({
              type: FailureType.SmsLimitReached,
              message: `No more codes can be sent today; try again in ${Math.ceil(verdict.retryAfterSeconds / 3600)} hour(s)`,
              nonRetryable: true,
            });
          }
        }
      }
      await budget.spend({ clientId: user.clientId, clientSettings, userId: user.id });
      const code = deriveVerificationCode(secrets, input.enrollmentId, input.nonce);
      await sendSms(
        deps.sms,
        input.phone,
        render('sms-verification-code', { code, mspName, minutes: Math.round(input.codeTtlMs / 60_000) }),
      );
      const codeHash = hashVerificationCode(secrets, input.enrollmentId, code);
      await stores.enrollments.recordCodeSent(input.enrollmentId, {
        phoneLookup: secrets.hash('phone-lookup', input.phone),
        codeHash,
        sendBegan,
      });
      await audit(user.id, 'enrollment.code_sent', { enrollmentId: input.enrollmentId });
      return { codeHash };
    },

    /**
     * Tells the account's owner, at the email address on file, that a phone was set up for password reset (F5):
     * whoever read the activation email first could otherwise bind their own phone unnoticed. The email names the
     * phone's last two digits and carries a single-use, expiring "This wasn't me" link, stored as its keyed hash.
     * A retry mints another link and keeps the earlier ones, whose email may already have gone out. Nothing is
     * sent once the enrollment no longer stands (the user was deactivated, or enrolled again since).
     */
    async notifyOwnerOfEnrollment(input: EnrollmentRef & { method: EnrollmentMethod }): Promise<void> {
      const origin = activityOrigin();
      const record = assertOwnEnrollment(await stores.enrollments.find(input.enrollmentId), input, origin);
      const enrolled = input.method === 'app' ? 'enrolled_app' : 'enrolled_sms';
      const standing = record.status === enrolled && record.userStatus === enrolled;
      if (!standing || (await stores.enrollments.latestOf(input.userId)) !== input.enrollmentId) return;
      const { user, clientName, mspName } = await loadNames(input.userId);
      if (!user.phoneEncrypted) return;
      const phone = secrets.phoneCipher.decrypt(user.phoneEncrypted, 'users.phone_encrypted');
      const token = randomToken(32);
      const expiresAt = new Date(Date.now() + deps.notices.disownLinkTtlMs);
      await stores.enrollments.addDisownLink(input.enrollmentId, secrets.hash('disown-token-hash', token), expiresAt);
      await sendTemplatedEmail(deps.email, render, 'enrollment-notice-email', user.email, {
        displayName: user.displayName ?? user.username,
        username: user.username,
        clientName,
        mspName,
        phoneEnding: phone.slice(-2),
        how: input.method === 'app' ? await appHow(user.id) : 'by texting RESET from that phone',
        when: new Date().toUTCString(),
        link: `${deps.urls.publicUrl}/disown/${token}`,
        expiresAt: expiresAt.toUTCString(),
      });
      await audit(user.id, 'enrollment.owner_notified', { enrollmentId: input.enrollmentId });
    },

    /**
     * The texted way into the enrollment's pairing step: a link to the app with a pairing token that needs no
     * number match, since receiving the text proves the number. Only to the number whose code this run's open
     * enrollment saw typed. The token is made and stored inside this activity and goes into the text alone:
     * nothing of it is returned, so it never enters history.
     */
    async sendAppPairingLink(input: EnrollmentRef & { phone: string }): Promise<void> {
      const origin = activityOrigin();
      const record = assertOwnEnrollment(await stores.enrollments.find(input.enrollmentId), input, origin);
      if (record.ended) throw refusal(FailureType.EnrollmentNotOwned, 'the enrollment has ended', origin);
      if (!record.codeVerified || record.codePhoneLookup !== secrets.hash('phone-lookup', input.phone))
        throw refusal(FailureType.EnrollmentNotVerified, 'the code sent to this phone was not verified', origin);
      const { user, mspName, clientSettings } = await loadNames(input.userId);
      await budget.spend({ clientId: user.clientId, clientSettings, userId: user.id });
      const link = await pairingLink({
        userId: user.id,
        clientId: user.clientId,
        enrollmentWorkflowId: origin.workflowId,
        requiresMatch: false,
      });
      await sendSms(deps.sms, input.phone, render('sms-app-link', { mspName, link }));
      await audit(user.id, 'enrollment.app_link_sent', { enrollmentId: input.enrollmentId });
    },

    /** Only to the number the user is enrolled with now, and only for the user's own enrollment workflow. */
    async sendEnrollmentConfirmation(input: {
      userId: string;
      phone: string;
      method: EnrollmentMethod;
      /** The enrollment paired a device in its pairing step: the text confirms it instead of linking the app. */
      paired?: boolean;
    }): Promise<void> {
      const origin = activityOrigin();
      assertEnrollmentWorkflow(input.userId, origin);
      const { user, mspName, clientSettings } = await loadNames(input.userId);
      const enrolledPhone = user.phoneEncrypted
        ? secrets.phoneCipher.decrypt(user.phoneEncrypted, 'users.phone_encrypted')
        : null;
      if (enrolledPhone !== input.phone)
        throw refusal(FailureType.EnrollmentNotVerified, 'the user is not enrolled with this phone', origin);
      // An enrollment that ended at the choice of the app (before the pairing step) links the app, with a token
      // for pairing again, since its own pairing step never came.
      const body =
        input.method === 'sms'
          ? render('sms-reset-instructions', { mspName })
          : input.paired
            ? render('sms-app-paired', { mspName })
            : render('sms-app-link', {
                mspName,
                link: await pairingLink({
                  userId: user.id,
                  clientId: user.clientId,
                  enrollmentWorkflowId: null,
                  requiresMatch: false,
                }),
              });
      try {
        await budget.spend({ clientId: user.clientId, clientSettings, userId: user.id });
      } catch (error) {
        // The user is enrolled already; a confirmation the ceiling stops is not worth failing the step for.
        if (!(error instanceof ApplicationFailure) || error.type !== FailureType.SmsLimitReached) throw error;
        Context.current().log.warn('Skipped an enrollment confirmation: the client reached its daily SMS ceiling');
        return;
      }
      await sendSms(deps.sms, input.phone, body);
    },
  };
}
