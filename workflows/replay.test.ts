import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Worker } from '@temporalio/worker';
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

  it('replays every recorded history without a determinism error', async () => {
    const histories = files.map((file) => ({
      workflowId: file,
      history: JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')),
    }));
    const results = Worker.runReplayHistories(
      {
        workflowsPath: require.resolve('./index'),
        dataConverter: createCentralDataConverter(fixtureKeyRing(), fixtureMasterKey()),
      },
      histories,
    );
    const failures: string[] = [];
    for await (const result of results) {
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    assert.deepEqual(failures, []);
  });
});
