import type {
  EndedResetStatus,
  PendingReset,
  ResetChannel,
  ResetOutcome,
  ResetStatus,
} from '../../common/domain/reset';
import type { ClientSettings } from '../../common/domain/client-policy';
import type { Database } from './connect';
import { toUserRecord, type UserRecord, type UserRow } from './users.store';
import { pageBy, type Page, type PageRequest } from './paging';
import { auditUserOf, type UserAuditEvent } from './audit.store';

/** A reset with the user it is for, as the central worker checks it before each step. */
export interface ResetWithUser {
  reset: PendingReset & { status: ResetStatus };
  context: { user: UserRecord; mspName: string; clientName: string; clientSettings: ClientSettings };
}

/** How a pending reset ended, and what the audit log says of it. */
export interface ResetEnding {
  status: Exclude<EndedResetStatus, 'refused'>;
  failureCode: string | null;
  audit: {
    action: 'reset.completed' | 'reset.failed' | 'reset.set_not_delivered';
    detail: Record<string, string | boolean>;
  };
  /** An app reset's password, sealed to its device (JSON of a SealedSecret): written with the ending. */
  sealedPassword?: string;
}

/** One reset as the app that asked for it sees it: no other column, and never anything but the sealed password. */
export interface AppResetRow {
  id: string;
  user_id: string;
  channel: ResetChannel;
  requested_by: string;
  status: ResetStatus;
  failure_code: string | null;
  device_id: string | null;
  sealed_password: string | null;
  picked_up_at: Date | null;
}

export interface PasswordResetRow {
  id: string;
  user_id: string;
  client_id: string;
  channel: ResetChannel;
  requested_by: string;
  status: ResetStatus;
  failure_code: string | null;
  created_at: Date;
  ended_at: Date | null;
}

/**
 * The "reset request history" report, one row per reset and never the password; and, while a reset runs, the
 * record that Latchkey asked for it, which the central worker checks before it signs, delivers or records.
 */
export class PasswordResetsStore {
  constructor(private readonly db: Database) {}

  /** Written by the starter before the workflow starts, with the audit event of the request in the same statement. */
  async open(reset: PendingReset, requested: Omit<UserAuditEvent, 'userId'>): Promise<void> {
    const audit = auditUserOf('opened', requested);
    await this.db.raw(
      `WITH opened AS (
         INSERT INTO password_resets (id, user_id, client_id, channel, requested_by, status, created_at)
         VALUES (?, ?, ?, ?, ?, 'pending', ?)
         RETURNING user_id)
       ${audit.sql}`,
      [
        reset.resetId,
        reset.userId,
        reset.clientId,
        reset.channel,
        reset.requestedBy,
        reset.requestedAt,
        ...audit.bindings,
      ],
    );
  }

  /**
   * A reset with its user, the user's client and MSP, in one round trip: each central step of a reset checks the
   * row and reads the user, and doing both at once keeps that check off the reset's critical path.
   */
  async findWithUser(resetId: string): Promise<ResetWithUser | undefined> {
    const row = await this.db('password_resets')
      .join('users', 'users.id', 'password_resets.user_id')
      .join('clients', 'clients.id', 'users.client_id')
      .join('msps', 'msps.id', 'clients.msp_id')
      .where('password_resets.id', resetId)
      .first(
        'users.*',
        'password_resets.status as reset_status',
        'password_resets.client_id as reset_client_id',
        'password_resets.channel as reset_channel',
        'password_resets.requested_by as reset_requested_by',
        'password_resets.created_at as reset_created_at',
        'password_resets.device_id as reset_device_id',
        'msps.name as org_msp_name',
        'clients.name as org_client_name',
        'clients.settings as org_client_settings',
      );
    if (!row) return undefined;
    const {
      reset_status,
      reset_client_id,
      reset_channel,
      reset_requested_by,
      reset_created_at,
      reset_device_id,
      org_msp_name,
      org_client_name,
      org_client_settings,
      ...user
    } = row;
    return {
      reset: {
        resetId,
        status: reset_status,
        userId: user.id,
        clientId: reset_client_id,
        channel: reset_channel,
        requestedBy: reset_requested_by,
        requestedAt: reset_created_at,
        deviceId: reset_device_id,
      },
      context: {
        user: toUserRecord(user as UserRow),
        mspName: org_msp_name,
        clientName: org_client_name,
        clientSettings: org_client_settings,
      },
    };
  }

