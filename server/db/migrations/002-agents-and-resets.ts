import type { Knex } from 'knex';

const nowMs = (db: Knex) => db.raw("date_trunc('milliseconds', now())");

/** On-premises agents (one or more per client), SMS opt-out and PIN, and the reset request history. */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('agents', (t) => {
    t.uuid('id').primary().defaultTo(db.raw('gen_random_uuid()'));
    t.uuid('client_id').notNullable().references('clients.id').onDelete('CASCADE');
    t.text('name').notNullable();
    t.text('token_id').notNullable().unique();
    t.text('token_hash').notNullable();
    t.text('version').nullable();
    t.text('hostname').nullable();
    t.timestamp('last_seen_at', { useTz: true }).nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(nowMs(db));
    t.timestamp('revoked_at', { useTz: true }).nullable();
    t.index(['client_id']);
  });

  await db.schema.alterTable('users', (t) => {
    // Keyed hash of the short PIN that a client may require in "RESET <PIN>" texts.
    t.text('sms_pin_hash').nullable();
    t.boolean('sms_opted_out').notNullable().defaultTo(false);
  });

  await db.schema.createTable('password_resets', (t) => {
    t.uuid('id').primary();
    t.uuid('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.uuid('client_id').notNullable().references('clients.id').onDelete('CASCADE');
    t.text('channel').notNullable();
    t.text('requested_by').notNullable();
    t.text('status').notNullable();
    t.text('failure_code').nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(nowMs(db));
    t.timestamp('ended_at', { useTz: true }).nullable();
    t.index(['client_id', 'created_at']);
    t.index(['user_id']);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('password_resets');
  await db.schema.alterTable('users', (t) => {
    t.dropColumn('sms_pin_hash');
    t.dropColumn('sms_opted_out');
  });
  await db.schema.dropTable('agents');
}
