import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from './logger';

describe('logger redaction', () => {
  it('redacts fields whose names say they are secret, keys included, and keeps the rest', () => {
    const lines: string[] = [];
    const logger = createLogger('info', {}, (line) => lines.push(line));
    logger.info('probe', {
      password: 'p1',
      apiKey: 'k1',
      codecKey: 'k2',
      authToken: 't1',
      phone: '+14155552671',
      statusCode: 503,
      userId: 'u1',
    });
    const entry = JSON.parse(lines[0]!) as Record<string, unknown>;
    for (const field of ['password', 'apiKey', 'codecKey', 'authToken', 'phone']) {
      assert.equal(entry[field], '[redacted]', field);
    }
    assert.equal(entry.statusCode, 503);
    assert.equal(entry.userId, 'u1');
    assert.doesNotMatch(lines[0]!, /p1|k1|k2|t1|4155552671/);
  });
});
