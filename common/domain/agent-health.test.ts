import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { agentStatusOf, offlineAfterMs } from './agent-health';

describe('the agent health rule', () => {
  const now = new Date('2026-12-03T12:00:00Z');
  const seen = (msAgo: number) => ({ lastSeenAt: new Date(now.getTime() - msAgo), revokedAt: null });

  it('keeps an agent online through one missed heartbeat and takes it offline after two', () => {
    assert.equal(agentStatusOf(seen(59_000), now, 30_000), 'online', 'one beat late');
    assert.equal(agentStatusOf(seen(75_000), now, 30_000), 'online', 'the second beat is just due');
    assert.equal(agentStatusOf(seen(75_001), now, 30_000), 'offline');
    assert.equal(offlineAfterMs(1_000), 2_500);
  });

  it('reads an agent that never sent a heartbeat as offline, and a revoked one as revoked whatever it sent', () => {
    assert.equal(agentStatusOf({ lastSeenAt: null, revokedAt: null }, now, 30_000), 'offline');
    assert.equal(agentStatusOf({ ...seen(1_000), revokedAt: now }, now, 30_000), 'revoked');
  });
});
