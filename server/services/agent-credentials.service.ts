import type { AgentRow, AgentsStore } from '../db/agents.store';
import type { AuditStore } from '../db/audit.store';
import type { ClientKeysStore } from '../db/client-keys.store';
import type { ClientRow } from '../db/tenants.store';

export interface AgentCredentialsDeps {
  agents: Pick<AgentsStore, 'issue' | 'get' | 'revoke'>;
  audit: Pick<AuditStore, 'record'>;
  clientKeys: Pick<ClientKeysStore, 'rotate'>;
}

/**
 * Issuing and revoking a client's agent credentials, audited under whoever did it, for the API and the console
 * alike. The token is returned once and stored only as a keyed hash (agents.store.ts).
 */
export class AgentCredentialsService {
  constructor(private readonly deps: AgentCredentialsDeps) {}

  /** `client` must be one the caller may see. */
  async issue(client: ClientRow, name: string, actor: string): Promise<{ agent: AgentRow; token: string }> {
    const issued = await this.deps.agents.issue(client.id, name);
    await this.deps.audit.record({
      mspId: client.msp_id,
      clientId: client.id,
      actor,
      action: 'agent.created',
      detail: { agentId: issued.agent.id },
    });
    return issued;
  }

  /** The agent after revocation; undefined when the client has no such agent. Revoking twice audits once. */
  async revoke(client: ClientRow, agentId: string, actor: string): Promise<AgentRow | undefined> {
    if (!(await this.deps.agents.get(client.id, agentId))) return undefined;
    let keyGeneration: number | undefined;
    // The revoked agent keeps the generation it holds; a new one, in the same transaction, is what makes that
    // secret open nothing issued from now on.
    const revoked = await this.deps.agents.revoke(client.id, agentId, async (trx) => {
      keyGeneration = (await this.deps.clientKeys.rotate(client.id, 'agent-revoked', trx)).generation;
    });
    if (revoked) {
      await this.deps.audit.record({
        mspId: client.msp_id,
        clientId: client.id,
        actor,
        action: 'agent.revoked',
        detail: { agentId, keyGeneration: keyGeneration ?? null },
      });
    }
    return this.deps.agents.get(client.id, agentId);
  }
}
