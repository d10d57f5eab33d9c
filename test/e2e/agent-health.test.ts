import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startSmtpReceiver, type ReceivedEmail, type SmtpReceiver } from '../fakes/smtp-receiver';
import { apiClient } from '../support/http';
import { createTenant, startTestStack, type TestStack } from '../support/stack';
import { smtpReceiverEnv } from '../support/vendor-fakes-env';

const ALERTS_TO = 'noc@msp.example';

/**
 * Agent health, end to end: an agent credential sends heartbeats over the real agent endpoint, stops, and starts
 * again, while the health watch (a workflow of the central worker) checks every second. The MSP's mailbox is a
 * real SMTP receiver. One outage must be one email however many checks it lasts, and its end one more.
 */
describe('agent health', () => {
  let smtp: SmtpReceiver;
  let stack: TestStack;
  let tenant: Awaited<ReturnType<typeof createTenant>>;
  let agent: { id: string; token: string };

  before(async () => {
    smtp = await startSmtpReceiver();
    stack = await startTestStack({
      env: {
        ...smtpReceiverEnv(smtp),
        LATCHKEY_ALERT_EMAIL: ALERTS_TO,
        // Offline after 5 s without a beat, with beats every 300 ms while "running": a loaded machine that
        // delays a few beats must not fake an outage. The watch checks every 2 s.
        LATCHKEY_AGENT_HEARTBEAT_INTERVAL: '2s',
      },
    });
    tenant = await createTenant(stack, 'Health MSP');
    const issued = await apiClient(stack.url, tenant.apiKey)('POST', `/clients/${tenant.clientId}/agents`, {
      name: 'dc-agent',
    });
    assert.equal(issued.status, 201, JSON.stringify(issued.body));
    agent = { id: issued.body.id, token: issued.body.token };
  });
  after(async () => {
    await stack?.stop();
    await smtp?.close();
  });

  const beat = async () => {
    const response = await fetch(`${stack.url}/agent/v1/heartbeat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${agent.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ version: '0.0.1', hostname: 'dc1.health.example' }),
    });
    assert.equal(response.status, 204);
  };
  /** Beats every 300 ms, as a live agent would (at a higher rate than it must), until stopped. */
  const keepBeating = () => {
    const timer = setInterval(() => void beat().catch(() => undefined), 300);
    return () => clearInterval(timer);
  };
  const listed = async () => {
    const response = await apiClient(stack.url, tenant.apiKey)('GET', `/clients/${tenant.clientId}/agents`);
    assert.equal(response.status, 200);
    return response.body.items.find((item: { id: string }) => item.id === agent.id);
  };
  const alertsOf = (kind: string) =>
    smtp.messages.filter((m) => m.envelope.to.includes(ALERTS_TO) && m.text?.includes(`kind "${kind}"`));
  const waitFor = async (what: string, check: () => Promise<boolean> | boolean, timeoutMs = 15_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const auditKinds = async () =>
    (await stack.database.db('audit_events').where({ client_id: tenant.clientId, action: 'msp.alerted' }).orderBy('id'))
      .map((row) => (row.detail as { kind: string }).kind)
      .filter((kind) => kind.startsWith('agent.'));

  it('shows an agent that sends heartbeats as online, and alerts nobody about it', async () => {
    const stop = keepBeating();
    try {
      await beat();
      const shown = await listed();
      assert.equal(shown.status, 'online');
      assert.equal(shown.hostname, 'dc1.health.example');
      assert.equal(shown.version, '0.0.1');
      assert.equal(shown.outdated, true, 'older than the server');
      // Several checks of the watch see it online.
      await waitFor('the watch to record the agent', async () =>
        Boolean(await stack.database.db('agent_health').where({ agent_id: agent.id, state: 'online' }).first()),
      );
      await sleep(4_500);
      assert.equal((await listed()).status, 'online');
    } finally {
      stop();
    }
    assert.equal(smtp.messages.length, 0);
  });

  it('shows it offline once it missed two heartbeats, and emails the MSP once for the outage', async () => {
    const stoppedAt = Date.now();
    await waitFor('the API to show the agent offline', async () => (await listed()).status === 'offline');
    assert.ok(Date.now() - stoppedAt >= 3_500, 'not offline after a single missed beat');
    const email: ReceivedEmail = await smtp.waitForMessage((m) => m.envelope.to.includes(ALERTS_TO), 15_000);
    assert.match(email.subject ?? '', /Health MSP client/);
    assert.match(email.text ?? '', /"dc-agent" on dc1\.health\.example has missed two heartbeats/);
    assert.match(email.text ?? '', /Resets and unlocks for this client are refused until an agent is back/);
    // More checks of the same outage: still one email.
    await sleep(5_000);
    assert.equal(alertsOf('agent.offline').length, 1);
    assert.equal(alertsOf('agent.recovered').length, 0);
    assert.deepEqual(await auditKinds(), ['agent.offline']);
  });

  it('emails once more when the agent comes back, and the API shows it online again', async () => {
    const stop = keepBeating();
    try {
      await beat();
      assert.equal((await listed()).status, 'online');
      await smtp.waitForMessage(
        (m) => m.envelope.to.includes(ALERTS_TO) && /kind "agent.recovered"/.test(m.text ?? ''),
      );
      await sleep(3_000);
      assert.equal(alertsOf('agent.recovered').length, 1);
      assert.equal(alertsOf('agent.offline').length, 1);
      const recovered = alertsOf('agent.recovered')[0]!;
      assert.match(
        recovered.text ?? '',
        /"dc-agent" on dc1\.health\.example is sending heartbeats again \(offline since/,
      );
    } finally {
      stop();
    }
  });

  it('makes one alert per outage of a flapping agent, and none for it once revoked', async () => {
    // A second outage, then beats again: one more offline email and one more recovery, nothing in between.
    await waitFor('the second outage email', () => alertsOf('agent.offline').length === 2, 20_000);
    const stop = keepBeating();
    try {
      await beat();
      await waitFor('the second recovery email', () => alertsOf('agent.recovered').length === 2, 20_000);
      await sleep(2_000);
      assert.equal(alertsOf('agent.offline').length, 2);
      assert.equal(alertsOf('agent.recovered').length, 2);
      assert.deepEqual(await auditKinds(), ['agent.offline', 'agent.recovered', 'agent.offline', 'agent.recovered']);
      const revoked = await apiClient(stack.url, tenant.apiKey)(
        'POST',
        `/clients/${tenant.clientId}/agents/${agent.id}/revoke`,
      );
      assert.equal(revoked.status, 200);
      assert.equal(revoked.body.status, 'revoked');
    } finally {
      stop();
    }
    // Its beats are refused now and it goes quiet, but a revoked agent is no outage.
    const before = smtp.messages.length;
    await sleep(8_000);
    assert.equal(smtp.messages.length, before);
  });
});
