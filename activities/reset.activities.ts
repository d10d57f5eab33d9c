import { ApplicationFailure } from '@temporalio/activity';
import { resolveClientPolicy, type ClientPolicy } from '../common/client-policy';
import type { ResetChannel } from '../server/db/password-resets.store';
import type { ActivityDeps } from './deps';
import { toActivityFailure } from './provider-failure';

const HOUR_MS = 3_600_000;

export interface BeginResetInput {
  resetId: string;
  userId: string;
  channel: ResetChannel;
  requestedBy: string;
}

export type BeginResetResult =
  | { outcome: 'go'; username: string; policy: ClientPolicy }
  | { outcome: 'refused'; reason: 'not_enrolled' | 'rate_limited' };

/** The central half of a password reset: checks, delivery, notice and audit. The directory write is the agent's. */
export function createResetActivities(deps: ActivityDeps) {
  const { stores, secrets, render } = deps;

  async function context(userId: string) {
    const found = await stores.tenants.userWithOrg(userId);
    if (!found) throw ApplicationFailure.create({ type: 'UserNotFound', message: `user ${userId} no longer exists`, nonRetryable: true });
    const { user } = found;
    const phone = user.phone_encrypted ? secrets.phoneCipher.decrypt(user.phone_encrypted, 'users.phone_encrypted') : null;
    return { user, org: { mspId: found.mspId, mspName: found.mspName, clientId: user.client_id, clientName: found.clientName }, policy: resolveClientPolicy(found.clientSettings), phone };
  }

  const audit = (org: { mspId: string; clientId: string }, userId: string, actor: string, action: Parameters<ActivityDeps['stores']['audit']['record']>[0]['action'], detail: Record<string, string | number | boolean | null>) =>
    stores.audit.record({ mspId: org.mspId, clientId: org.clientId, userId, actor, action, detail });

  async function sendSms(to: string, body: string) {
    try {
      await deps.sms.send({ to, body });
    } catch (error) {
      toActivityFailure(error);
    }
  }

  return {
    /** Opens the history row and applies the per-user limit; a refused reset is audited and goes no further. */
    async beginPasswordReset(input: BeginResetInput): Promise<BeginResetResult> {
      const { user, org, policy, phone } = await context(input.userId);
      const enrolled = !!phone && ['enrolled_sms', 'enrolled_app'].includes(user.status);
      // Independent writes, so they go out together: a reset is on the user's critical path.
      const [verdict] = await Promise.all([
        enrolled ? stores.rateLimits.hit(`reset-user:${user.id}`, policy.resetsPerHour, HOUR_MS) : undefined,
        stores.passwordResets.open({ id: input.resetId, user_id: user.id, client_id: user.client_id, channel: input.channel, requested_by: input.requestedBy }),
        audit(org, user.id, input.requestedBy, 'reset.requested', { resetId: input.resetId, channel: input.channel }),
      ]);
      const refuse = async (reason: 'not_enrolled' | 'rate_limited') => {
        await stores.passwordResets.close(input.resetId, 'refused', reason);
        await audit(org, user.id, 'system', 'reset.refused', { resetId: input.resetId, reason });
        return { outcome: 'refused' as const, reason };
      };
      if (!enrolled || !verdict) return refuse('not_enrolled');
      if (!verdict.allowed) return refuse('rate_limited');
      return { outcome: 'go', username: user.username, policy };
    },

    /** Texts exactly the password the agent set, which arrives here only inside this activity's encrypted input. */
    async deliverResetPassword(input: { resetId: string; userId: string; password: string; unlocked: boolean }): Promise<void> {
      const { user, org, policy, phone } = await context(input.userId);
      await sendSms(phone!, render('sms-reset-password', { mspName: org.mspName, password: input.password, mustChange: policy.mustChangeAtNextLogon, unlocked: input.unlocked }));
      await Promise.all([
        stores.passwordResets.close(input.resetId, 'completed'),
        audit(org, user.id, 'system', 'reset.completed', { resetId: input.resetId, unlocked: input.unlocked }),
      ]);
    },

    async failPasswordReset(input: { resetId: string; userId: string; code: string; userMessage: string }): Promise<void> {
      const { user, org, phone } = await context(input.userId);
      await Promise.all([
        stores.passwordResets.close(input.resetId, 'failed', input.code),
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
      try {
        await deps.email.send({
          to: user.email,
          subject: render('reset-notice-email.subject', view),
          html: render('reset-notice-email.html', view),
          text: render('reset-notice-email.text', view),
        });
      } catch (error) {
        toActivityFailure(error);
      }
    },
  };
}
