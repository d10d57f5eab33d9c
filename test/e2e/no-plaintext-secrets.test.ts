import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { temporal } from '@temporalio/proto';
import { activateNewUser, codeIn, reachCodeStep } from '../support/enrollment-flow';
import {
  containsSecret,
  decodeHistoryPayloads,
  decodeThroughCodecEndpoint,
  dumpDatabase,
  payloadsIn,
  rawHistories,
} from '../support/secret-search';
import { createTenant, startTestStack, type TestStack } from '../support/stack';
import { makeEnrollmentWorkflowId } from '../../common/domain/workflow-ids';
import { createLogger } from '../../common/logger';
import type { RunningAgent } from '../../agent/agent';
import { startSambaDc, type SambaDc } from '../support/samba';
import { enrolledDirectoryUser, passwordTextedTo, startTestAgent } from '../support/reset-setup';

describe('no secret or phone number is stored or logged in clear', () => {
  let stack: TestStack;
  let enrolledUserId: string;
  const secrets: Record<string, string> = {};

  before(async () => {
    stack = await startTestStack({ env: { SMS_RESEND_INTERVAL: '0s' } });
    // A whole enrollment with a wrong code and a resend, so every kind of secret passes through the system.
    const { link, api, tenant, userId } = await activateNewUser(stack);
    enrolledUserId = userId;
    const phone = '+14155552671';
    const { browser, code } = await reachCodeStep(stack, link, phone);
    assert.equal((await browser.post('/enroll/code', { code: code === '000000' ? '111111' : '000000' })).status, 422);
    const seen = new Set(stack.outbox.list().map((m) => m.id));
    const resent = await browser.post('/enroll/resend', {});
    assert.match(resent.html, /new code is on its way/);
    const second = codeIn(await stack.outbox.waitFor((m) => m.to === phone && !seen.has(m.id)));
    await browser.submit('/enroll/code', { code: second });
    await browser.submit('/enroll/method', { method: 'sms' });
    const user = await api('GET', `/clients/${tenant.clientId}/users/${userId}`);
    assert.equal(user.body.status, 'enrolled_sms');
    Object.assign(secrets, {
      'first SMS code': code,
      'second SMS code': second,
      'activation link token': link.split('/').pop()!,
      'phone number (E.164)': phone,
      'phone number (national digits)': phone.slice(2),
      'API key': tenant.apiKey,
    });
    // Let the final audit writes and workflow completion land before searching.
    await stack.runtime.temporal.workflow.getHandle(makeEnrollmentWorkflowId(userId)).result();
    // The owner's notice carries a "This wasn't me" token; its confirm page is opened, so its path is logged.
    const notice = await stack.outbox.waitFor(
      (m) => m.to === user.body.email && /phone was set up/.test(m.subject ?? ''),
    );
    const disown = /\/disown\/([A-Za-z0-9_-]{43})/.exec(notice.text);
    assert.ok(disown, 'the notice has a disown link');
    assert.equal((await browser.get(disown[0])).status, 200);
    secrets['"This wasn\'t me" token'] = disown[1]!;
  });

  after(async () => {
    await stack?.stop();
  });

  it('finds none of them in a dump of the app database', async () => {
    const dump = await dumpDatabase(stack.database.db);
    assert.ok(dump.includes('enrollment.completed'), 'the dump is not empty');
    for (const [name, value] of Object.entries(secrets))
      assert.ok(!containsSecret(dump, value), `${name} is in the database dump`);
  });

  it('finds none of them in the log output', () => {
    const logs = stack.logs.join('');
    assert.ok(logs.length > 0, 'the app logged something');
    for (const [name, value] of Object.entries(secrets))
      assert.ok(!containsSecret(logs, value), `${name} is in the logs`);
  });

  it('finds none of them in any workflow history read without the codec, though the codec can read them', async () => {
    const histories = await rawHistories(stack.runtime.temporal, stack.runtime.taskQueue);
    assert.ok(histories.length >= 1);
    for (const { workflowId, bytes } of histories) {
      for (const [name, value] of Object.entries(secrets)) {
        assert.ok(!containsSecret(bytes, value), `${name} is readable in the history of ${workflowId}`);
      }
    }
    // Control: decrypting the enrollment's history with the codec does reveal the phone number, so the search
    // above looks in the right place and the payloads really are there, encrypted. (The queue also runs the
    // maintenance workflows, which carry no phone number, so the first history listed is not always it.)
    const enrollment = histories.find(({ workflowId }) => workflowId === makeEnrollmentWorkflowId(enrolledUserId));
    assert.ok(enrollment, 'the enrollment is among the histories');
    const history = temporal.api.history.v1.History.decode(enrollment.bytes);
    const payloads = history.events.flatMap((event) => [
      ...(event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.args?.payloads ?? []),
      ...(event.activityTaskScheduledEventAttributes?.input?.payloads ?? []),
    ]);
    const clear = await decodeHistoryPayloads(stack, enrollment.workflowId, payloads);
    assert.ok(clear.includes(secrets['phone number (E.164)']!), 'decoded history should contain the phone number');
  });
});

