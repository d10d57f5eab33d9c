import type { Knex } from 'knex';

/**
 * OIDC single sign-on for an MSP's technicians (issue 11 §1). An MSP names its identity provider (issuer, client
 * id, and the client secret, sealed with the field cipher) and the email domains it vouches for; a domain names
 * one MSP, since the sign-in form asks for an email or a domain only. A sign-in in flight is a row named by the
 * keyed hash of its `state`, holding the nonce the id_token must carry and the sealed PKCE verifier; the first
 * callback spends it.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('msp_sso_configs', (t) => {
    t.uuid('msp_id').primary().references('msps.id').onDelete('CASCADE');
    t.text('issuer').notNullable();
    t.text('client_id').notNullable();
    t.text('client_secret_sealed').notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
  });
  await db.schema.createTable('msp_sso_domains', (t) => {
    t.text('domain').primary();
    t.uuid('msp_id').notNullable().references('msp_sso_configs.msp_id').onDelete('CASCADE');
    t.index(['msp_id']);
  });
  await db.raw(`ALTER TABLE msp_sso_domains ADD CONSTRAINT msp_sso_domains_lower CHECK (domain = lower(domain))`);
  await db.schema.createTable('console_sso_attempts', (t) => {
    t.text('state_hash').primary();
    t.uuid('msp_id').notNullable().references('msps.id').onDelete('CASCADE');
    t.text('nonce').notNullable();
    t.text('code_verifier_sealed').notNullable();
    t.timestamp('expires_at', { useTz: true }).notNullable();
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('console_sso_attempts');
  await db.schema.dropTable('msp_sso_domains');
  await db.schema.dropTable('msp_sso_configs');
}
