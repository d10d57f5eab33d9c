import type { Knex } from 'knex';

/**
 * SMS RESET's guards (issue 8 §2):
 * - clients that existed before a PIN became the default keep what they had: `requireSmsPin: false` is written
 *   into the settings of every client that never chose, so the new default reaches only clients created from now
 *   on (the switch that turns it on is `PATCH /clients/{id}` with `{"settings": {"requireSmsPin": true}}`);
 * - wrong PINs in a row, and the lock they lead to, are counted on the user;
 * - every inbound Twilio MessageSid is remembered, so a replayed or retried webhook does nothing twice.
 */
export async function up(db: Knex): Promise<void> {
  await db.raw(
    `UPDATE clients SET settings = settings || '{"requireSmsPin": false}'::jsonb WHERE settings -> 'requireSmsPin' IS NULL`,
  );
  await db.schema.alterTable('users', (t) => {
    t.integer('sms_pin_failures').notNullable().defaultTo(0);
    t.timestamp('sms_reset_locked_until', { useTz: true }).nullable();
  });
  await db.schema.createTable('twilio_inbound_messages', (t) => {
    t.text('message_sid').primary();
    t.timestamp('received_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.index(['received_at']);
  });
}

/** The settings written by `up` stay: `false` was the default before it, so they change nothing after a rollback. */
export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('twilio_inbound_messages');
  await db.schema.alterTable('users', (t) => {
    t.dropColumn('sms_reset_locked_until');
    t.dropColumn('sms_pin_failures');
  });
}
