import type { ClientSettings } from '../../common/domain/client-policy';
import type { Database } from './connect';
import { pageBy, type Page, type PageRequest } from './paging';
import type { Scope } from './scope';
import { toUserRecord, type UserRecord, type UserRow } from './users.store';

/** A user with its client's name and settings and its MSP's name. */
export interface UserWithOrg {
  user: UserRecord;
  mspId: string;
  mspName: string;
  clientName: string;
  clientSettings: ClientSettings;
}

export interface ClientRow {
  id: string;
  msp_id: string;
  name: string;
  settings: ClientSettings;
  created_at: Date;
}

export interface MspRow {
  id: string;
  name: string;
  created_at: Date;
}

export class TenantsStore {
  constructor(private readonly db: Database) {}

  async createMsp(name: string): Promise<MspRow> {
    const [row] = await this.db('msps').insert({ name }).returning('*');
    return row as MspRow;
  }

  async getMsp(mspId: string): Promise<MspRow | undefined> {
    return this.db('msps').where({ id: mspId }).first();
  }

  async createClient(mspId: string, name: string, settings: ClientSettings): Promise<ClientRow | 'duplicate'> {
    const inserted = await this.db('clients')
      .insert({ msp_id: mspId, name, settings: JSON.stringify(settings) })
      .onConflict(['msp_id', 'name'])
      .ignore()
      .returning('*');
    return (inserted[0] as ClientRow | undefined) ?? 'duplicate';
  }

  /** Returns undefined both when the client does not exist and when it belongs to another tenant. */
  async getClient(scope: Scope, clientId: string): Promise<ClientRow | undefined> {
    if (scope.clientId && scope.clientId !== clientId) return undefined;
    return this.db('clients').where({ id: clientId, msp_id: scope.mspId }).first();
  }

  /** A client's name by id alone, for messages about it; callers must have checked access already. */
  async clientName(clientId: string): Promise<string | undefined> {
    const row = await this.db('clients').where({ id: clientId }).first('name');
    return row?.name;
  }

  async updateSettings(clientId: string, settings: ClientSettings): Promise<ClientRow> {
    const [row] = await this.db('clients')
      .where({ id: clientId })
      .update({ settings: JSON.stringify(settings) })
      .returning('*');
    return row as ClientRow;
  }

  /**
   * A user with its client's name and settings and its MSP's name, in one round trip. Unscoped: for activities
   * and pages that reach a user through an id they already hold.
   */
  /**
   * With `within`, only a user of that client whom the scope may see, so that a caller checking access and then
   * needing the user's organisation reads the row once.
   */
  async userWithOrg(userId: string, within?: { scope: Scope; clientId: string }): Promise<UserWithOrg | undefined> {
    const row = await this.db('users')
      .join('clients', 'clients.id', 'users.client_id')
      .join('msps', 'msps.id', 'clients.msp_id')
      .where('users.id', userId)
      .modify((query) => {
        if (!within) return;
        query.andWhere('users.client_id', within.clientId).andWhere('clients.msp_id', within.scope.mspId);
        if (within.scope.clientId) query.andWhere('users.client_id', within.scope.clientId);
      })
      .first(
        'users.*',
        'msps.id as org_msp_id',
        'msps.name as org_msp_name',
        'clients.name as org_client_name',
        'clients.settings as org_client_settings',
      );
    if (!row) return undefined;
    const { org_msp_id, org_msp_name, org_client_name, org_client_settings, ...user } = row;
    return {
      user: toUserRecord(user as UserRow),
      mspId: org_msp_id,
      mspName: org_msp_name,
      clientName: org_client_name,
      clientSettings: org_client_settings,
    };
  }

  async listClients(scope: Scope, page: PageRequest): Promise<Page<ClientRow>> {
    const query = this.db('clients').select('*').where({ msp_id: scope.mspId });
    if (scope.clientId) query.andWhere({ id: scope.clientId });
    return pageBy<ClientRow>(query, 'clients', page);
  }
}
