import type { Knex } from 'knex';

/**
 * The console reads the audit log two new ways (issue 11 §2): one user's events for their timeline, and an MSP's
 * events newest first, in pages, for the audit log and its CSV export. Without these, both scan every MSP's rows.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('audit_events', (t) => {
    t.index(['user_id', 'created_at'], 'audit_events_user_created_index');
    t.index(['msp_id', 'created_at', 'id'], 'audit_events_msp_created_index');
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('audit_events', (t) => {
    t.dropIndex(['user_id', 'created_at'], 'audit_events_user_created_index');
    t.dropIndex(['msp_id', 'created_at', 'id'], 'audit_events_msp_created_index');
  });
}
