import assert from 'node:assert/strict';
import type { temporal } from '@temporalio/proto';

export type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/**
 * An event's time in epoch milliseconds, to the microsecond: the SDK's tsToMs rounds to whole milliseconds, the
 * size of what bench:dispatch measures.
 */
export function eventMs(event: HistoryEvent): number {
  const ts = event.eventTime;
  assert.ok(ts?.seconds !== undefined && ts.seconds !== null, 'event without a time');
  const seconds = typeof ts.seconds === 'number' ? ts.seconds : ts.seconds.toNumber();
  return seconds * 1000 + (ts.nanos ?? 0) / 1e6;
}
