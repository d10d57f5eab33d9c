import type { Knex } from 'knex';

/**
 * Some events belong to the Latchkey instance rather than to an MSP: a codec admin's sign-in, and the decode of a
 * payload whose workflow names no user (the rate-limit purge, a Nexus answer). They have no MSP, and no MSP's API
 * key lists them; the operator reads them in the database.
 */
export async function up(db: Knex): Promise<void> {
  await db.raw('ALTER TABLE audit_events ALTER COLUMN msp_id DROP NOT NULL');
}

/** Rolling back drops the instance's own events, the only rows without an MSP, past the append-only trigger. */
export async function down(db: Knex): Promise<void> {
  await db.raw('ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update');
  await db.raw('DELETE FROM audit_events WHERE msp_id IS NULL');
  await db.raw('ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update');
  await db.raw('ALTER TABLE audit_events ALTER COLUMN msp_id SET NOT NULL');
}
