import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { AgentKeys } from './agent-keys';
import { AgentTokenRejectedError, type AgentSettings } from './registration';

const clientId = randomUUID();
const secrets = new Map(Array.from({ length: 5 }, (_, i) => [i + 1, randomBytes(32)]));
const keysUpTo = (current: number): AgentSettings['clientKeys'] => ({
  current,
  generations: [current, current - 1]
    .filter((g) => g >= 1)
    .map((generation) => ({ generation, secret: secrets.get(generation)!.toString('base64') })),
});
const settings = (current: number) => ({ clientId, clientKeys: keysUpTo(current) }) as AgentSettings;

describe('AgentKeys', () => {
  it('answers from what it holds, and asks Latchkey only for a generation newer than any it holds', async () => {
    let fetches = 0;
    let serverCurrent = 2;
    const keys = new AgentKeys(clientId, keysUpTo(2), async () => (fetches++, settings(serverCurrent)), {
      refreshIntervalMs: 0,
    });
    assert.deepEqual(await keys.get(2), secrets.get(2));
    assert.deepEqual(await keys.get(1), secrets.get(1));
    assert.equal(await keys.get(0), undefined, 'never the legacy generation');
    assert.equal(fetches, 0);
    assert.equal(keys.newest().generation, 2);
    serverCurrent = 3;
    // A burst of tasks sealed with the new generation costs one fetch.
    const got = await Promise.all([keys.get(3), keys.get(3), keys.get(3)]);
    assert.ok(got.every((secret) => secret?.equals(secrets.get(3)!)));
    assert.equal(fetches, 1);
    assert.equal(keys.newest().generation, 3, 'what it returns is now sealed with the new generation');
    assert.equal(await keys.get(5), undefined, 'a generation Latchkey does not have is refused');
    assert.equal(fetches, 2);
  });

  it('fetches at most once per interval, however many made-up generations arrive', async () => {
    let fetches = 0;
    const keys = new AgentKeys(clientId, keysUpTo(1), async () => (fetches++, settings(1)), {
      refreshIntervalMs: 300,
    });
    const started = Date.now();
    const answers = await Promise.all([keys.get(7), keys.get(8), keys.get(9)]);
    assert.deepEqual(answers, [undefined, undefined, undefined]);
    assert.equal(fetches, 1);
    assert.ok(Date.now() - started >= 250, 'the first fetch waited out the interval since start-up');
    await keys.get(10);
    assert.equal(fetches, 2);
    assert.ok(Date.now() - started >= 550, 'and the next one waited a full interval again');
  });

  it('stops asking once Latchkey refuses its token (revoked): it learns nothing issued afterwards', async () => {
    let fetches = 0;
    const warnings: string[] = [];
    const keys = new AgentKeys(
      clientId,
      keysUpTo(1),
      async () => {
        fetches++;
        throw new AgentTokenRejectedError();
      },
      { refreshIntervalMs: 0, warn: (line) => void warnings.push(line) },
    );
    assert.equal(await keys.get(2), undefined);
    assert.equal(await keys.get(3), undefined);
    assert.equal(fetches, 1);
    assert.match(warnings.join('\n'), /revoked/);
    assert.deepEqual(await keys.get(1), secrets.get(1), 'what it already held stays (it cannot be taken back)');
  });

  it('ignores an answer for another client', async () => {
    const keys = new AgentKeys(clientId, keysUpTo(1), async () => ({ ...settings(2), clientId: randomUUID() }), {
      refreshIntervalMs: 0,
    });
    assert.equal(await keys.get(2), undefined);
  });
});
