import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { createLogger } from '../../common/logger';
import { makePasswordResetWorkflowId } from '../../common/domain/workflow-ids';
import type { Cleanups } from '../../scripts/lib/cleanups';
import { say } from '../../scripts/lib/say';
import type { DevServerOptions } from '../../scripts/lib/temporal-dev-server';
import { startTestServices } from '../../scripts/lib/test-services';
import { mapLimit } from '../../server/services/map-limit';
import { enrolledDirectoryUser, startTestAgent } from '../../test/support/reset-setup';
import { startSambaDc } from '../../test/support/samba';
import { createTenant, startTestStack } from '../../test/support/stack';
import { eventMs, type HistoryEvent } from './history-time';
import { stats, type Stats } from './stats';

const USERS = 8;
const C8_ROUNDS_PER_LANE = 6;

function wftDispatchOf(events: HistoryEvent[], at: Map<string, number>): number {
  let total = 0;
  for (const event of events) {
    const started = event.workflowTaskStartedEventAttributes;
    if (started) total += eventMs(event) - at.get(String(started.scheduledEventId))!;
  }
  return total;
}

/**
 * The real reset's Nexus call at concurrency 1, on the whole stack (PostgreSQL, a dev server as temporal.yaml
 * configures it with `dynamicConfig` on top, Samba, an agent in this process): from the NexusOperationScheduled event to the first line of the
 * agent's reset command, and, for the whole reset, the time its workflow tasks waited to be dispatched. Then
 * eight at a time, from the histories alone.
 */
export async function measureResetDispatch(
  cleanups: Cleanups,
  dynamicConfig: DevServerOptions['dynamicConfig'],
  rounds: number,
  warmup: number,
) {
  await startTestServices(cleanups, { dynamicConfig });
  say('Provisioning a Samba AD DC…');
  const dc = await startSambaDc();
  cleanups.push(() => dc.stop());
  const stack = await startTestStack({
    logLevel: 'warn',
    env: { LATCHKEY_LOG_LEVEL: 'warn', RATE_LIMIT_PER_IP_PER_MINUTE: '100000', SMS_RESEND_INTERVAL: '0s' },
  });
  cleanups.push(() => stack.stop());
  const tenant = await createTenant(stack, 'Bench MSP');
  await stack.runtime.stores.tenants.updateSettings(tenant.clientId, { requireSmsPin: false, resetsPerHour: 100 });
  let entered: number | undefined;
  const agent = await startTestAgent(
    stack,
    tenant,
    dc,
    { onResetStart: () => (entered ??= performance.timeOrigin + performance.now()) },
    createLogger('warn'),
  );
  cleanups.push(() => agent.stop());
  say(`Enrolling ${USERS} directory users through the pages…`);
  const users = await mapLimit(Array.from({ length: USERS }), 4, () => enrolledDirectoryUser(stack, tenant, dc));

  type Enrolled = (typeof users)[number];
  /** One reset through the API, timed, and the events of its Nexus call from its history. */
  const timedReset = async (user: Enrolled) => {
    const t0 = performance.now();
    const response = await user.api('POST', `/clients/${tenant.clientId}/users/${user.userId}/reset-password`);
    const elapsed = performance.now() - t0;
    assert.equal(response.body.status, 'completed', JSON.stringify(response.body));
    const history = await stack.runtime.temporal.workflow
      .getHandle(makePasswordResetWorkflowId(tenant.clientId, user.userId))
      .fetchHistory();
    const events: HistoryEvent[] = history.events ?? [];
    const at = new Map(events.map((event) => [String(event.eventId), eventMs(event)]));
    const scheduled = events.find((event) => event.nexusOperationScheduledEventAttributes);
    const completed = events.find((event) => event.nexusOperationCompletedEventAttributes);
    assert.ok(scheduled && completed, 'a reset without its Nexus call');
    return {
      elapsed,
      scheduledMs: eventMs(scheduled),
      completedMs: eventMs(completed),
      wftDispatch: wftDispatchOf(events, at),
    };
  };

  say(`Resets one at a time: ${warmup} warm-up + ${rounds}…`);
  const samples: Record<string, number[]> = {};
  const add = (name: string, value: number) => (samples[name] ??= []).push(value);
  for (let round = 0; round < warmup + rounds; round++) {
    const user = users[round % users.length]!;
    entered = undefined;
    if (round < warmup) {
      await timedReset(user);
      continue;
    }
    const { elapsed, scheduledMs, completedMs, wftDispatch } = await timedReset(user);
    assert.ok(entered !== undefined, 'a reset whose agent command did not start');
    add('reset: API request → completed answer', elapsed);
    add('reset Nexus call: scheduled → agent command start', entered - scheduledMs);
    add('reset Nexus call: agent command start → completed event', completedMs - entered);
    add('reset: its workflow tasks, scheduled → started (sum)', wftDispatch);
  }

  // Eight lanes, one user each: the agent's handler timestamp cannot tell concurrent resets apart, so this part
  // reads only the histories.
  say(`Resets eight at a time: ${C8_ROUNDS_PER_LANE} per lane…`);
  const started = performance.now();
  await Promise.all(
    users.map(async (user) => {
      for (let i = 0; i < C8_ROUNDS_PER_LANE; i++) {
        const { elapsed, scheduledMs, completedMs, wftDispatch } = await timedReset(user);
        add('c=8 reset: API request → completed answer', elapsed);
        add('c=8 reset Nexus call: scheduled → completed event', completedMs - scheduledMs);
        add('c=8 reset: its workflow tasks, scheduled → started (sum)', wftDispatch);
      }
    }),
  );
  const throughput = (users.length * C8_ROUNDS_PER_LANE) / ((performance.now() - started) / 1000);
  const rows = Object.entries(samples).map(([name, values]) => [name, stats(values)] as [string, Stats]);
  return { rows, throughputC8: throughput };
}
