import { Attribute, Change, NoSuchObjectError, type Client, type Entry } from 'ldapts';
import type {
  DirectoryProvider,
  DirectoryUser,
  LockedAccount,
  LockoutState,
  SetPasswordRequest,
  SetPasswordResult,
  UnlockOptions,
  UnlockResult,
  WatchLockoutsRequest,
  WatchLockoutsResult,
} from '../directory-provider';
import {
  AccountChangedError,
  AccountDisabledError,
  DirectoryConfigurationError,
  DirectoryOperationError,
  ProtectedAccountError,
  UserNotFoundError,
  type ProtectionRule,
} from '../errors';
import {
  parseActiveDirectoryConfig,
  type ActiveDirectoryConfig,
  type ActiveDirectoryConfigInput,
} from './active-directory.config';
import { LdapConnection, type CreateLdapClient } from './ldap-connection';
import { filter } from './ldap-escape';
import { LockoutWatch } from './lockout-watch';
import { privilegedGroupIn } from './privileged-groups';
import {
  BINARY_ATTRIBUTES,
  USER_ATTRIBUTES,
  USER_FILTER,
  accountFlags,
  readObjectGuid,
  readSids,
  toDirectoryUser,
  toLockoutState,
} from './user-entry';

export interface ActiveDirectoryProviderDeps {
  /** Tests pass a factory for a fake or instrumented ldapts Client. */
  createClient?: CreateLdapClient;
}

/** Longer than any sAMAccountName (20) or sensible UPN; anything past it is not a username. */
const MAX_USERNAME_LENGTH = 256;
const LOCKED_PAGE_SIZE = 500;
/** groupType bit that makes a group a security group; only those ever appear in tokenGroups. */
const GROUP_TYPE_SECURITY = 0x80000000;

export class ActiveDirectoryProvider implements DirectoryProvider {
  readonly kind = 'directory' as const;
  readonly id: string;
  private readonly config: ActiveDirectoryConfig;
  private readonly connection: LdapConnection;
  private readonly lockouts: LockoutWatch;

  constructor(config: ActiveDirectoryConfigInput, deps: ActiveDirectoryProviderDeps = {}) {
    this.config = parseActiveDirectoryConfig(config);
    this.id = this.config.id;
    this.connection = new LdapConnection(this.config, deps.createClient);
    this.lockouts = new LockoutWatch(this.connection, this.config.baseDn);
  }

  async findUser(username: string): Promise<DirectoryUser | null> {
    const entry = await this.connection.run({ operation: 'search', username }, (client) =>
      this.searchUser(client, username),
    );
    return entry ? this.toUser(entry) : null;
  }

  async setPassword(request: SetPasswordRequest): Promise<SetPasswordResult> {
    const { username } = request;
    return this.connection.run({ operation: 'set-password', username }, async (client) => {
      const user = await this.writableUser(client, username, request.expectedObjectGuid);
      const changes = [
        // AD takes a new password only as the quoted string in UTF-16LE, and only over an encrypted connection.
        replace('unicodePwd', Buffer.from(`"${request.password}"`, 'utf16le')),
        // 0 forces a change at next logon; -1 stamps "now", which also clears an earlier forced change.
        replace('pwdLastSet', request.mustChangeAtNextLogon ? '0' : '-1'),
      ];
      if (request.unlock) changes.push(replace('lockoutTime', '0'));
      // One modify, so the password and its flags are applied together or not at all.
      await client.modify(guidDn(user), changes);
      return { dn: user.dn, objectGuid: user.objectGuid, wasLocked: user.locked };
    });
  }

