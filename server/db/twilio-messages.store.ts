import { DAY_MS } from '../../common/duration';
import type { Database } from './connect';

/** How long a MessageSid is remembered: Twilio retries within minutes, and a captured request is refused for this long. */
export const MESSAGE_SID_RETENTION_MS = 2 * DAY_MS;

/**
 * The MessageSid of every inbound Twilio webhook acted on. Twilio's signature covers the URL and parameters but
 * no timestamp, so a signed request captured once (a proxy's body log, say) verifies forever; remembering the
 * SID is what makes a replay, or Twilio's own retry after a timeout, do nothing the second time.
 */
export class TwilioMessagesStore {
  constructor(private readonly db: Database) {}

  /**
   * Records the SID and says whether this is the first time it is seen, in one statement; SIDs past the retention
   * go in the same statement, so the table holds about two days of texts without a schedule of its own.
   */
  async firstSighting(messageSid: string): Promise<boolean> {
    const { rows } = await this.db.raw<{ rows: Array<{ fresh: number }> }>(
      `WITH expired AS (DELETE FROM twilio_inbound_messages WHERE received_at < ?),
       seen AS (INSERT INTO twilio_inbound_messages (message_sid) VALUES (?) ON CONFLICT DO NOTHING RETURNING 1)
       SELECT count(*)::int AS fresh FROM seen`,
      [new Date(Date.now() - MESSAGE_SID_RETENTION_MS), messageSid],
    );
    return rows[0]!.fresh > 0;
  }

  /** A text whose handling failed is forgotten again, so that Twilio's retry of it is acted on. */
  async forget(messageSid: string): Promise<void> {
    await this.db('twilio_inbound_messages').where({ message_sid: messageSid }).delete();
  }
}
