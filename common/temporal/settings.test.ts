import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { agentTargetOf, loadTemporalSettings } from './settings';

describe("a client's agent target", () => {
  const settings = loadTemporalSettings();

  it("names the client's namespace after the central one, and its endpoint after the client, from temporal.yaml", () => {
    const clientId = randomUUID();
    assert.deepEqual(agentTargetOf(settings, 'latchkey', clientId), {
      namespace: `latchkey-client-${clientId}`,
      taskQueue: `latchkey-agent-v1-${clientId}`,
      endpoint: `latchkey-agent-${clientId}`,
    });
  });

  it('stays within Temporal’s limits for every client id, and takes nothing but a client id', () => {
    const { endpoint, namespace } = agentTargetOf(settings, 'a'.repeat(63), randomUUID());
    assert.ok(endpoint.length <= 200 && /^[a-zA-Z][a-zA-Z0-9-]*[a-zA-Z0-9]$/.test(endpoint));
    assert.ok(namespace.length <= 255);
    for (const bad of ['', 'acme', '../x', `${randomUUID()}-x`, randomUUID().toUpperCase()]) {
      assert.throws(() => agentTargetOf(settings, 'latchkey', bad), /not a client id/);
    }
  });
});
