import { Attribute, Change, type Client, type Entry } from 'ldapts';
import type {
  DirectoryProvider,
  DirectoryUser,
  LockedAccount,
  LockoutState,
  SetPasswordRequest,
  SetPasswordResult,
  UnlockResult,
} from '../directory-provider';
import { AccountDisabledError, DirectoryOperationError, ProtectedAccountError, UserNotFoundError } from '../errors';
import {
  parseActiveDirectoryConfig,
  type ActiveDirectoryConfig,
  type ActiveDirectoryConfigInput,
} from './active-directory.config';
import { LdapConnection, type CreateLdapClient } from './ldap-connection';
import { filter } from './ldap-escape';
import { USER_ATTRIBUTES, USER_FILTER, toDirectoryUser, toLockoutState } from './user-entry';

export interface ActiveDirectoryProviderDeps {
  /** Tests pass a factory for a fake or instrumented ldapts Client. */
  createClient?: CreateLdapClient;
}

/** Longer than any sAMAccountName (20) or sensible UPN; anything past it is not a username. */
const MAX_USERNAME_LENGTH = 256;
const LOCKED_PAGE_SIZE = 500;

export class ActiveDirectoryProvider implements DirectoryProvider {
  readonly kind = 'directory' as const;
  readonly id: string;
  private readonly config: ActiveDirectoryConfig;
  private readonly connection: LdapConnection;

  constructor(config: ActiveDirectoryConfigInput, deps: ActiveDirectoryProviderDeps = {}) {
    this.config = parseActiveDirectoryConfig(config);
    this.id = this.config.id;
    this.connection = new LdapConnection(this.config, deps.createClient);
  }

  async findUser(username: string): Promise<DirectoryUser | null> {
    const entry = await this.connection.run({ operation: 'search', username }, (client) =>
      this.searchUser(client, username),
    );
    return entry ? toDirectoryUser(entry) : null;
  }

  async setPassword(request: SetPasswordRequest): Promise<SetPasswordResult> {
    const { username } = request;
    return this.connection.run({ operation: 'set-password', username }, async (client) => {
      const user = await this.writableUser(client, username);
      const changes = [
        // AD takes a new password only as the quoted string in UTF-16LE, and only over an encrypted connection.
        replace('unicodePwd', Buffer.from(`"${request.password}"`, 'utf16le')),
        // 0 forces a change at next logon; -1 stamps "now", which also clears an earlier forced change.
        replace('pwdLastSet', request.mustChangeAtNextLogon ? '0' : '-1'),
      ];
      if (request.unlock) changes.push(replace('lockoutTime', '0'));
      // One modify, so the password and its flags are applied together or not at all.
      await client.modify(user.dn, changes);
      return { dn: user.dn, wasLocked: user.locked, objectGuid: user.objectGuid };
    });
  }

  async unlock(username: string, _options?: { expectedObjectGuid?: string | null }): Promise<UnlockResult> {
    return this.connection.run({ operation: 'unlock', username }, async (client) => {
      const user = await this.writableUser(client, username);
      // Written even when not locked: it also resets badPwdCount, and is harmless to repeat.
      await client.modify(user.dn, [replace('lockoutTime', '0')]);
      return { dn: user.dn, wasLocked: user.locked, objectGuid: user.objectGuid };
    });
  }

  async getLockoutState(username: string): Promise<LockoutState> {
    const entry = await this.connection.run({ operation: 'search', username }, (client) =>
      this.searchUser(client, username),
    );
    if (!entry) throw new UserNotFoundError(this.id, { username, baseDn: this.config.baseDn });
    return toLockoutState(entry);
  }

  async listLockedAccounts(): Promise<LockedAccount[]> {
    const entries = await this.connection.run({ operation: 'search' }, async (client) => {
      // lockoutTime stays set after a lockout expires (until the next logon), so it only narrows the search;
      // the computed flag, which cannot be filtered on, decides.
      const result = await client.search(this.config.baseDn, {
        scope: 'sub',
        filter: `(&${USER_FILTER}(lockoutTime>=1))`,
        attributes: USER_ATTRIBUTES,
        paged: { pageSize: LOCKED_PAGE_SIZE },
      });
      return result.searchEntries;
    });
    return entries.flatMap((entry) => {
      const user = toDirectoryUser(entry);
      const { lockoutTime, badPwdCount } = toLockoutState(entry);
      return user.locked && lockoutTime ? [{ ...user, lockoutTime, badPwdCount }] : [];
    });
  }

  async healthCheck(): Promise<void> {
    // Binding proves the credentials and TLS trust; reading the base DN proves it exists and is visible.
    await this.connection.run({ operation: 'health-check' }, (client) =>
      client.search(this.config.baseDn, {
        scope: 'base',
        filter: '(objectClass=*)',
        attributes: ['distinguishedName'],
      }),
    );
  }

  async close(): Promise<void> {
    await this.connection.close();
  }

  /** Every check that must pass before anything is written to the account. */
  private async writableUser(client: Client, username: string): Promise<DirectoryUser & { objectGuid: string }> {
    const entry = await this.searchUser(client, username);
    if (!entry) throw new UserNotFoundError(this.id, { username, baseDn: this.config.baseDn });
    const user = toDirectoryUser(entry);
    if (user.protected && !this.config.allowProtectedAccounts) {
      throw new ProtectedAccountError(this.id, { username, dn: user.dn });
    }
    if (!user.enabled) throw new AccountDisabledError(this.id, { username, dn: user.dn });
    const guid = entry['objectGUID'];
    const bytes = Array.isArray(guid) ? guid[0] : guid;
    return { ...user, objectGuid: Buffer.isBuffer(bytes) ? bytes.toString('hex') : '' };
  }

  private async searchUser(client: Client, username: string): Promise<Entry | null> {
    const name = accountName(username);
    if (!name) return null;
    const result = await client.search(this.config.baseDn, {
      scope: 'sub',
      filter: `(&${USER_FILTER}${filter`(|(sAMAccountName=${name})(userPrincipalName=${name}))`})`,
      attributes: [...USER_ATTRIBUTES, 'objectGUID'],
      explicitBufferAttributes: ['objectGUID'],
      // Two are enough to tell "exactly one" from "ambiguous" without reading a whole directory.
      sizeLimit: 2,
    });
    const [first, second] = result.searchEntries;
    if (second) {
      throw new DirectoryOperationError(this.id, {
        operation: 'find a unique account',
        detail: `"${username}" matches more than one account (${first!.dn}; ${second.dn}), so none was changed`,
      });
    }
    return first ?? null;
  }
}

/**
 * Accepts what people type: "jdoe", "jdoe@corp.example" or "CORP\jdoe". The NetBIOS prefix is dropped
 * because one provider serves one domain.
 */
function accountName(username: string): string | undefined {
  const trimmed = username.trim();
  const name = trimmed.includes('\\') ? trimmed.slice(trimmed.lastIndexOf('\\') + 1) : trimmed;
  if (name === '' || name.length > MAX_USERNAME_LENGTH) return undefined;
  return name;
}

function replace(type: string, value: string | Buffer): Change {
  // Both branches build the same array: ldapts types `values` as string[] | Buffer[], and only the narrowing in
  // the condition proves to the compiler that the array is not mixed.
  const values = typeof value === 'string' ? [value] : [value];
  return new Change({ operation: 'replace', modification: new Attribute({ type, values }) });
}
