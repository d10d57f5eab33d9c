/**
 * Records the histories that the replay test replays. Run it with `npm run fixtures:record` after an intended
 * change to the workflow, review the diff, and commit the JSON files. It drives real enrollments through the
 * pages against the real stack, so the histories are the ones production would write.
 */
import { writeFileSync } from 'node:fs';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { join } from 'node:path';
import { activateNewUser, codeIn, reachCodeStep } from '../../test/support/enrollment-flow';
import { startTestStack } from '../../test/support/stack';
import { makeEnrollmentWorkflowId, makePasswordResetWorkflowId } from '../workflow-ids';
import { startSambaDc } from '../../test/support/samba';
import { enrolledDirectoryUser, startTestAgent } from '../../test/support/reset-setup';
import { createTenant } from '../../test/support/stack';
import { FIXTURE_CODEC_KEYS, FIXTURE_MASTER_KEY } from './fixture-codec';

async function record() {
  const stack = await startTestStack({
    env: { LATCHKEY_CODEC_KEYS: FIXTURE_CODEC_KEYS, LATCHKEY_MASTER_KEY: FIXTURE_MASTER_KEY, SMS_RESEND_INTERVAL: '0s', ENROLLMENT_LINK_TTL: '2s', ENROLLMENT_MAX_CODE_ATTEMPTS: '2', ENROLLMENT_BLOCK_DURATION: '1s' },
  });
  const save = async (name: string, userId: string, workflowId = makeEnrollmentWorkflowId(userId)) => {
    const handle = stack.runtime.temporal.workflow.getHandle(workflowId);
    await handle.result().catch(() => undefined);
    const history = await handle.fetchHistory();
    writeFileSync(join(__dirname, `${name}.history.json`), `${JSON.stringify(JSON.parse(historyToJSON(history)), null, 1)}\n`);
    console.log(`recorded ${name}`);
  };
  try {
    {
      const { link, userId } = await activateNewUser(stack);
      const { browser, code, phone } = await reachCodeStep(stack, link);
      await browser.post('/enroll/code', { code: code === '000000' ? '111111' : '000000' });
      const seen = new Set(stack.outbox.list().map((m) => m.id));
      await browser.post('/enroll/resend', {});
      const fresh = codeIn(await stack.outbox.waitFor((m) => m.to === phone && !seen.has(m.id)));
      await browser.submit('/enroll/code', { code: fresh });
      await browser.submit('/enroll/method', { method: 'sms' });
      await save('enrolled-sms-after-wrong-code-and-resend', userId);
    }
    {
      const { link, userId } = await activateNewUser(stack);
      const { browser, code } = await reachCodeStep(stack, link, '+447911123456');
      await browser.submit('/enroll/code', { code });
      await browser.submit('/enroll/method', { method: 'app' });
      await save('enrolled-app', userId);
    }
    {
      const { userId } = await activateNewUser(stack);
      await save('expired-link', userId);
    }
    {
      const { link, userId, api, tenant } = await activateNewUser(stack);
      const { browser, code } = await reachCodeStep(stack, link);
      const wrong = code === '000000' ? '111111' : '000000';
      await browser.post('/enroll/code', { code: wrong });
      await browser.post('/enroll/code', { code: wrong });
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      await api('POST', `/clients/${tenant.clientId}/users/${userId}/deactivate`);
      await save('blocked-unblocked-then-deactivated', userId);
    }
    // Resets need a directory and an agent: a throwaway Samba domain, as in the reset tests.
    const dc = await startSambaDc();
    try {
      const tenant = await createTenant(stack, 'Fixture Reset MSP');
      const agent = await startTestAgent(stack, tenant, dc);
      try {
        const user = await enrolledDirectoryUser(stack, tenant, dc);
        await user.api('POST', `/clients/${tenant.clientId}/users/${user.userId}/reset-password`);
        await save('reset-completed', user.userId, makePasswordResetWorkflowId(tenant.clientId, user.userId));
        const admin = await enrolledDirectoryUser(stack, tenant, dc, { adminCount: true });
        await admin.api('POST', `/clients/${tenant.clientId}/users/${admin.userId}/reset-password`);
        await save('reset-refused-by-directory', admin.userId, makePasswordResetWorkflowId(tenant.clientId, admin.userId));
      } finally {
        await agent.stop();
      }
    } finally {
      await dc.stop();
    }
  } finally {
    await stack.stop();
  }
}

record().catch((error) => {
  console.error(error);
  process.exit(1);
});
