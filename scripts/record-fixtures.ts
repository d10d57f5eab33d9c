/**
 * Records the histories that the replay test replays. Run it with `npm run fixtures:record` after an intended
 * change to the workflow, review the diff, and commit the JSON files. It drives real enrollments through the
 * pages, resets and a lockout against the real stack, so the histories are the ones production would write. It leaves the `v<N>-*`
 * histories alone: recorded by earlier versions of the workflows, they can no longer be recorded, and replaying
 * them is what keeps those versions' running workflows safe.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { join } from 'node:path';
import { pairFromDonePage } from '../test/support/device';
import { activateNewUser, codeIn, reachCodeStep } from '../test/support/enrollment-flow';
import { startTestStack, createTenant, type TestStack } from '../test/support/stack';
import { until } from '../test/support/agent-process';
import {
  makeEnrollmentWorkflowId,
  makeLockoutWatchWorkflowId,
  makePasswordResetWorkflowId,
} from '../common/domain/workflow-ids';
import { startSambaDc, type SambaDc } from '../test/support/samba';
import { enrolledDirectoryUser, startTestAgent, type Tenant } from '../test/support/reset-setup';
import {
  FIXTURE_CLIENT_KEYS_FILE,
  FIXTURE_CODEC_KEYS,
  FIXTURE_MASTER_KEY,
  type SavedClientKey,
} from '../workflows/__fixtures__/fixture-codec';

/** Beside the replay test that reads them; this script only writes them. */
const FIXTURES = join(__dirname, '..', 'workflows', '__fixtures__');

async function record() {
  const stack = await startTestStack({
    env: {
      // The replay worker runs in namespace "default" (fixed in the SDK), and the codec binds each payload to its
      // namespace: recorded anywhere else, the histories would not open on replay.
      TEMPORAL_NAMESPACE: 'default',
      LATCHKEY_CODEC_KEYS: FIXTURE_CODEC_KEYS,
      LATCHKEY_MASTER_KEY: FIXTURE_MASTER_KEY,
      SMS_RESEND_INTERVAL: '0s',
      ENROLLMENT_LINK_TTL: '2s',
      ENROLLMENT_MAX_CODE_ATTEMPTS: '2',
      ENROLLMENT_BLOCK_DURATION: '1s',
    },
  });
  // Written only once every scenario has ended as expected, so a failed run never leaves a mislabelled fixture.
  const recorded: Array<[string, string]> = [];
  const clientKeys: SavedClientKey[] = [];
  const save = async (name: string, workflowId: string, expected: Record<string, string>) => {
    const handle = stack.runtime.temporal.workflow.getHandle(workflowId);
    const result = (await handle.result()) as Record<string, unknown>;
    for (const [key, value] of Object.entries(expected)) assert.equal(result[key], value, `${name}: ${key}`);
    recorded.push([name, JSON.stringify(JSON.parse(historyToJSON(await handle.fetchHistory())), null, 1)]);
  };
  // The watch never ends (it continues as new): its history so far is what a worker picking it up would replay.
  const saveRunning = async (name: string, workflowId: string) => {
    const handle = stack.runtime.temporal.workflow.getHandle(workflowId);
    assert.equal((await handle.describe()).status.name, 'RUNNING', `${name}: still running`);
    recorded.push([name, JSON.stringify(JSON.parse(historyToJSON(await handle.fetchHistory())), null, 1)]);
  };
  try {
    {
      const { link, userId } = await activateNewUser(stack);
      const { browser, code, phone } = await reachCodeStep(stack, link);
      assert.equal((await browser.post('/enroll/code', { code: code === '000000' ? '111111' : '000000' })).status, 422);
      const seen = new Set(stack.outbox.list().map((m) => m.id));
      assert.equal((await browser.post('/enroll/resend', {})).status, 200);
      const fresh = codeIn(await stack.outbox.waitFor((m) => m.to === phone && !seen.has(m.id)));
      await browser.submit('/enroll/code', { code: fresh });
      await browser.submit('/enroll/method', { method: 'sms' });
      await save('enrolled-sms-after-wrong-code-and-resend', makeEnrollmentWorkflowId(userId), {
        step: 'enrolled_sms',
      });
    }
    {
      const { link, userId } = await activateNewUser(stack);
      const { browser, code } = await reachCodeStep(stack, link, '+447911123456');
      await browser.submit('/enroll/code', { code });
      // The app branch ends once a phone pairs, here from the done page's on-phone link.
      await pairFromDonePage(stack.url, (await browser.submit('/enroll/method', { method: 'app' })).html);
      await save('enrolled-app', makeEnrollmentWorkflowId(userId), { step: 'enrolled_app' });
    }
    {
      const { userId } = await activateNewUser(stack);
      await save('expired-link', makeEnrollmentWorkflowId(userId), { step: 'expired' });
    }
    {
      const { link, userId, api, tenant } = await activateNewUser(stack);
      const { browser, code } = await reachCodeStep(stack, link);
      const wrong = code === '000000' ? '111111' : '000000';
      assert.equal((await browser.post('/enroll/code', { code: wrong })).status, 422);
      assert.equal((await browser.post('/enroll/code', { code: wrong })).status, 423);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      assert.equal((await api('POST', `/clients/${tenant.clientId}/users/${userId}/deactivate`)).status, 200);
      await save('blocked-unblocked-then-deactivated', makeEnrollmentWorkflowId(userId), { step: 'cancelled' });
    }
    // Resets need a directory and an agent: a throwaway Samba domain, as in the reset tests.
    const dc = await startSambaDc();
    try {
      const tenant = await createTenant(stack, 'Fixture Reset MSP');
      const agent = await startTestAgent(stack, tenant, dc);
      try {
        const user = await enrolledDirectoryUser(stack, tenant, dc);
        await user.api('POST', `/clients/${tenant.clientId}/users/${user.userId}/reset-password`);
        await save('reset-completed', makePasswordResetWorkflowId(tenant.clientId, user.userId), {
          status: 'completed',
        });
        const admin = await enrolledDirectoryUser(stack, tenant, dc, { adminCount: true });
        await admin.api('POST', `/clients/${tenant.clientId}/users/${admin.userId}/reset-password`);
        await save('reset-refused-by-directory', makePasswordResetWorkflowId(tenant.clientId, admin.userId), {
          status: 'failed',
          code: 'protected_account',
        });
        await recordLockout(stack, tenant, dc, save, saveRunning);
        for (const key of await stack.runtime.stores.clientKeys.forAgent(tenant.clientId)) {
          clientKeys.push({
            clientId: key.clientId,
            generation: key.generation,
            secret: key.secret.toString('base64'),
          });
        }
      } finally {
        await agent.stop();
      }
    } finally {
      await dc.stop();
    }
    // Added to, never replaced: the kept histories of earlier versions were sealed with earlier recordings' keys.
    const kept = existsSync(FIXTURE_CLIENT_KEYS_FILE)
      ? (JSON.parse(readFileSync(FIXTURE_CLIENT_KEYS_FILE, 'utf8')) as SavedClientKey[])
      : [];
    writeFileSync(FIXTURE_CLIENT_KEYS_FILE, `${JSON.stringify([...kept, ...clientKeys], null, 1)}\n`);
    for (const [name, json] of recorded) {
      writeFileSync(join(FIXTURES, `${name}.history.json`), `${json}\n`);
      console.log(`recorded ${name}`);
    }
  } finally {
    await stack.stop();
  }
}

