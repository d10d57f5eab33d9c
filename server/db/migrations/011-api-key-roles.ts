import type { Knex } from 'knex';

/**
 * API keys get a role, an optional expiry and a last-used time (security review F8). Keys issued before roles
 * existed could do everything in their scope, so they become `admin`; the default is then dropped, so that every
 * key issued from now on names its role.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('api_keys', (t) => {
    t.text('role').notNullable().defaultTo('admin');
    t.timestamp('expires_at', { useTz: true }).nullable();
    t.timestamp('last_used_at', { useTz: true }).nullable();
    t.index(['msp_id', 'created_at']);
  });
  await db.raw(`ALTER TABLE api_keys ALTER COLUMN role DROP DEFAULT`);
  await db.raw(
    `ALTER TABLE api_keys ADD CONSTRAINT api_keys_role_check CHECK (role IN ('admin', 'helpdesk', 'read_only'))`,
  );
}

export async function down(db: Knex): Promise<void> {
  await db.raw(`ALTER TABLE api_keys DROP CONSTRAINT api_keys_role_check`);
  await db.schema.alterTable('api_keys', (t) => {
    t.dropIndex(['msp_id', 'created_at']);
    t.dropColumn('last_used_at');
    t.dropColumn('expires_at');
    t.dropColumn('role');
  });
}
