import type { Knex } from 'knex';

/**
 * What the agent health watch last told the MSP about each agent (issue 12 §1): its state, since when, and
 * whether the email for that state went out. A state changes only when the watch sees the other one, so one
 * outage is one row change and one alert, however many checks it spans.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('agent_health', (t) => {
    t.uuid('agent_id').primary().references('agents.id').onDelete('CASCADE');
    t.uuid('client_id').notNullable().references('clients.id').onDelete('CASCADE');
    t.text('state').notNullable();
    t.timestamp('changed_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    /** Null while the alert for this state is owed: the next check sends it, so a failed email is retried. */
    t.timestamp('alerted_at', { useTz: true }).nullable();
  });
  await db.raw(
    `ALTER TABLE agent_health ADD CONSTRAINT agent_health_state_check CHECK (state IN ('online', 'offline'))`,
  );
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('agent_health');
}
