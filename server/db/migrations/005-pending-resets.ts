import type { Knex } from 'knex';

/**
 * A reset exists in the database before its workflow starts, as a `pending` row, so that the central worker acts
 * only on resets that Latchkey itself asked for: a workflow started by anyone else finds no row and does
 * nothing. The user's directory object is remembered at its first touch, so that a later reset of a recreated
 * account with the same name is refused.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('users', (t) => {
    t.text('directory_object_guid').nullable();
  });
  await db.raw("CREATE INDEX password_resets_pending ON password_resets (user_id) WHERE status = 'pending'");
}

export async function down(db: Knex): Promise<void> {
  await db.raw('DROP INDEX password_resets_pending');
  await db.schema.alterTable('users', (t) => {
    t.dropColumn('directory_object_guid');
  });
}
