import type { Knex } from 'knex';

/**
 * Lockouts (issue 10 §2): one row per lockout of an enrolled user, written when the agent's watch reports it and
 * before its workflow starts. The central worker signs an unlock only for an open row that the workflow id names,
 * as it signs a reset only for a pending one; the API reads "locked since" and the app its pending lockouts here.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('lockouts', (t) => {
    t.uuid('id').primary().defaultTo(db.raw('gen_random_uuid()'));
    t.uuid('client_id').notNullable().references('clients.id').onDelete('CASCADE');
    t.uuid('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.text('workflow_id').notNullable().unique();
    t.timestamp('locked_at', { useTz: true }).notNullable();
    t.timestamp('unlocks_at', { useTz: true }).nullable();
    // open, unlocked, reset, expired, cleared, timed_out
    t.text('status').notNullable().defaultTo('open');
    t.boolean('reset_recommended').notNullable().defaultTo(false);
    // push, sms, push_then_sms, none
    t.text('notice').nullable();
    t.timestamp('acknowledged_at', { useTz: true }).nullable();
    t.text('ended_by').nullable();
    t.timestamp('ended_at', { useTz: true }).nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.unique(['user_id', 'locked_at']);
    t.index(['user_id', 'created_at']);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('lockouts');
}
