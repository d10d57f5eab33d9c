import type { Knex } from 'knex';

/**
 * What an enrollment's own rows must show before its central activities act on it (issue 7, section 4): the
 * workflow run that claimed the row the API created, the number the latest code went to and that code, and when
 * the API saw the user type it. Only keyed hashes are kept: the code and the phone never sit here in clear.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('enrollments', (t) => {
    // Null until the workflow's first step claims the row; also on rows opened before this migration, whose
    // activities are matched on the workflow id alone.
    t.text('run_id').nullable();
    // Keyed hash ('phone-lookup') of the number the latest code was texted to, and that code's keyed hash.
    t.text('code_phone_lookup').nullable();
    t.text('code_hash').nullable();
    t.timestamp('code_sent_at', { useTz: true }).nullable();
    // Written by the API process, never by an activity: a forged activity input cannot set it.
    t.timestamp('code_verified_at', { useTz: true }).nullable();
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('enrollments', (t) => {
    t.dropColumn('code_verified_at');
    t.dropColumn('code_sent_at');
    t.dropColumn('code_hash');
    t.dropColumn('code_phone_lookup');
    t.dropColumn('run_id');
  });
}