type Save = (name: string, workflowId: string, expected: Record<string, string>) => Promise<void>;

/**
 * A real lockout: three wrong binds against the threshold-3 policy, seen by the client's watch on the agent, and
 * ended by a technician's unlock. Records that lockout's workflow and the watch that reported it.
 */
async function recordLockout(
  stack: TestStack,
  tenant: Tenant,
  dc: SambaDc,
  save: Save,
  saveRunning: (name: string, workflowId: string) => Promise<void>,
) {
  await dc.setLockoutPolicy({ threshold: 3, durationMinutes: 1 });
  const user = await enrolledDirectoryUser(stack, tenant, dc);
  const watchId = makeLockoutWatchWorkflowId(tenant.clientId);
  await until(
    'the watch to run',
    30_000,
    async () =>
      (await stack.runtime.temporal.workflow.getHandle(watchId).describe()).status.name === 'RUNNING' || undefined,
  );
  for (let attempt = 1; attempt <= 3; attempt++) await assert.rejects(dc.bind(user.upn, `Wrong-${attempt}-Pass#1`));
  const lockout = await until('the watch to report the lockout', 60_000, async () => {
    const row = await stack.database.db('lockouts').where({ user_id: user.userId }).first();
    return row as { workflow_id: string } | undefined;
  });
  const unlocked = await user.api('POST', `/clients/${tenant.clientId}/users/${user.userId}/unlock`);
  assert.equal(unlocked.status, 200, JSON.stringify(unlocked.body));
  const workflowId = lockout.workflow_id;
  await save('lockout-unlocked-by-technician', workflowId, { ending: 'unlocked' });
  await saveRunning('lockout-watch-after-a-lockout', watchId);
}

record().catch((error) => {
  console.error(error);
  process.exit(1);
});
