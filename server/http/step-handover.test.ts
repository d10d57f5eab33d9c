import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StepHandover } from './step-handover';

describe('the view a step handed to the next page load', () => {
  it('is taken once, by the same enrollment, and only while fresh', () => {
    let now = 0;
    const handover = new StepHandover<string>(5_000, 10, () => now);
    handover.put('enrollment-a', 'awaiting_code');
    assert.equal(handover.take('enrollment-b'), undefined, "another enrollment's load asks the workflow");
    assert.equal(handover.take('enrollment-a'), 'awaiting_code');
    assert.equal(handover.take('enrollment-a'), undefined, 'a second load asks the workflow');

    handover.put('enrollment-a', 'awaiting_method');
    now = 5_000;
    assert.equal(handover.take('enrollment-a'), undefined, 'a stale view is dropped');
  });

  it('keeps the newest view of an enrollment, and drops the oldest when full', () => {
    const handover = new StepHandover<string>(5_000, 2);
    handover.put('a', 'first');
    handover.put('a', 'second');
    handover.put('b', 'b');
    handover.put('c', 'c');
    assert.equal(handover.take('a'), undefined, 'the oldest entry made room');
    assert.equal(handover.take('b'), 'b');
    assert.equal(handover.take('c'), 'c');
  });
});
