import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Worker } from '@temporalio/worker';
import { MemoryClientKeySource } from '../common/crypto/client-keys';
import { createCentralDataConverter } from '../common/temporal/central-data-converter';
import { loadTemporalSettings, nexusCallerOf } from '../common/temporal/settings';
import { fixtureClientKeys, fixtureKeyRing, fixtureMasterKey } from './__fixtures__/fixture-codec';

const FIXTURES = join(__dirname, '__fixtures__');

/**
 * Replays committed histories of real enrollments, resets and lockouts against the current workflow code. A change that would make
 * running workflows non-deterministic (reordered activities, a removed timer) fails here, before it ships.
 */
describe('workflow replay (enrollment, password reset, lockout and its watch)', () => {
  const files = readdirSync(FIXTURES).filter((name) => name.endsWith('.history.json'));
  // `v<N>-*`: recorded by earlier versions of the workflows and kept (v1: before signed commands, with payloads not
  // yet bound to their workflow; v2: signed resets under the retired passwordResetWorkflow type; v3: enrollments
  // from before the owner's notice, which replay its unpatched branch; v4: an app enrollment from before its
  // pairing step, which ended at the method choice; v5: enrollments from before the code's text became a local
  // activity, which replay its unpatched branch; v6: enrollments from before the closing messages became local
  // activities, likewise; v7: enrollments from before the background step and audit writes did); the others by
  // `npm run fixtures:record` against today's code.
  const earlier = files.filter((name) => /^v\d+-/.test(name));
  const current = files.filter((name) => !earlier.includes(name));
  const unbound = files.filter((name) => name.startsWith('v1-'));

  it('has recorded histories of the earlier and the current workflows to replay', () => {
    assert.ok(unbound.length >= 6, `expected v1-* fixtures in ${FIXTURES}`);
    assert.ok(current.length >= 6, `expected fixtures in ${FIXTURES}; record them with npm run fixtures:record`);
  });

  // Each history replays under its own workflow id: the codec decides by it which keys may open a payload.
  const historiesOf = (names: string[]) =>
    names.map((file) => {
      const history = JSON.parse(readFileSync(join(FIXTURES, file), 'utf8'));
      const workflowId: string = history.events[0].workflowExecutionStartedEventAttributes.workflowId;
      return { workflowId, history };
    });
  const replay = async (acceptUnboundUntilMs: number, names: string[]) => {
    const results = Worker.runReplayHistories(
      {
        workflowsPath: require.resolve('./index'),
        dataConverter: createCentralDataConverter(
          fixtureKeyRing(),
          new MemoryClientKeySource(fixtureMasterKey(), fixtureClientKeys()),
          // As the central worker runs it: in namespace "default", where the fixtures were recorded.
          { acceptUnboundUntilMs, nexusCaller: nexusCallerOf(loadTemporalSettings(), 'default') },
        ),
      },
      historiesOf(names),
    );
    const failures: string[] = [];
    for await (const result of results) {
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    return failures;
  };

  it("replays the current workflows' histories without a determinism error, with unbound payloads refused", async () => {
    assert.deepEqual(await replay(0, current), []);
  });

  it("replays the earlier workflows' histories, each reset through the branch it ran", async () => {
    // The v1 ones are sealed with generation 0 client keys and not bound to their workflow: what the histories of
    // workflows running at the upgrade look like, which must keep replaying (docs/temporal-codec.md).
    assert.deepEqual(await replay(Number.POSITIVE_INFINITY, earlier), []);
  });

  it('opens those unbound payloads only because the upgrade window is open', async () => {
    const failures = await replay(0, [unbound[0]!]);
    assert.equal(failures.length, 1, 'with the window closed, a pre-binding history does not replay');
    // The refusal fails the first workflow task (its reason is in the failure, sealed like every failure message).
    assert.match(failures[0]!, /workflow task failure/);
  });
});
