import type { Knex } from 'knex';

/**
 * The first schema. Personal and secret data never sits here in clear: API keys, link tokens and rate-limit
 * subjects are keyed hashes, phone numbers are AES-GCM ciphertext plus a keyed hash for look-up.
 */
// Millisecond precision, so that a paging cursor that went through a JavaScript Date finds its row again.
const nowMs = (db: Knex) => db.raw("date_trunc('milliseconds', now())");

export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('msps', (t) => {
    t.uuid('id').primary().defaultTo(db.raw('gen_random_uuid()'));
    t.text('name').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(nowMs(db));
  });

  await db.schema.createTable('clients', (t) => {
    t.uuid('id').primary().defaultTo(db.raw('gen_random_uuid()'));
    t.uuid('msp_id').notNullable().references('msps.id').onDelete('CASCADE');
    t.text('name').notNullable();
    t.jsonb('settings').notNullable().defaultTo('{}');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(nowMs(db));
    t.unique(['msp_id', 'name']);
  });

  await db.schema.createTable('api_keys', (t) => {
    t.uuid('id').primary().defaultTo(db.raw('gen_random_uuid()'));
    t.uuid('msp_id').notNullable().references('msps.id').onDelete('CASCADE');
    // A key scoped to one client sees only that client; null means the whole MSP.
    t.uuid('client_id').nullable().references('clients.id').onDelete('CASCADE');
    t.text('name').notNullable();
    t.text('key_id').notNullable().unique();
    t.text('secret_hash').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(nowMs(db));
    t.timestamp('revoked_at', { useTz: true }).nullable();
  });

  await db.schema.createTable('users', (t) => {
    t.uuid('id').primary().defaultTo(db.raw('gen_random_uuid()'));
    t.uuid('client_id').notNullable().references('clients.id').onDelete('CASCADE');
    t.text('username').notNullable();
    t.text('email').notNullable();
    t.text('display_name').nullable();
    t.text('status').notNullable().defaultTo('inactive');
    t.text('enrollment_method').nullable();
    t.text('phone_encrypted').nullable();
    t.text('phone_lookup').nullable().index();
    t.timestamp('enrolled_at', { useTz: true }).nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(nowMs(db));
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
  });
  // Usernames are case-insensitive in Active Directory, so they must be here too.
  await db.raw('CREATE UNIQUE INDEX users_client_username_unique ON users (client_id, lower(username))');

  await db.schema.createTable('enrollments', (t) => {
    t.uuid('id').primary();
    t.uuid('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.text('workflow_id').notNullable();
    t.text('status').notNullable();
    t.timestamp('started_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.timestamp('ended_at', { useTz: true }).nullable();
    t.index(['user_id']);
  });

  await db.schema.createTable('activation_links', (t) => {
    t.text('token_hash').primary();
    t.uuid('enrollment_id').notNullable().references('enrollments.id').onDelete('CASCADE');
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('consumed_at', { useTz: true }).nullable();
    t.timestamp('revoked_at', { useTz: true }).nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(nowMs(db));
    t.index(['enrollment_id']);
  });

  await db.schema.createTable('audit_events', (t) => {
    t.bigIncrements('id').primary();
    t.uuid('msp_id').notNullable().references('msps.id').onDelete('CASCADE');
    t.uuid('client_id').nullable();
    t.uuid('user_id').nullable();
    t.text('actor').notNullable();
    t.text('action').notNullable();
    t.jsonb('detail').notNullable().defaultTo('{}');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(nowMs(db));
    t.index(['msp_id', 'id']);
  });
  // Append-only: an audit trail that can be edited proves nothing.
  // One statement per call: PGlite prepares each call, and a prepared statement holds a single command.
  await db.raw(`
    CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'audit_events is append-only';
    END $$`);
  await db.raw(`
    CREATE TRIGGER audit_events_no_update BEFORE UPDATE OR DELETE ON audit_events
      FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()`);

  await db.schema.createTable('rate_limit_buckets', (t) => {
    t.text('subject').notNullable();
    t.timestamp('window_start', { useTz: true }).notNullable();
    t.integer('hits').notNullable().defaultTo(0);
    t.primary(['subject', 'window_start']);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('rate_limit_buckets');
  await db.raw('DROP TRIGGER audit_events_no_update ON audit_events');
  await db.raw('DROP FUNCTION audit_events_append_only()');
  for (const table of ['audit_events', 'activation_links', 'enrollments', 'users', 'api_keys', 'clients', 'msps']) {
    await db.schema.dropTable(table);
  }
}
