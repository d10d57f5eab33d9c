import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSmsCommand } from './sms-keywords';

describe('parseSmsCommand', () => {
  it('reads the carrier opt-out and opt-in words in any case, with spaces around them', () => {
    for (const word of ['STOP', 'stop', ' StopAll ', 'UNSUBSCRIBE', 'cancel', 'End', 'QUIT\n'])
      assert.deepEqual(parseSmsCommand(word), { keyword: 'stop' }, word);
    for (const word of ['START', 'unstop']) assert.deepEqual(parseSmsCommand(word), { keyword: 'start' }, word);
    for (const word of ['HELP', ' info ']) assert.deepEqual(parseSmsCommand(word), { keyword: 'help' }, word);
  });

  it('takes opt-out words only as the whole message', () => {
    assert.deepEqual(parseSmsCommand('stop by at noon'), { keyword: 'other' });
    assert.deepEqual(parseSmsCommand('help me'), { keyword: 'other' });
  });

  it('reads RESET with or without a PIN', () => {
    assert.deepEqual(parseSmsCommand('RESET'), { keyword: 'reset', pin: null });
    assert.deepEqual(parseSmsCommand('  reset   4821 '), { keyword: 'reset', pin: '4821' });
    assert.deepEqual(parseSmsCommand('Reset my password'), { keyword: 'reset', pin: 'my password' });
  });

  it('reads UNLOCK with or without a PIN, as RESET', () => {
    assert.deepEqual(parseSmsCommand('unlock'), { keyword: 'unlock', pin: null });
    assert.deepEqual(parseSmsCommand(' UNLOCK  7315 '), { keyword: 'unlock', pin: '7315' });
    assert.deepEqual(parseSmsCommand('UNLOCKED'), { keyword: 'other' });
  });

  it('reads PAIR only as the whole message', () => {
    assert.deepEqual(parseSmsCommand(' pair '), { keyword: 'pair' });
    assert.deepEqual(parseSmsCommand('pair my phone'), { keyword: 'other' });
  });

  it('treats anything else, including an empty text, as other', () => {
    assert.deepEqual(parseSmsCommand(''), { keyword: 'other' });
    assert.deepEqual(parseSmsCommand('RESETS'), { keyword: 'other' });
  });
});
