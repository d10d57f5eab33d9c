import { DAY_MS } from '../../common/duration';
import type { Database } from './connect';

/**
 * How long a bucket can still matter. A verdict reads the current window and the one before it, and the longest
 * window any caller uses is a day (the daily SMS caps per user and per number, activities/notify.activities.ts);
 * resets and SMS PIN attempts count per hour and the IP limit per minute. A caller with a longer window must
 * raise this, or the hourly purge would forget its hits early.
 */
export const RATE_LIMIT_RETENTION_MS = 2 * DAY_MS;

export interface RateLimitVerdict {
  allowed: boolean;
  /** The sliding-window estimate of hits, this one included. */
  hits: number;
  retryAfterSeconds: number;
}

/** The sliding estimate: this window's count plus the previous window's, weighted by how much still overlaps. */
function verdictOf(current: number, previous: number, limit: number, windowMs: number, now: number): RateLimitVerdict {
  const windowStart = Math.floor(now / windowMs) * windowMs;
  const overlap = 1 - (now - windowStart) / windowMs;
  const hits = current + previous * overlap;
  const allowed = hits <= limit;
  // When refused, wait until the previous window's share has decayed enough, or this window has ended.
  const retryAfterMs = allowed
    ? 0
    : previous > 0 && current <= limit
      ? ((hits - limit) / previous) * windowMs
      : windowStart + windowMs - now;
  return { allowed, hits: Math.ceil(hits), retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)) };
}

/**
 * Rate limits counted in the database rather than in process memory, so that a limit holds across server
 * replicas and restarts, and reloading a page does not reset it (the LTB #763 trap). Subjects are keyed hashes
 * chosen by the caller: an IP address or a phone number never lands in the table.
 *
 * Each subject keeps one counter per fixed window, and a hit is judged on a sliding estimate: this window's
 * count plus the previous window's, weighted by how much of it still overlaps the last `windowMs`. A plain
 * fixed window would forget everything at the boundary and allow twice the limit across it.
 */
export class RateLimitStore {
  constructor(private readonly db: Database) {}

  /** The verdict one more hit would get, without counting it: for limits that count only failures. */
  async peek(subject: string, limit: number, windowMs: number, now = Date.now()): Promise<RateLimitVerdict> {
    const windowStart = Math.floor(now / windowMs) * windowMs;
    const rows = await this.db('rate_limit_buckets')
      .select('window_start', 'hits')
      .where({ subject })
      .whereIn('window_start', [new Date(windowStart), new Date(windowStart - windowMs)]);
    const hitsAt = (start: number) =>
      Number(rows.find((row) => new Date(row.window_start).getTime() === start)?.hits ?? 0);
    return verdictOf(hitsAt(windowStart) + 1, hitsAt(windowStart - windowMs), limit, windowMs, now);
  }

  async hit(subject: string, limit: number, windowMs: number, now = Date.now()): Promise<RateLimitVerdict> {
    const windowStart = Math.floor(now / windowMs) * windowMs;
    // One statement, since every rate-limited request pays for it: the count and the previous window together.
    const { rows } = await this.db.raw<{ rows: Array<{ current: number; previous: number | null }> }>(
      `WITH hit AS (
         INSERT INTO rate_limit_buckets (subject, window_start, hits) VALUES (?, ?, 1)
         ON CONFLICT (subject, window_start) DO UPDATE SET hits = rate_limit_buckets.hits + 1
         RETURNING hits)
       SELECT hit.hits AS current,
              (SELECT hits FROM rate_limit_buckets WHERE subject = ? AND window_start = ?) AS previous
       FROM hit`,
      [subject, new Date(windowStart), subject, new Date(windowStart - windowMs)],
    );
    return verdictOf(Number(rows[0]!.current), Number(rows[0]!.previous ?? 0), limit, windowMs, now);
  }

  /** Deletes buckets whose window started before the cutoff; an hourly schedule calls it (RATE_LIMIT_RETENTION_MS). */
  async purgeBefore(cutoff: Date): Promise<number> {
    return this.db('rate_limit_buckets').where('window_start', '<', cutoff).delete();
  }
}