  /**
   * Ends a pending reset, and records how in the audit log, in one conditional statement: a retried or forged
   * second ending changes and records nothing. Returns whether this call ended it.
   */
  async finish(resetId: string, ending: ResetEnding): Promise<boolean> {
    const audit = auditUserOf('ended', { actor: 'system', ...ending.audit });
    const { rows } = await this.db.raw<{ rows: Array<{ ended: number }> }>(
      `WITH ended AS (
         UPDATE password_resets SET status = ?, failure_code = ?, ended_at = now(),
           sealed_password = coalesce(?, sealed_password)
         WHERE id = ? AND status = 'pending'
         RETURNING user_id),
       logged AS (${audit.sql})
       SELECT count(*)::int AS ended FROM ended`,
      [ending.status, ending.failureCode, ending.sealedPassword ?? null, resetId, ...audit.bindings],
    );
    return rows[0]!.ended > 0;
  }

  /**
   * The device an app reset's password is sealed to, written when its command is signed: from then on the reset
   * is with the agent (the app's "setting" stage), and only that device may read it. Only while it is pending,
   * and only once: a retry names the same device.
   */
  async assignDevice(resetId: string, deviceId: string): Promise<void> {
    await this.db('password_resets')
      .where({ id: resetId, status: 'pending' })
      .where((q) => q.whereNull('device_id').orWhere({ device_id: deviceId }))
      .update({ device_id: deviceId });
  }

  /** The reset by id, for the device API, which decides itself whether the asking device may see it. */
  async findForApp(resetId: string): Promise<AppResetRow | undefined> {
    return this.db('password_resets')
      .where({ id: resetId })
      .first(
        'id',
        'user_id',
        'channel',
        'requested_by',
        'status',
        'failure_code',
        'device_id',
        'sealed_password',
        'picked_up_at',
      );
  }

  /**
   * The app fetched the password: the first fetch is remembered, and once `graceMs` has passed since it, the
   * sealed value is cleared, for this reset and every other of the device's (a refetch within the grace, say
   * after the app was killed, still works).
   */
  async markPickedUp(resetId: string, deviceId: string, graceMs: number): Promise<void> {
    await this.db('password_resets')
      .where({ id: resetId, device_id: deviceId })
      .whereNull('picked_up_at')
      .whereNotNull('sealed_password')
      .update({ picked_up_at: this.db.fn.now() });
    await this.clearPickedUp(deviceId, graceMs);
  }

  /** Clears the sealed passwords of the device's resets that were picked up more than `graceMs` ago. */
  async clearPickedUp(deviceId: string, graceMs: number): Promise<void> {
    await this.db('password_resets')
      .where({ device_id: deviceId })
      .whereNotNull('sealed_password')
      .where('picked_up_at', '<', this.db.raw(`now() - (? * interval '1 millisecond')`, [graceMs]))
      .update({ sealed_password: null });
  }

  /** The user's reset that is pending now, if any: what a request joins when one is running already. */
  async pendingOf(userId: string): Promise<string | undefined> {
    const row: { id: string } | undefined = await this.db('password_resets')
      .where({ user_id: userId, status: 'pending' })
      .orderBy('created_at', 'desc')
      .first('id');
    return row?.id;
  }

  /** The user's newest reset, pending or ended: what the console's user page says of resets. */
  async latestOf(userId: string): Promise<PasswordResetRow | undefined> {
    return this.db('password_resets').where({ user_id: userId }).orderBy('created_at', 'desc').first();
  }

  /** A request that joined a reset already running: the running one's row tells the story. */
  async discard(resetId: string): Promise<void> {
    await this.db('password_resets').where({ id: resetId, status: 'pending' }).delete();
  }

  /** A reset refused before any workflow: written once, ended at once. */
  async record(outcome: ResetOutcome): Promise<void> {
    await this.db('password_resets')
      .insert({
        id: outcome.resetId,
        user_id: outcome.userId,
        client_id: outcome.clientId,
        channel: outcome.channel,
        requested_by: outcome.requestedBy,
        status: outcome.status,
        failure_code: outcome.failureCode,
        ended_at: this.db.fn.now(),
      })
      .onConflict('id')
      .ignore();
  }

  async listForClient(clientId: string, page: PageRequest): Promise<Page<PasswordResetRow>> {
    return pageBy<PasswordResetRow>(
      this.db('password_resets').select('*').where({ client_id: clientId }),
      'password_resets',
      page,
    );
  }
}
