import type { ApiKeyRole } from '../../common/domain/api-key-roles';
import type { Database } from './connect';

export interface TechnicianRow {
  id: string;
  msp_id: string;
  email: string;
  display_name: string;
  role: ApiKeyRole;
  password_hash: string;
  totp_secret_sealed: string;
  totp_last_step: string | number;
  disabled_at: Date | null;
  last_sign_in_at: Date | null;
  created_at: Date;
}

/** A row without its secrets: what listing hands out. */
export type TechnicianRecord = Omit<TechnicianRow, 'password_hash' | 'totp_secret_sealed' | 'totp_last_step'>;

const RECORD_COLUMNS = [
  'id',
  'msp_id',
  'email',
  'display_name',
  'role',
  'disabled_at',
  'last_sign_in_at',
  'created_at',
] as const;

export interface NewTechnician {
  mspId: string;
  email: string;
  displayName: string;
  role: ApiKeyRole;
  passwordHash: string;
  totpSecretSealed: string;
}

/** Technician accounts. Every read that a console request makes is scoped to the caller's MSP. */
export class TechniciansStore {
  constructor(private readonly db: Database) {}

  async create(technician: NewTechnician): Promise<TechnicianRecord | 'duplicate'> {
    const existing = await this.db('technicians').whereRaw('lower(email) = lower(?)', [technician.email]).first('id');
    if (existing) return 'duplicate';
    try {
      const [row] = await this.db('technicians')
        .insert({
          msp_id: technician.mspId,
          email: technician.email,
          display_name: technician.displayName,
          role: technician.role,
          password_hash: technician.passwordHash,
          totp_secret_sealed: technician.totpSecretSealed,
        })
        .returning(RECORD_COLUMNS);
      return row as TechnicianRecord;
    } catch (error) {
      if ((error as { code?: string }).code === '23505') return 'duplicate';
      throw error;
    }
  }

  /** For sign-in only: the one place a technician is found by something other than their MSP and id. */
  async findForSignIn(email: string): Promise<TechnicianRow | undefined> {
    return this.db('technicians').whereRaw('lower(email) = lower(?)', [email]).first();
  }

  async getRow(id: string): Promise<TechnicianRow | undefined> {
    return this.db('technicians').where({ id }).first();
  }

  async get(mspId: string, id: string): Promise<TechnicianRecord | undefined> {
    return this.db('technicians').where({ msp_id: mspId, id }).first(RECORD_COLUMNS);
  }

  async list(mspId: string): Promise<TechnicianRecord[]> {
    return this.db('technicians').where({ msp_id: mspId }).orderBy('created_at').select(RECORD_COLUMNS);
  }

  async count(): Promise<number> {
    const row = await this.db('technicians').count<{ count: string }[]>('id as count').first();
    return Number(row?.count ?? 0);
  }

  /**
   * Accepts a TOTP step only if it is later than every step accepted before: one statement, so two requests
   * carrying the same code cannot both get in.
   */
  async acceptTotpStep(id: string, step: number): Promise<boolean> {
    const updated = await this.db('technicians')
      .where({ id })
      .andWhere('totp_last_step', '<', step)
      .update({ totp_last_step: step, last_sign_in_at: this.db.fn.now() });
    return updated === 1;
  }

  async signedIn(id: string): Promise<void> {
    await this.db('technicians').where({ id }).update({ last_sign_in_at: this.db.fn.now() });
  }

  /**
   * Disables the account and ends its sessions at once. The MSP's last active admin is kept, so that someone can
   * still manage the others; its active admins are locked first, in id order, so two admins disabling each other
   * at once cannot both succeed.
   */
  async disable(mspId: string, id: string): Promise<'disabled' | 'already_disabled' | 'not_found' | 'last_admin'> {
    return this.db.transaction(async (trx) => {
      const admins: Array<{ id: string }> = await trx('technicians')
        .where({ msp_id: mspId, role: 'admin' })
        .whereNull('disabled_at')
        .orderBy('id')
        .forUpdate()
        .select('id');
      const row: TechnicianRecord | undefined = await trx('technicians')
        .where({ msp_id: mspId, id })
        .forUpdate()
        .first(RECORD_COLUMNS);
      if (!row) return 'not_found';
      if (row.disabled_at) return 'already_disabled';
      if (admins.length === 1 && admins[0]!.id === id) return 'last_admin';
      await trx('technicians').where({ id }).update({ disabled_at: trx.fn.now() });
      await trx('technician_sessions')
        .where({ technician_id: id })
        .whereNull('ended_at')
        .update({ ended_at: trx.fn.now() });
      return 'disabled';
    });
  }
}
