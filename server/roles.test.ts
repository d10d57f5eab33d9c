import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ConfigError } from '../common/errors';
import { checkRoleFitsDatabase, parseCentralArgs } from './roles';

describe('central process arguments', () => {
  it('defaults to all and reads --role in either form', () => {
    assert.deepEqual(parseCentralArgs([]), { role: 'all', workflowBundlePath: undefined });
    assert.equal(parseCentralArgs(['--role=api']).role, 'api');
    assert.equal(parseCentralArgs(['--role', 'worker']).role, 'worker');
    assert.equal(parseCentralArgs(['--role=worker', '--workflow-bundle=dist/b.js']).workflowBundlePath, 'dist/b.js');
  });

  it('names the choices when a role or an option is wrong', () => {
    assert.throws(
      () => parseCentralArgs(['--role=both']),
      (error: ConfigError) => /api, worker, all/.test(error.message),
    );
    assert.throws(() => parseCentralArgs(['--rol=api']), /unknown option/);
  });

  it('keeps api and worker off PGlite, which takes a single connection', () => {
    assert.throws(
      () => checkRoleFitsDatabase('worker', { databaseUrl: undefined }),
      /--role=worker needs DATABASE_URL/,
    );
    checkRoleFitsDatabase('all', { databaseUrl: undefined });
    checkRoleFitsDatabase('api', { databaseUrl: 'postgres://localhost/latchkey' });
  });
});
