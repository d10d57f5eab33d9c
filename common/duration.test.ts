import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDuration, parseDuration } from './duration';

describe('durations', () => {
  it('parses the units operators write', () => {
    assert.equal(parseDuration('250ms'), 250);
    assert.equal(parseDuration('90s'), 90_000);
    assert.equal(parseDuration('5m'), 300_000);
    assert.equal(parseDuration('1.5h'), 5_400_000);
    assert.equal(parseDuration('30d'), 2_592_000_000);
    assert.equal(formatDuration(3_600_000), '1h');
  });

  it('refuses a bare number or an unknown unit, with an example', () => {
    assert.throws(() => parseDuration('300'), /for example "5m"/);
    assert.throws(() => parseDuration('5 weeks'), /not a duration/);
  });
});
