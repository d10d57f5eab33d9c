import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseArguments } from './cli';

describe('latchkey-agent arguments', () => {
  it('runs by default, and takes the config file in either spelling', () => {
    assert.deepEqual(parseArguments([]), { command: 'run', configPath: undefined });
    assert.deepEqual(parseArguments(['run', '--config', '/etc/a.json']), { command: 'run', configPath: '/etc/a.json' });
    assert.deepEqual(parseArguments(['--config=C:\\a.json', 'check']), { command: 'check', configPath: 'C:\\a.json' });
    assert.deepEqual(parseArguments(['--version']), { command: 'version', configPath: undefined });
    assert.deepEqual(parseArguments(['-h']), { command: 'help', configPath: undefined });
  });

  it('refuses what it does not know, rather than running with a setting silently dropped', () => {
    assert.deepEqual(parseArguments(['start']), { error: 'unknown command "start"' });
    assert.deepEqual(parseArguments(['run', 'check']), { error: 'unknown command "check"' });
    assert.deepEqual(parseArguments(['--confg', 'a.json']), { error: 'unknown option "--confg"' });
    assert.deepEqual(parseArguments(['--config']), { error: '--config needs a file' });
    assert.deepEqual(parseArguments(['--config', '--help']), { error: '--config needs a file' });
  });
});
