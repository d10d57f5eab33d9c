import type { Knex } from 'knex';

/**
 * The "This wasn't me" links in the email that tells an account's owner a phone was set up for password reset
 * (F5). Like activation links, each is a keyed hash of a random token, bound to one enrollment, single use and
 * expiring: the token itself is only ever in the email.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('disown_links', (t) => {
    t.text('token_hash').primary();
    t.uuid('enrollment_id').notNullable().references('enrollments.id').onDelete('CASCADE');
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('consumed_at', { useTz: true }).nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.index(['enrollment_id']);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('disown_links');
}
