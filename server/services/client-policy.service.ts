import { clientSettingsSchema, type ClientSettings } from '../../common/domain/client-policy';
import type { AuditStore, AuditValue } from '../db/audit.store';
import type { ClientRow, TenantsStore } from '../db/tenants.store';

const POLICY_KEYS = new Set(Object.keys(clientSettingsSchema.shape));

/** Only the settings the policy schema knows, so nothing else a row's settings might one day hold reaches the log. */
function policyOf(settings: ClientSettings): Record<string, AuditValue> {
  return Object.fromEntries(
    Object.entries(settings).filter(([key, value]) => POLICY_KEYS.has(key) && value !== undefined),
  ) as Record<string, AuditValue>;
}

/**
 * A client's policy change, audited as `client.settings_changed` with the policy before and after and who made
 * it. The API's PATCH (which merges) and the console's editor (which replaces) both write through here.
 */
export class ClientPolicyService {
  constructor(
    private readonly deps: { tenants: Pick<TenantsStore, 'updateSettings'>; audit: Pick<AuditStore, 'record'> },
  ) {}

  /** `client` must be one the caller may see; `settings` is its whole new policy, already validated. */
  async replace(client: ClientRow, settings: ClientSettings, actor: string): Promise<ClientRow> {
    const updated = await this.deps.tenants.updateSettings(client.id, settings);
    await this.deps.audit.record({
      mspId: client.msp_id,
      clientId: client.id,
      actor,
      action: 'client.settings_changed',
      detail: { before: policyOf(client.settings), after: policyOf(updated.settings) },
    });
    return updated;
  }
}
