import type { Knex } from 'knex';
import type { ClientSettings } from '../../common/domain/client-policy';
import type { EnrollmentMethod } from '../../common/domain/enrollment';
import { ENROLLED_STATUSES, type UserStatus } from '../../common/domain/statuses';
import type { Database } from './connect';
import { pageBy, type Page, type PageRequest } from './paging';
import type { Scope } from './scope';

export interface NewUser {
  username: string;
  email: string;
  displayName?: string | null;
}

export interface UserRow {
  id: string;
  client_id: string;
  username: string;
  email: string;
  display_name: string | null;
  status: UserStatus;
  enrollment_method: EnrollmentMethod | null;
  phone_encrypted: string | null;
  phone_lookup: string | null;
  /** Keyed hash of the user's SMS PIN, bound to the user id; null when none was chosen. */
  sms_pin_hash: string | null;
  /** The user texted STOP: Twilio will not deliver to them, so nothing here should start work that texts them. */
  sms_opted_out: boolean;
  /** The AD object first reset for this user; a later reset of any other object under the same name is refused. */
  directory_object_guid: string | null;
  /** Wrong PINs texted in a row since the last right one or the last lock. */
  sms_pin_failures: number;
  /** SMS RESET is refused for this user until then, after too many wrong PINs; a technician may lift it sooner. */
  sms_reset_locked_until: Date | null;
  enrolled_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

/** A user row in camelCase, as code outside server/db reads it. */
export interface UserRecord {
  id: string;
  clientId: string;
  username: string;
  email: string;
  displayName: string | null;
  status: UserStatus;
  enrollmentMethod: EnrollmentMethod | null;
  phoneEncrypted: string | null;
  phoneLookup: string | null;
  smsPinHash: string | null;
  smsOptedOut: boolean;
  directoryObjectGuid: string | null;
  smsResetLockedUntil: Date | null;
  enrolledAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export function toUserRecord(row: UserRow): UserRecord {
  return {
    id: row.id,
    clientId: row.client_id,
    username: row.username,
    email: row.email,
    displayName: row.display_name,
    status: row.status,
    enrollmentMethod: row.enrollment_method,
    phoneEncrypted: row.phone_encrypted,
    phoneLookup: row.phone_lookup,
    smsPinHash: row.sms_pin_hash,
    smsOptedOut: row.sms_opted_out,
    directoryObjectGuid: row.directory_object_guid,
    smsResetLockedUntil: row.sms_reset_locked_until,
    enrolledAt: row.enrolled_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** A user found by the phone a text came from, with what is needed to audit and apply policy without more reads. */
export interface PhoneOwner {
  id: string;
  client_id: string;
  sms_pin_hash: string | null;
  sms_reset_locked_until: Date | null;
  enrollment_method: EnrollmentMethod | null;
  client_settings: ClientSettings;
}

/** What a list of a client's users may be narrowed to; every part is optional and they combine with AND. */
export interface UserFilter {
  status?: UserStatus;
  method?: EnrollmentMethod;
  /** True: only users with an open lockout; false: only those without. */
  locked?: boolean;
  /** A piece of the username, email or display name, case-insensitive. */
  search?: string;
}

export interface ImportConflict {
  index: number;
  username: string;
  reason: string;
}

export class UsersStore {
  constructor(private readonly db: Database) {}

  private scoped(scope: Scope, clientId: string): Knex.QueryBuilder {
    // The join to clients is what confines a key to its own MSP: a user id alone is never enough.
    return this.db('users')
      .join('clients', 'clients.id', 'users.client_id')
      .where('users.client_id', clientId)
      .andWhere('clients.msp_id', scope.mspId)
      .modify((query) => {
        if (scope.clientId) query.andWhere('users.client_id', scope.clientId);
      });
  }

  async get(scope: Scope, clientId: string, userId: string): Promise<UserRow | undefined> {
    return this.scoped(scope, clientId).select('users.*').where('users.id', userId).first();
  }

  /** The users among `userIds` that the scope may see, in one query. */
  async getMany(scope: Scope, clientId: string, userIds: string[]): Promise<UserRow[]> {
    return this.scoped(scope, clientId).select('users.*').whereIn('users.id', userIds);
  }

  async list(scope: Scope, clientId: string, filter: UserFilter, page: PageRequest): Promise<Page<UserRow>> {
    const query = this.scoped(scope, clientId).select('users.*');
    if (filter.status) query.andWhere('users.status', filter.status);
    if (filter.method) query.andWhere('users.enrollment_method', filter.method);
    if (filter.locked !== undefined) {
      const open = this.db('lockouts')
        .select(1)
        .whereRaw('lockouts.user_id = users.id')
        .andWhere('lockouts.status', 'open');
      if (filter.locked) query.whereExists(open);
      else query.whereNotExists(open);
    }
    if (filter.search) {
      // The technician's words are matched literally: % and _ would otherwise be LIKE's wildcards.
      const pattern = `%${filter.search.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
      query.andWhere((match) =>
        match
          .whereILike('users.username', pattern)
          .orWhereILike('users.email', pattern)
          .orWhereILike('users.display_name', pattern),
      );
    }
    return pageBy<UserRow>(query, 'users', page);
  }

  /**
   * All or nothing: either every user is inserted, or none is and the conflicts are returned, so that an
   * import can be fixed and re-sent without leaving half a batch behind.
   */
  async insertMany(
    clientId: string,
    users: NewUser[],
  ): Promise<{ created: UserRow[] } | { conflicts: ImportConflict[] }> {
    const seen = new Map<string, number>();
    const conflicts: ImportConflict[] = [];
    users.forEach((user, index) => {
      const key = user.username.toLowerCase();
      const first = seen.get(key);
      if (first !== undefined)
        conflicts.push({ index, username: user.username, reason: `same username as entry ${first}` });
      else seen.set(key, index);
    });
    return this.db.transaction(async (trx) => {
      const existing: { username: string }[] = await trx('users')
        .select('username')
        .where({ client_id: clientId })
        .whereRaw('lower(username) = ANY(?)', [[...seen.keys()]]);
      for (const { username } of existing) {
        const index = seen.get(username.toLowerCase())!;
        conflicts.push({ index, username: users[index]!.username, reason: 'a user with this username already exists' });
      }
      if (conflicts.length > 0) return { conflicts: conflicts.sort((a, b) => a.index - b.index) };
      const rows = users.map((user) => ({
        client_id: clientId,
        username: user.username,
        email: user.email,
        display_name: user.displayName ?? null,
      }));
      const created: UserRow[] = [];
      for (let start = 0; start < rows.length; start += 500) {
        created.push(
          ...((await trx('users')
            .insert(rows.slice(start, start + 500))
            .returning('*')) as UserRow[]),
        );
      }
      return { created };
    });
  }

  /** Unscoped: for activities, which act on ids that the API already checked. */
  async getById(userId: string): Promise<UserRow | undefined> {
    return this.db('users').where({ id: userId }).first();
  }

  async setStatus(userId: string, status: UserStatus): Promise<void> {
    await this.db('users').where({ id: userId }).update({ status, updated_at: this.db.fn.now() });
  }

  /** Moves a user to `to` only if it is in one of `from`; returns whether it moved. */
  async transition(userId: string, from: readonly UserStatus[], to: UserStatus): Promise<boolean> {
    const updated = await this.db('users')
      .where({ id: userId })
      .whereIn('status', from as UserStatus[])
      .update({ status: to, updated_at: this.db.fn.now() });
    return updated > 0;
  }

  /**
   * Binds the phone, only if the user is still enrolling: a deactivation (or anything else that moved the user
   * on) that landed first wins, and nothing is written. Returns whether the user was enrolled.
   */
  async markEnrolled(
    userId: string,
    enrollment: { method: EnrollmentMethod; phoneEncrypted: string; phoneLookup: string; smsPinHash?: string | null },
  ): Promise<boolean> {
    const updated = await this.db('users')
      .where({ id: userId, status: 'enrolling' })
      .update({
        status: enrollment.method === 'app' ? 'enrolled_app' : 'enrolled_sms',
        enrollment_method: enrollment.method,
        phone_encrypted: enrollment.phoneEncrypted,
        phone_lookup: enrollment.phoneLookup,
        // A re-enrollment replaces the old PIN (or drops it), and proves the number takes texts again.
        sms_pin_hash: enrollment.smsPinHash ?? null,
        sms_pin_failures: 0,
        sms_reset_locked_until: null,
        sms_opted_out: false,
        enrolled_at: this.db.fn.now(),
        updated_at: this.db.fn.now(),
      });
    return updated > 0;
  }

  /**
   * Remembers the first directory object; an UPDATE conditional on "none yet", so two racing first resets
   * cannot both bind.
   */
  async bindDirectoryObject(userId: string, objectGuid: string): Promise<'bound' | 'matches' | 'differs'> {
    const bound = await this.db('users')
      .where({ id: userId })
      .whereNull('directory_object_guid')
      .update({ directory_object_guid: objectGuid });
    if (bound > 0) return 'bound';
    const row: Pick<UserRow, 'directory_object_guid'> | undefined = await this.db('users')
      .where({ id: userId })
      .first('directory_object_guid');
    return row?.directory_object_guid === objectGuid ? 'matches' : 'differs';
  }

  /**
   * Deactivation forgets the phone: a user who is off-boarded should leave no personal data behind. It also
   * forgets the directory object, which is how an MSP that recreated an account on purpose lets it be reset again.
   * In the same transaction it ends every open enrollment of the user and revokes every unspent activation link
   * (F4): a link or a session cookie of that enrollment opens nothing from this moment, before the workflow has
   * even seen the cancellation, and a completion still in flight finds the enrollment ended.
   */
  async deactivate(userId: string): Promise<void> {
    await this.db.transaction(async (trx) => {
      // Enrollments before the user: the order in which the enrollment activities lock them, so the two never deadlock.
      await trx('enrollments')
        .where({ user_id: userId })
        .whereNull('ended_at')
        .update({ status: 'cancelled', ended_at: trx.fn.now() });
      await trx('activation_links')
        .whereIn('enrollment_id', trx('enrollments').select('id').where({ user_id: userId }))
        .whereNull('consumed_at')
        .whereNull('revoked_at')
        .update({ revoked_at: trx.fn.now() });
      await trx('users').where({ id: userId }).update({
        status: 'deactivated',
        enrollment_method: null,
        phone_encrypted: null,
        phone_lookup: null,
        sms_pin_hash: null,
        sms_pin_failures: 0,
        sms_reset_locked_until: null,
        directory_object_guid: null,
        enrolled_at: null,
        updated_at: trx.fn.now(),
      });
    });
  }

  /**
   * The enrolled user of this client whose directory account is `username` (sAMAccountName is case-insensitive):
   * whom a lockout the client's own agent reported is about. Never another client's user.
   */
  async enrolledByUsername(
    clientId: string,
    username: string,
  ): Promise<{ id: string; directoryObjectGuid: string | null } | undefined> {
    const row: { id: string; directory_object_guid: string | null } | undefined = await this.db('users')
      .where({ client_id: clientId })
      .whereRaw('lower(username) = lower(?)', [username])
      .whereIn('status', ENROLLED_STATUSES as UserStatus[])
      .first('id', 'directory_object_guid');
    return row ? { id: row.id, directoryObjectGuid: row.directory_object_guid } : undefined;
  }

  /** Unscoped, since one phone may be enrolled at several clients, even of different MSPs. Opted-out users are left out. */
  async findEnrolledByPhone(phoneLookup: string): Promise<PhoneOwner[]> {
    return this.db('users')
      .join('clients', 'clients.id', 'users.client_id')
      .where({ 'users.phone_lookup': phoneLookup, 'users.sms_opted_out': false })
      .whereIn('users.status', ENROLLED_STATUSES as UserStatus[])
      .select(
        'users.id',
        'users.client_id',
        'users.sms_pin_hash',
        'users.sms_reset_locked_until',
        'users.enrollment_method',
        'clients.settings as client_settings',
      );
  }

  /**
   * Counts one wrong PIN, and at the `maxFailures`th in a row locks SMS RESET for `lockMs` and starts counting
   * afresh, in one statement, so that concurrent texts cannot both slip under the limit. Returns whether this
   * very PIN locked it.
   */
  async recordWrongSmsPin(userId: string, maxFailures: number, lockMs: number): Promise<{ locked: boolean }> {
    const { rows } = await this.db.raw<{ rows: Array<{ locked: boolean }> }>(
      `WITH counted AS (SELECT id, sms_pin_failures + 1 >= ? AS locks FROM users WHERE id = ? FOR UPDATE)
       UPDATE users SET
         sms_pin_failures = CASE WHEN counted.locks THEN 0 ELSE users.sms_pin_failures + 1 END,
         sms_reset_locked_until = CASE WHEN counted.locks THEN now() + ? * interval '1 millisecond'
                                       ELSE users.sms_reset_locked_until END,
         updated_at = now()
       FROM counted WHERE users.id = counted.id
       RETURNING counted.locks AS locked`,
      [maxFailures, userId, lockMs],
    );
    return { locked: rows[0]?.locked === true };
  }

  /** A right PIN: the wrong ones before it no longer count towards a lock. */
  async clearSmsPinFailures(userId: string): Promise<void> {
    await this.db('users').where({ id: userId }).where('sms_pin_failures', '>', 0).update({ sms_pin_failures: 0 });
  }

  /** A technician lifts the lock; returns false when there was none still in force, so nothing is audited. */
  async liftSmsResetLock(userId: string): Promise<boolean> {
    const lifted = await this.db('users')
      .where({ id: userId })
      .where('sms_reset_locked_until', '>', this.db.fn.now())
      .update({ sms_reset_locked_until: null, sms_pin_failures: 0, updated_at: this.db.fn.now() });
    return lifted > 0;
  }

  /** Flips the opt-out flag of every user with this phone; returns only those whose flag changed, for the audit. */
  async setSmsOptOut(phoneLookup: string, optedOut: boolean): Promise<string[]> {
    // The flag test in the WHERE makes a repeated STOP a no-op that returns nobody, so it is not audited twice.
    const changed: { id: string }[] = await this.db('users')
      .where({ phone_lookup: phoneLookup, sms_opted_out: !optedOut })
      .update({ sms_opted_out: optedOut, updated_at: this.db.fn.now() })
      .returning('id');
    return changed.map((user) => user.id);
  }
}
