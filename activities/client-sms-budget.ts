import { ApplicationFailure, Context } from '@temporalio/activity';
import { resolveClientPolicy, type ClientSettings } from '../common/domain/client-policy';
import { FailureType } from '../common/domain/failure-types';
import { SMS_CEILING_CODE } from '../common/domain/reset';
import { DAY_MS } from '../common/duration';
import type { MspAlerter } from './msp-alerts';
import type { RateLimitPort } from './ports';

export interface ClientSmsBudgetDeps {
  rateLimits: Pick<RateLimitPort, 'hit'>;
  alerts: MspAlerter;
  /** The instance's ceiling, for clients whose policy sets none. */
  smsPerClientPerDay: number;
}

/** What the user is told when a client's texts for the day are spent. */
export const SMS_CEILING_MESSAGE = 'No more text messages can be sent for your organisation today. Try again tomorrow.';

/**
 * A daily ceiling on the texts sent for one client: a circuit breaker against toll fraud and runaway loops, which
 * the per-user and per-number caps cannot see. Each text is counted once, on the activity's first attempt, so a
 * flaky provider does not spend the budget. The first refusal of the day alerts the MSP; the rest only refuse.
 */
export function createClientSmsBudget(deps: ClientSmsBudgetDeps) {
  return {
    /** Counts one text for the client, or throws a non-retryable SmsLimitReached when the day's budget is spent. */
    async spend(client: { clientId: string; clientSettings: ClientSettings; userId?: string }): Promise<void> {
      if (Context.current().info.attempt > 1) return;
      const ceiling = resolveClientPolicy(client.clientSettings).smsPerDay ?? deps.smsPerClientPerDay;
      const verdict = await deps.rateLimits.hit(`sms-client:${client.clientId}`, ceiling, DAY_MS);
      if (verdict.allowed) return;
      const firstRefusal = await deps.rateLimits.hit(`sms-client-alerted:${client.clientId}`, 1, DAY_MS);
      if (firstRefusal.allowed) {
        await deps.alerts.alert({
          clientId: client.clientId,
          userId: client.userId,
          kind: 'sms_daily_limit_reached',
          summary: `This client reached its ceiling of ${ceiling} text messages in 24 hours, so Latchkey stopped sending texts for it (codes, passwords, notices). Check for abuse; raise the client's smsPerDay if the traffic is genuine.`,
        });
      }
      throw ApplicationFailure.create({
        type: FailureType.SmsLimitReached,
        message: SMS_CEILING_MESSAGE,
        nonRetryable: true,
        details: [{ code: SMS_CEILING_CODE, userMessage: SMS_CEILING_MESSAGE }],
      });
    },
  };
}

export type ClientSmsBudget = ReturnType<typeof createClientSmsBudget>;
