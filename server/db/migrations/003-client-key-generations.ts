import type { Knex } from 'knex';

const nowMs = (db: Knex) => db.raw("date_trunc('milliseconds', now())");

/**
 * Generations of each client's key (common/crypto/client-keys.ts). The secret is stored wrapped: AES-GCM under a
 * key derived from the master key, with the client id and generation bound as additional data, so a dump of this
 * table opens nothing and a wrapped secret copied to another row or client does not unwrap.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('client_key_generations', (t) => {
    t.uuid('client_id').notNullable().references('clients.id').onDelete('CASCADE');
    // 0 is the legacy, master-derived generation; it is computed, never stored.
    t.integer('generation').notNullable().checkPositive();
    t.text('secret_wrapped').notNullable();
    // Why this generation exists: first use, an agent's revocation, or an explicit rotation.
    t.text('reason').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(nowMs(db));
    t.primary(['client_id', 'generation']);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('client_key_generations');
}
