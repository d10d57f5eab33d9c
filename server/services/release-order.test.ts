import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isOlderRelease } from './release-order';

describe('isOlderRelease', () => {
  it('orders releases by major, minor and patch as numbers, not text', () => {
    assert.equal(isOlderRelease('0.1.0', '0.2.0'), true);
    assert.equal(isOlderRelease('0.9.0', '0.10.0'), true);
    assert.equal(isOlderRelease('1.2.3', '1.2.3'), false);
    assert.equal(isOlderRelease('1.3.0', '1.2.9'), false, 'an agent newer than the server is not outdated');
    assert.equal(isOlderRelease('v1.2.3', '1.2.4'), true);
    assert.equal(isOlderRelease('1.2.3+build.7', '1.2.3'), false, 'build metadata does not count');
  });

  it('puts a pre-release before its release, and orders pre-releases as semver does', () => {
    assert.equal(isOlderRelease('0.2.0-rc.1', '0.2.0'), true);
    assert.equal(isOlderRelease('0.2.0', '0.2.0-rc.1'), false);
    assert.equal(isOlderRelease('0.2.0-rc.2', '0.2.0-rc.10'), true);
    assert.equal(isOlderRelease('0.2.0-alpha', '0.2.0-beta'), true);
    assert.equal(isOlderRelease('0.2.0-1', '0.2.0-alpha'), true);
    assert.equal(isOlderRelease('0.2.0-rc', '0.2.0-rc.1'), true);
  });

  it('cannot tell for an agent that never reported, or reported something that is not a release number', () => {
    assert.equal(isOlderRelease(null, '0.1.0'), null);
    assert.equal(isOlderRelease('test', '0.1.0'), null);
    assert.equal(isOlderRelease('1.2', '0.1.0'), null);
  });
});
