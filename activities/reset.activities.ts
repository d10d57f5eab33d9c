import { ApplicationFailure } from '@temporalio/activity';
import { FailureType } from '../common/domain/failure-types';
import type { ResetChannel, ResetOutcome } from '../common/domain/reset';
import type { ActivityDeps } from './deps';
import { loadUserContext } from './user-context';
import { sendSms, sendTemplatedEmail } from './send-message';

export interface ResetRecord {
  resetId: string;
  userId: string;
  channel: ResetChannel;
  requestedBy: string;
  requestedAt: number;
}

/** The central half of a password reset: checks, delivery, notice and audit. The directory write is the agent's. */
export function createResetActivities(deps: ActivityDeps) {
  const { stores, secrets, render } = deps;

  async function context(userId: string) {
    const found = await loadUserContext(stores.tenants, userId);
    const { user } = found;
    const phone = user.phoneEncrypted
      ? secrets.phoneCipher.decrypt(user.phoneEncrypted, 'users.phone_encrypted')
      : null;
    return { user, mspName: found.mspName, clientName: found.clientName, phone };
  }

  const audit = (
    userId: string,
    action: 'reset.completed' | 'reset.failed',
    detail: Record<string, string | boolean>,
  ) => stores.audit.recordForUser({ userId, actor: 'system', action, detail });

  const outcome = (
    input: ResetRecord,
    clientId: string,
    status: 'completed' | 'failed',
    failureCode: string | null,
  ): ResetOutcome => ({
    resetId: input.resetId,
    userId: input.userId,
    clientId,
    channel: input.channel,
    requestedBy: input.requestedBy,
    status,
    failureCode,
    requestedAt: new Date(input.requestedAt),
  });

  return {
    /** Texts exactly the password the agent set, which arrives here only inside this activity's encrypted input. */
    async deliverResetPassword(
      input: ResetRecord & { password: string; unlocked: boolean; mustChange: boolean },
    ): Promise<void> {
      const { user, mspName, phone } = await context(input.userId);
      if (!phone)
        throw ApplicationFailure.create({
          type: FailureType.NotEnrolled,
          message: 'the user has no enrolled phone any more',
          nonRetryable: true,
        });
      await sendSms(
        deps.sms,
        phone,
        render('sms-reset-password', {
          mspName,
          password: input.password,
          mustChange: input.mustChange,
          unlocked: input.unlocked,
        }),
      );
      await Promise.all([
        stores.passwordResets.record(outcome(input, user.clientId, 'completed', null)),
        audit(user.id, 'reset.completed', { resetId: input.resetId, unlocked: input.unlocked }),
      ]);
    },

    async failPasswordReset(input: ResetRecord & { code: string; userMessage: string }): Promise<void> {
      const { user, mspName, phone } = await context(input.userId);
      await Promise.all([
        stores.passwordResets.record(outcome(input, user.clientId, 'failed', input.code)),
        audit(user.id, 'reset.failed', { resetId: input.resetId, code: input.code }),
      ]);
      if (phone) await sendSms(deps.sms, phone, render('sms-reset-failed', { mspName, reason: input.userMessage }));
    },

    /** The owner hears of every reset by email, so a reset they did not ask for does not go unnoticed. */
    async notifyOwnerOfReset(input: { userId: string; channel: ResetChannel }): Promise<void> {
      const { user, mspName, clientName } = await loadUserContext(stores.tenants, input.userId);
      const view = {
        displayName: user.displayName ?? user.username,
        username: user.username,
        clientName,
        mspName,
        when: new Date().toUTCString(),
        how: input.channel === 'sms' ? 'from your phone by text message' : `by ${mspName}'s help desk`,
      };
      await sendTemplatedEmail(deps.email, render, 'reset-notice-email', user.email, view);
    },
  };
}
