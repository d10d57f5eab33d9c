import type { Knex } from 'knex';

/**
 * Technician accounts and their console sessions (issue 11 §1). A technician belongs to one MSP and has one of
 * the API keys' roles. The password is an scrypt hash, the TOTP secret is sealed with the field cipher, and
 * `totp_last_step` is the last time step a code was accepted for, so no code works twice. A session row is
 * named by the keyed hash of the cookie's random value; `stage` is `password` between the two sign-in steps.
 * A technician may add passkeys (WebAuthn, user verification required); a passkey sign-in's challenge is kept
 * as a keyed hash, single-use and short-lived, since it is issued before anyone is known.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('technicians', (t) => {
    t.uuid('id').primary().defaultTo(db.raw('gen_random_uuid()'));
    t.uuid('msp_id').notNullable().references('msps.id').onDelete('CASCADE');
    t.text('email').notNullable();
    t.text('display_name').notNullable();
    t.text('role').notNullable();
    t.text('password_hash').notNullable();
    t.text('totp_secret_sealed').notNullable();
    t.bigInteger('totp_last_step').notNullable().defaultTo(0);
    t.timestamp('disabled_at', { useTz: true }).nullable();
    t.timestamp('last_sign_in_at', { useTz: true }).nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.index(['msp_id', 'created_at']);
  });
  // Sign-in asks for an email only, so an email names one technician across every MSP.
  await db.raw(`CREATE UNIQUE INDEX technicians_email_unique ON technicians (lower(email))`);
  await db.raw(
    `ALTER TABLE technicians ADD CONSTRAINT technicians_role_check CHECK (role IN ('admin', 'helpdesk', 'read_only'))`,
  );
  await db.schema.createTable('technician_sessions', (t) => {
    t.uuid('id').primary().defaultTo(db.raw('gen_random_uuid()'));
    t.uuid('technician_id').notNullable().references('technicians.id').onDelete('CASCADE');
    t.text('token_hash').notNullable().unique();
    t.text('stage').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.timestamp('last_seen_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.timestamp('ended_at', { useTz: true }).nullable();
    t.index(['technician_id']);
  });
  await db.raw(
    `ALTER TABLE technician_sessions ADD CONSTRAINT technician_sessions_stage_check CHECK (stage IN ('password', 'active'))`,
  );
  await db.schema.createTable('technician_passkeys', (t) => {
    t.uuid('id').primary().defaultTo(db.raw('gen_random_uuid()'));
    t.uuid('technician_id').notNullable().references('technicians.id').onDelete('CASCADE');
    t.text('credential_id').notNullable().unique();
    /** COSE public key, base64url. */
    t.text('public_key').notNullable();
    t.bigInteger('counter').notNullable().defaultTo(0);
    t.specificType('transports', 'text[]').notNullable().defaultTo('{}');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.timestamp('last_used_at', { useTz: true }).nullable();
  });
  await db.schema.createTable('console_passkey_challenges', (t) => {
    t.text('challenge_hash').primary();
    t.timestamp('expires_at', { useTz: true }).notNullable();
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('console_passkey_challenges');
  await db.schema.dropTable('technician_passkeys');
  await db.schema.dropTable('technician_sessions');
  await db.schema.dropTable('technicians');
}