  async unlock(username: string, options: UnlockOptions = {}): Promise<UnlockResult> {
    return this.connection.run({ operation: 'unlock', username }, async (client) => {
      const user = await this.writableUser(client, username, options.expectedObjectGuid);
      // Written even when not locked: it also resets badPwdCount, and is harmless to repeat.
      await client.modify(guidDn(user), [replace('lockoutTime', '0')]);
      return { dn: user.dn, objectGuid: user.objectGuid, wasLocked: user.locked };
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
        explicitBufferAttributes: BINARY_ATTRIBUTES,
        paged: { pageSize: LOCKED_PAGE_SIZE },
      });
      return result.searchEntries;
    });
    return entries.flatMap((entry) => {
      const user = this.toUser(entry);
      const { lockoutTime, badPwdCount } = toLockoutState(entry);
      return user.locked && lockoutTime ? [{ ...user, lockoutTime, badPwdCount }] : [];
    });
  }

  watchLockouts(request: WatchLockoutsRequest): Promise<WatchLockoutsResult> {
    return this.lockouts.watch(request);
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
  private async writableUser(
    client: Client,
    username: string,
    expectedObjectGuid: string | null | undefined,
  ): Promise<DirectoryUser> {
    const entry = await this.searchUser(client, username);
    if (!entry) throw new UserNotFoundError(this.id, { username, baseDn: this.config.baseDn });
    const user = this.toUser(entry);
    // First, so that a different account is never even probed for its groups on the old one's behalf.
    if (
      expectedObjectGuid !== null &&
      expectedObjectGuid !== undefined &&
      expectedObjectGuid.toLowerCase() !== user.objectGuid
    ) {
      throw new AccountChangedError(this.id, {
        username,
        dn: user.dn,
        expectedObjectGuid,
        objectGuid: user.objectGuid,
      });
    }
    const refusal = await this.protection(client, entry, user);
    if (refusal) throw new ProtectedAccountError(this.id, { username, dn: user.dn, ...refusal });
    if (!user.enabled) throw new AccountDisabledError(this.id, { username, dn: user.dn });
    return user;
  }

  /**
   * Why this account must not be changed, or `undefined` when it may be. Whatever cannot be read counts as a
   * reason: a service account that cannot see an attribute must not make an account look ordinary.
   */
  private async protection(
    client: Client,
    entry: Entry,
    user: DirectoryUser,
  ): Promise<{ rule: ProtectionRule; detail?: string } | undefined> {
    const flags = accountFlags(entry);
    if (flags.userAccountControl === undefined || flags.userAccountControl === null) {
      return { rule: 'unverifiable', detail: 'userAccountControl could not be read' };
    }
    if (flags.adminCount === null) return { rule: 'unverifiable', detail: 'adminCount is not a number' };
    if (user.protected && !this.config.allowProtectedAccounts) return { rule: 'admin-count' };

    // Both reads in flight at once: the connection multiplexes them, and a reset waits for the slower only.
    const [groups, denyGroupSid] = await Promise.all([this.tokenGroups(client, user), this.denyGroupSid(client)]);
    if (!groups) {
      return {
        rule: 'unverifiable',
        detail:
          'tokenGroups could not be read (delegate Read all user information on the OU to the service account;' +
          ' membership of Windows Authorization Access Group is not enough)',
      };
    }
    const privileged = privilegedGroupIn(groups);
    if (privileged) return { rule: 'privileged-group', detail: privileged };
    if (denyGroupSid && groups.includes(denyGroupSid)) return { rule: 'deny-group', detail: this.config.denyGroupDn };
    return undefined;
  }

  /** The account's transitive security groups. Constructed, so AD computes it only for a base-scope read. */
  private async tokenGroups(client: Client, user: DirectoryUser): Promise<string[] | null> {
    const result = await client.search(guidDn(user), {
      scope: 'base',
      filter: '(objectClass=*)',
      attributes: ['tokenGroups'],
      explicitBufferAttributes: BINARY_ATTRIBUTES,
    });
    const [entry] = result.searchEntries;
    return entry ? readSids(entry, 'tokenGroups') : null;
  }

  /**
   * The deny group's SID, looked up on every write rather than cached: a group deleted and recreated under the
   * same DN gets a new SID, and a cached old one would match nobody.
   */
  private async denyGroupSid(client: Client): Promise<string | undefined> {
    const dn = this.config.denyGroupDn;
    if (!dn) return undefined;
    const refuse = (why: string) =>
      new DirectoryConfigurationError(this.id, {
        detail: `the deny group ${dn} (AD_DENY_GROUP_DN) ${why}, so no account can be checked against it and every reset and unlock is refused`,
      });
    let entry: Entry | undefined;
    try {
      const result = await client.search(dn, {
        scope: 'base',
        filter: '(objectClass=group)',
        attributes: ['objectSid', 'groupType'],
        explicitBufferAttributes: BINARY_ATTRIBUTES,
      });
      entry = result.searchEntries[0];
    } catch (error) {
      if (error instanceof NoSuchObjectError) throw refuse('does not exist');
      throw error;
    }
    if (!entry) throw refuse('is not a group');
    const groupType = Number(entry.groupType);
    // A distribution group's SID never appears in tokenGroups: configuring one would silently deny nobody.
    if (!Number.isInteger(groupType) || (groupType & GROUP_TYPE_SECURITY) === 0) {
      throw refuse('is not a security group (a distribution group never appears in tokenGroups)');
    }
    const [sid, ...more] = readSids(entry, 'objectSid') ?? [];
    if (!sid || more.length > 0) throw refuse('has no objectSid the service account can read');
    return sid;
  }

  private toUser(entry: Entry): DirectoryUser {
    const objectGuid = readObjectGuid(entry);
    if (!objectGuid) {
      // Every AD object has one; not seeing it means the service account cannot read it, and without it no
      // write can be tied to the account that was enrolled.
      throw new DirectoryOperationError(this.id, {
        operation: 'read the account',
        detail: `${entry.dn} came back without a readable objectGUID, so it was not changed`,
      });
    }
    return toDirectoryUser(entry, objectGuid);
  }

  private async searchUser(client: Client, username: string): Promise<Entry | null> {
    const name = accountName(username);
    if (!name) return null;
    const result = await client.search(this.config.baseDn, {
      scope: 'sub',
      filter: `(&${USER_FILTER}${filter`(|(sAMAccountName=${name})(userPrincipalName=${name}))`})`,
      attributes: USER_ATTRIBUTES,
      explicitBufferAttributes: BINARY_ATTRIBUTES,
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

/**
 * Writes and reads that follow a check address the object by GUID, not by DN: should the account be renamed or
 * replaced between the search and the write, the write hits the object that was checked, or nothing.
 */
function guidDn(user: DirectoryUser): string {
  return `<GUID=${user.objectGuid}>`;
}

function replace(type: string, value: string | Buffer): Change {
  // Both branches build the same array: ldapts types `values` as string[] | Buffer[], and only the narrowing in
  // the condition proves to the compiler that the array is not mixed.
  const values = typeof value === 'string' ? [value] : [value];
  return new Change({ operation: 'replace', modification: new Attribute({ type, values }) });
}
