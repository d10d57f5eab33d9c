import type { Knex } from 'knex';

/**
 * The Latchkey app (issue 9): paired devices, the single-use pairing tokens a QR code or texted link carries, and
 * the single-use challenges each action in the app signs. Every secret is a keyed hash (device secrets, pairing
 * tokens and secrets, challenges, PINs, the number-match code) or sealed (a push subscription, with the field
 * cipher; an app reset's password, to the device's own key, which only the phone holds).
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('app_devices', (t) => {
    t.uuid('id').primary().defaultTo(db.raw('gen_random_uuid()'));
    t.uuid('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.uuid('client_id').notNullable().references('clients.id').onDelete('CASCADE');
    t.text('label').notNullable();
    /** pending_match → active → revoked; see common/domain/device.ts. */
    t.text('status').notNullable();
    /** biometric (a WebAuthn platform credential with user verification) or pin (a PIN the server checks). */
    t.text('protection').notNullable();
    t.text('secret_hash').notNullable().unique();
    /** SPKI, base64url: the non-extractable ECDSA P-256 key that signs every action. */
    t.text('signing_key').notNullable();
    /** SPKI, base64url: the non-extractable ECDH P-256 key an app reset's password is sealed to. */
    t.text('sealing_key').notNullable();
    t.text('webauthn_credential_id').nullable().unique();
    t.text('webauthn_public_key').nullable();
    t.bigInteger('webauthn_counter').notNullable().defaultTo(0);
    t.jsonb('webauthn_transports').nullable();
    t.text('pin_hash').nullable();
    t.integer('pin_failures').notNullable().defaultTo(0);
    t.text('push_kind').nullable();
    t.text('push_target_encrypted').nullable();
    t.uuid('pairing_id').nullable();
    t.text('match_hash').nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.timestamp('activated_at', { useTz: true }).nullable();
    t.timestamp('last_seen_at', { useTz: true }).nullable();
    t.timestamp('revoked_at', { useTz: true }).nullable();
    t.text('revoked_reason').nullable();
    t.index(['user_id']);
  });
  await db.schema.createTable('pairing_tokens', (t) => {
    t.uuid('id').primary().defaultTo(db.raw('gen_random_uuid()'));
    t.text('token_hash').notNullable().unique();
    t.uuid('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.uuid('client_id').notNullable().references('clients.id').onDelete('CASCADE');
    /** The enrollment whose pairing step this is; null for a re-pairing after the enrollment ended. */
    t.text('enrollment_workflow_id').nullable();
    /** A QR code shown on a screen needs the number match; a link texted to, or opened on, the phone does not. */
    t.boolean('requires_match').notNullable();
    t.text('secret_hash').nullable();
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('redeemed_at', { useTz: true }).nullable();
    t.timestamp('completed_at', { useTz: true }).nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.index(['user_id']);
  });
  await db.schema.createTable('device_challenges', (t) => {
    t.uuid('id').primary().defaultTo(db.raw('gen_random_uuid()'));
    t.uuid('device_id').notNullable().references('app_devices.id').onDelete('CASCADE');
    t.text('action').notNullable();
    t.text('subject').nullable();
    t.text('challenge_hash').notNullable();
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('used_at', { useTz: true }).nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.index(['device_id']);
  });
  await db.schema.alterTable('password_resets', (t) => {
    /** Set when the password goes to the app: the device it is sealed to. */
    t.uuid('device_id').nullable().references('app_devices.id').onDelete('SET NULL');
    /** The password sealed to that device's key (common/crypto/device-seal.ts); cleared once picked up. */
    t.text('sealed_password').nullable();
    t.timestamp('picked_up_at', { useTz: true }).nullable();
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('password_resets', (t) => {
    t.dropColumn('picked_up_at');
    t.dropColumn('sealed_password');
    t.dropColumn('device_id');
  });
  await db.schema.dropTable('device_challenges');
  await db.schema.dropTable('pairing_tokens');
  await db.schema.dropTable('app_devices');
}