describe('no reset password is stored or logged in clear', () => {
  let dc: SambaDc;
  let stack: TestStack;
  let agent: RunningAgent & { token: string };
  const agentLogs: string[] = [];
  const secrets: Record<string, string> = {};

  before(async () => {
    dc = await startSambaDc();
    stack = await startTestStack();
    const tenant = await createTenant(stack, 'Secret Reset MSP');
    agent = await startTestAgent(
      stack,
      tenant,
      dc,
      {},
      createLogger('debug', { service: 'agent' }, (line) => void agentLogs.push(line)),
    );
    const user = await enrolledDirectoryUser(stack, tenant, dc);
    const seen = new Set(stack.outbox.list().map((m) => m.id));
    const reset = await user.api('POST', `/clients/${tenant.clientId}/users/${user.userId}/reset-password`);
    assert.equal(reset.body.status, 'completed');
    const password = await passwordTextedTo(stack, user.phone, seen);
    await assert.rejects(dc.bind(user.upn, password), /data 773/, 'the texted password is the one that was set');
    Object.assign(secrets, { 'reset password': password, 'phone number': user.phone, 'agent token': agent.token });
    username = user.username;
  });
  let username = '';

  after(async () => {
    await agent?.stop();
    await stack?.stop();
    await dc?.stop();
  });

  it('finds the password in neither the database, the logs (central and agent) nor any raw history', async () => {
    const dump = await dumpDatabase(stack.database.db);
    assert.ok(dump.includes('reset.completed'), 'the dump is not empty');
    const logs = stack.logs.join('') + agentLogs.join('');
    const histories = await rawHistories(stack.runtime.temporal, stack.runtime.taskQueue);
    assert.ok(histories.some((h) => h.workflowId.startsWith('password-reset-')));
    for (const [name, value] of Object.entries(secrets)) {
      assert.ok(!containsSecret(dump, value), `${name} is in the database dump`);
      assert.ok(!containsSecret(logs, value), `${name} is in the logs`);
      for (const { workflowId, bytes } of histories)
        assert.ok(!containsSecret(bytes, value), `${name} is readable in ${workflowId}`);
    }
  });

  it('finds no password in any history even decoded through /codec, as an admin reads it in the Web UI', async () => {
    const histories = await rawHistories(stack.runtime.temporal, stack.runtime.taskQueue);
    const resets = histories.filter((h) => h.workflowId.startsWith('password-reset-'));
    assert.ok(resets.length >= 1);
    for (const { workflowId, bytes } of resets) {
      const clear = await decodeThroughCodecEndpoint(
        stack.url,
        stack.config.codecAdminToken!,
        stack.runtime.temporal.options.namespace,
        // Only what the codec sealed: the rest (search attributes, say) is plain by design, and the raw search
        // above already looks through it.
        payloadsIn(bytes).filter(
          (payload) => Buffer.from(payload.metadata?.encoding ?? []).toString() === 'binary/encrypted',
        ),
      );
      // Control: the decoded history is really there; the signed command names the account it resets.
      assert.ok(clear.includes(username), `the decoded history of ${workflowId} should name the account`);
      assert.ok(!containsSecret(clear, secrets['reset password']!), `the password is readable in ${workflowId}`);
    }
  });
});
