import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunningAgent } from '../../agent/agent';
import { makePasswordResetWorkflowId } from '../../common/domain/workflow-ids';
import { startSmtpReceiver, type SmtpReceiver } from '../fakes/smtp-receiver';
import { enrolledDirectoryUser, passwordTextedTo, startTestAgent, type Tenant } from '../support/reset-setup';
import { startSambaDc, type SambaDc } from '../support/samba';
import { createTenant, startTestStack, type TestStack } from '../support/stack';
import { smtpReceiverEnv } from '../support/vendor-fakes-env';

/**
 * The owner's notice of a reset is tried by the delivery step itself, and sent durably by a step of its own only
 * when that try did not get it out (activities/reset.activities.ts). Real SMTP over the wire, to a receiver that
 * turns the first notice away as a busy server would.
 */
describe("the owner's notice of a reset", () => {
  let dc: SambaDc;
  let smtp: SmtpReceiver;
  let stack: TestStack;
  let tenant: Tenant;
  let agent: RunningAgent;

  before(async () => {
    dc = await startSambaDc();
    smtp = await startSmtpReceiver({ deferMessages: { matching: /password was reset/i, times: 1 } });
    stack = await startTestStack({
      env: smtpReceiverEnv(smtp),
    });
    tenant = await createTenant(stack, 'Notice MSP');
    agent = await startTestAgent(stack, tenant, dc);
  });
  after(async () => {
    await agent?.stop();
    await stack?.stop();
    await smtp?.close();
    await dc?.stop();
  });

  const markersOf = async (userId: string) => {
    const handle = stack.runtime.temporal.workflow.getHandle(makePasswordResetWorkflowId(tenant.clientId, userId));
    await handle.result();
    const events = (await handle.fetchHistory()).events ?? [];
    return events.filter((event) => event.markerRecordedEventAttributes).length;
  };
  const enrolled = () =>
    enrolledDirectoryUser(stack, tenant, dc, {
      mailbox: (email) =>
        smtp.waitForMessage((m) => m.envelope.to.includes(email) && /\/activate\//.test(m.text ?? '')),
    });
  const noticeTo = (email: string) =>
    smtp.waitForMessage((m) => m.envelope.to.includes(email) && /password was reset/i.test(m.subject ?? ''), 30_000);

  // In this order: the receiver turns away only the first notice it is given.
  it("reaches the owner through a durable step of its own when the mail server turns the delivery's try away", async () => {
    const user = await enrolled();
    const seen = new Set(stack.outbox.list().map((m) => m.id));
    const reset = await user.api('POST', `/clients/${tenant.clientId}/users/${user.userId}/reset-password`);
    assert.equal(reset.status, 200, JSON.stringify(reset.body));
    assert.equal(reset.body.status, 'completed', 'the reset itself does not wait for the mail server');
    await passwordTextedTo(stack, user.phone, seen);
    await noticeTo(user.email);
    // Issuing the command, delivering, and the notice's own step: one marker each.
    assert.equal(await markersOf(user.userId), 3);
  });

  it('goes out with the delivery, and no step of its own, when the mail server takes it at once', async () => {
    const user = await enrolled();
    const reset = await user.api('POST', `/clients/${tenant.clientId}/users/${user.userId}/reset-password`);
    assert.equal(reset.status, 200, JSON.stringify(reset.body));
    await noticeTo(user.email);
    assert.equal(await markersOf(user.userId), 2);
  });
});
