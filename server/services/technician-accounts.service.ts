import type { Secrets } from '../../common/crypto/secrets';
import { FieldCipher } from '../../common/crypto/field-cipher';
import { randomToken } from '../../common/crypto/keys';
import type { ApiKeyRole } from '../../common/domain/api-key-roles';
import { hashPassword } from '../../common/secrets/password-hash';
import { newTotpSecret, otpauthUri } from '../../common/secrets/totp';
import type { AuditStore } from '../db/audit.store';
import type { TechnicianRecord, TechniciansStore } from '../db/technicians.store';

/** What creating a technician hands back, once: the generated password and the TOTP secret are not kept in clear. */
export interface CreatedTechnician {
  technician: TechnicianRecord;
  password: string;
  totpSecret: string;
  otpauthUri: string;
}

export const TOTP_SECRET_COLUMN = 'technicians.totp_secret_sealed';

/** The TOTP secrets' cipher: its own subkey, and the column bound in, so a sealed secret moved elsewhere will not open. */
export function totpCipher(secrets: Secrets): FieldCipher {
  return new FieldCipher(secrets.key('technician-totp'));
}

/**
 * Creating and disabling technician accounts. There is never a default password: each account gets a generated
 * one (144 random bits), shown once to whoever created it, and its own TOTP secret.
 */
export class TechnicianAccountsService {
  constructor(private readonly deps: { technicians: TechniciansStore; audit: AuditStore; secrets: Secrets }) {}

  async create(
    input: { mspId: string; email: string; displayName?: string; role: ApiKeyRole },
    actor: string,
  ): Promise<CreatedTechnician | 'duplicate'> {
    const password = randomToken(18);
    const totpSecret = newTotpSecret();
    const created = await this.deps.technicians.create({
      mspId: input.mspId,
      email: input.email,
      displayName: input.displayName ?? input.email,
      role: input.role,
      passwordHash: await hashPassword(password),
      totpSecretSealed: totpCipher(this.deps.secrets).encrypt(totpSecret, TOTP_SECRET_COLUMN),
    });
    if (created === 'duplicate') return 'duplicate';
    await this.deps.audit.record({
      mspId: input.mspId,
      actor,
      action: 'technician.created',
      detail: { technicianId: created.id, email: created.email, role: created.role },
    });
    return { technician: created, password, totpSecret, otpauthUri: otpauthUri(totpSecret, created.email) };
  }

  async disable(mspId: string, technicianId: string, actor: string) {
    const outcome = await this.deps.technicians.disable(mspId, technicianId);
    if (outcome === 'disabled')
      await this.deps.audit.record({ mspId, actor, action: 'technician.disabled', detail: { technicianId } });
    return outcome;
  }
}
