import type { AuditStore } from '../db/audit.store';
import type { Scope } from '../db/scope';
import type { ImportConflict, NewUser, UserRow, UsersStore } from '../db/users.store';

export type ImportResult = { created: UserRow[] } | { conflicts: ImportConflict[] };

/**
 * Creating a client's users, one or a whole import: all or nothing (the store's transaction), and one
 * `user.created` audit row per user, under whoever asked. The API's JSON import and the console's CSV upload both
 * come here, so a conflict means the same in both.
 */
export class UserImportService {
  constructor(
    private readonly deps: { users: Pick<UsersStore, 'insertMany'>; audit: Pick<AuditStore, 'recordMany'> },
  ) {}

  /** `clientId` must already be one the scope may see; nothing is written when any entry conflicts. */
  async create(scope: Scope, clientId: string, users: NewUser[], actor: string): Promise<ImportResult> {
    const result = await this.deps.users.insertMany(clientId, users);
    if ('conflicts' in result) return result;
    await this.deps.audit.recordMany(
      result.created.map((user) => ({
        mspId: scope.mspId,
        clientId,
        userId: user.id,
        actor,
        action: 'user.created' as const,
      })),
    );
    return result;
  }
}
