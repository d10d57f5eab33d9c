import type { Database } from './connect';

export interface RateLimitVerdict {
  allowed: boolean;
  hits: number;
  retryAfterSeconds: number;
}

/**
 * Fixed-window counters in the database rather than in process memory, so that a limit holds across server
 * replicas and restarts, and reloading a page does not reset it (the LTB #763 trap). Subjects are keyed
 * hashes chosen by the caller: an IP address or a phone number never lands in the table.
 */
export class RateLimitStore {
  constructor(private readonly db: Database) {}

  async hit(subject: string, limit: number, windowMs: number, now = Date.now()): Promise<RateLimitVerdict> {
    const windowStart = Math.floor(now / windowMs) * windowMs;
    const [row] = await this.db('rate_limit_buckets')
      .insert({ subject, window_start: new Date(windowStart), hits: 1 })
      .onConflict(['subject', 'window_start'])
      .merge({ hits: this.db.raw('rate_limit_buckets.hits + 1') })
      .returning('hits');
    const hits = Number((row as { hits: number }).hits);
    return { allowed: hits <= limit, hits, retryAfterSeconds: Math.ceil((windowStart + windowMs - now) / 1000) };
  }

  /** Old windows are worthless; the central worker calls this now and then to keep the table small. */
  async purgeBefore(cutoff: Date): Promise<number> {
    return this.db('rate_limit_buckets').where('window_start', '<', cutoff).delete();
  }
}
