import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Worker } from '@temporalio/worker';
import { MemoryClientKeySource } from '../common/crypto/client-keys';
import { createCentralDataConverter } from '../common/temporal/central-data-converter';
import { fixtureKeyRing, fixtureMasterKey } from './__fixtures__/fixture-codec';

const FIXTURES = join(__dirname, '__fixtures__');

/**
 * Replays committed histories of real enrollments against the current workflow code. A change that would make
 * running workflows non-deterministic (reordered activities, a removed timer) fails here, before it ships.
 */
describe('workflow replay (enrollment and password reset)', () => {
  const files = readdirSync(FIXTURES).filter((name) => name.endsWith('.history.json'));

  it('has recorded histories to replay', () => {
    assert.ok(files.length >= 6, `expected fixtures in ${FIXTURES}; record them with npm run fixtures:record`);
  });

  // Each history replays under its own workflow id: the codec decides by it which keys may open a payload.
  const histories = () =>
    files.map((file) => {
      const history = JSON.parse(readFileSync(join(FIXTURES, file), 'utf8'));
      const workflowId: string = history.events[0].workflowExecutionStartedEventAttributes.workflowId;
      return { workflowId, history };
    });
  const replay = async (acceptUnboundUntilMs: number, which = histories()) => {
    const results = Worker.runReplayHistories(
      {
        workflowsPath: require.resolve('./index'),
        dataConverter: createCentralDataConverter(fixtureKeyRing(), new MemoryClientKeySource(fixtureMasterKey()), {
          acceptUnboundUntilMs,
        }),
      },
      which,
    );
    const failures: string[] = [];
    for await (const result of results) {
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    return failures;
  };

  it('replays every recorded history without a determinism error', async () => {
    // Recorded before payloads were bound to their workflow, with generation 0 client keys: what the histories of
    // workflows running at the upgrade look like, which must keep replaying (docs/temporal-codec.md).
    assert.deepEqual(await replay(Number.POSITIVE_INFINITY), []);
  });

  it('opens those unbound payloads only because the upgrade window is open', async () => {
    const [first] = histories();
    const failures = await replay(0, [first!]);
    assert.equal(failures.length, 1, 'with the window closed, a pre-binding history does not replay');
    // The refusal fails the first workflow task (its reason is in the failure, sealed like every failure message).
    assert.match(failures[0]!, /workflow task failure/);
  });
});
