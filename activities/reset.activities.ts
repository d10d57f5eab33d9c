import { ApplicationFailure } from '@temporalio/activity';

import type { ResetChannel } from '../server/db/password-resets.store';
import type { ActivityDeps } from './deps';
import { loadUserContext } from './user-context';
import { toActivityFailure } from './provider-failure';
import { sendTemplatedEmail } from './send-templated-email';


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
    const phone = user.phone_encrypted ? secrets.phoneCipher.decrypt(user.phone_encrypted, 'users.phone_encrypted') : null;
    return { user, org: { mspId: found.mspId, mspName: found.mspName, clientId: user.client_id, clientName: found.clientName }, phone };
  }

  const audit = (org: { mspId: string; clientId: string }, userId: string, actor: string, action: Parameters<ActivityDeps['stores']['audit']['record']>[0]['action'], detail: Record<string, string | number | boolean | null>) =>
    stores.audit.record({ mspId: org.mspId, clientId: org.clientId, userId, actor, action, detail });

  const historyRow = (input: ResetRecord, clientId: string, status: 'completed' | 'failed', failureCode: string | null) => ({
    id: input.resetId,
    user_id: input.userId,
    client_id: clientId,
    channel: input.channel,
    requested_by: input.requestedBy,
    status,
    failure_code: failureCode,
    requestedAt: new Date(input.requestedAt),
  });

  async function sendSms(to: string, body: string) {
    try {
      await deps.sms.send({ to, body });
    } catch (error) {
      toActivityFailure(error);
    }
  }

  return {
    /** Texts exactly the password the agent set, which arrives here only inside this activity's encrypted input. */
    async deliverResetPassword(input: ResetRecord & { password: string; unlocked: boolean; mustChange: boolean }): Promise<void> {
      const { user, org, phone } = await context(input.userId);
      if (!phone) throw ApplicationFailure.create({ type: 'NotEnrolled', message: 'the user has no enrolled phone any more', nonRetryable: true });
      await sendSms(phone, render('sms-reset-password', { mspName: org.mspName, password: input.password, mustChange: input.mustChange, unlocked: input.unlocked }));
      await Promise.all([
        stores.passwordResets.record(historyRow(input, user.client_id, 'completed', null)),
        audit(org, user.id, 'system', 'reset.completed', { resetId: input.resetId, unlocked: input.unlocked }),
      ]);
    },

    async failPasswordReset(input: ResetRecord & { code: string; userMessage: string }): Promise<void> {
      const { user, org, phone } = await context(input.userId);
      await Promise.all([
        stores.passwordResets.record(historyRow(input, user.client_id, 'failed', input.code)),
        audit(org, user.id, 'system', 'reset.failed', { resetId: input.resetId, code: input.code }),
      ]);
      if (phone) await sendSms(phone, render('sms-reset-failed', { mspName: org.mspName, reason: input.userMessage }));
    },

    /** The owner hears of every reset by email, so a reset they did not ask for does not go unnoticed. */
    async notifyOwnerOfReset(input: { userId: string; channel: ResetChannel }): Promise<void> {
      const { user, org } = await context(input.userId);
      const view = {
        displayName: user.display_name ?? user.username,
        username: user.username,
        clientName: org.clientName,
        mspName: org.mspName,
        when: new Date().toUTCString(),
        how: input.channel === 'sms' ? 'from your phone by text message' : `by ${org.mspName}'s help desk`,
      };
      await sendTemplatedEmail(deps.email, render, 'reset-notice-email', user.email, view);
    },
  };
}
