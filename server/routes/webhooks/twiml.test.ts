import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { messagingTwiml } from './twiml';

describe('messagingTwiml', () => {
  it('wraps the reply in a Message, escaping what XML text content needs escaped', () => {
    assert.equal(
      messagingTwiml(`Tom & Jerry's <b>"reset"</b>`),
      '<?xml version="1.0" encoding="UTF-8"?><Response><Message>Tom &amp; Jerry\'s &lt;b&gt;"reset"&lt;/b&gt;</Message></Response>',
    );
  });

  it('answers nothing with an empty Response', () => {
    assert.equal(messagingTwiml(null), '<?xml version="1.0" encoding="UTF-8"?><Response/>');
  });
});
