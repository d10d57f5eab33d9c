import type { Knex } from 'knex';
import type { AuditAction } from '../../common/domain/audit-actions';
import type { Database } from './connect';
import { pageBy, type Page, type PageRequest } from './paging';
import type { Scope } from './scope';

/** What a detail may hold: JSON, such as a client's policy before and after a change. */
export type AuditValue = string | number | boolean | null | AuditValue[] | { [key: string]: AuditValue };

export interface AuditEvent {
  /** Null only for the instance's own events (the codec endpoint's), which no MSP lists. */
  mspId: string | null;
  clientId?: string | null;
  userId?: string | null;
  /** "api-key:<id>", "user" (the end user through the web pages) or "system" (a workflow). */
  actor: string;
  action: AuditAction;
  /** Never a secret or a phone number: this table is read by technicians. */
  detail?: Record<string, AuditValue>;
}

export interface AuditRow {
  id: string;
  msp_id: string | null;
  client_id: string | null;
  user_id: string | null;
  actor: string;
  action: AuditAction;
  detail: Record<string, unknown>;
  created_at: Date;
}

/** Which events a listing keeps; every field narrows it, and none widens it past the caller's scope. */
export interface AuditFilter {
  clientId?: string;
  userId?: string;
  action?: string;
  actor?: string;
  /** Events at or after this time. */
  since?: Date;
  /** Events before this time. */
  before?: Date;
}

export interface NamedAuditRow extends AuditRow {
  client_name: string | null;
  username: string | null;
}

/** A decode through /codec: the user and client its workflow names, if any, and what was decoded (no contents). */
export interface CodecDecodeEvent {
  userId?: string;
  clientId?: string;
  detail: Record<string, string>;
}

export type UserAuditEvent = Omit<AuditEvent, 'mspId' | 'clientId' | 'userId'> & { userId: string };

const toRow = (event: AuditEvent) => ({
  msp_id: event.mspId,
  client_id: event.clientId ?? null,
  user_id: event.userId ?? null,
  actor: event.actor,
  action: event.action,
  detail: JSON.stringify(event.detail ?? {}),
});

/**
 * The INSERT that records an event about the user whose id the CTE `source` returns as `user_id`, with its client
 * and MSP: for a store whose write and its audit event must land in one statement. Binds actor, action, detail.
 */
export function auditUserOf(source: string, event: Omit<UserAuditEvent, 'userId'>) {
  return {
    sql: `INSERT INTO audit_events (msp_id, client_id, user_id, actor, action, detail)
      SELECT clients.msp_id, users.client_id, users.id, ?, ?, ?::jsonb
      FROM ${source} JOIN users ON users.id = ${source}.user_id JOIN clients ON clients.id = users.client_id`,
    bindings: [event.actor, event.action, JSON.stringify(event.detail ?? {})],
  };
}

export class AuditStore {
  constructor(private readonly db: Database) {}

  async record(event: AuditEvent): Promise<void> {
    await this.recordMany([event]);
  }

  /** One insert for a batch, such as every user of an import. */
  async recordMany(events: AuditEvent[]): Promise<void> {
    if (events.length > 0) await this.db('audit_events').insert(events.map(toRow));
  }

  /**
   * An event about a user, with its client and MSP filled in by the same statement: callers that hold only a
   * user id (workflows, inbound texts) need no extra query to look them up.
   */
  async recordForUser(event: UserAuditEvent): Promise<void> {
    const audit = auditUserOf('subject', event);
    await this.db.raw(`WITH subject (user_id) AS (VALUES (?::uuid)) ${audit.sql}`, [event.userId, ...audit.bindings]);
  }

  /**
   * Decodes through /codec, in one statement: each row takes its MSP and client from the user (or client) its
   * workflow names, when that still exists, so the MSP sees who read its user's history; otherwise it has none.
   */
  async recordCodecDecodes(actor: string, events: CodecDecodeEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.db.raw(
      `INSERT INTO audit_events (msp_id, client_id, user_id, actor, action, detail)
       SELECT clients.msp_id, clients.id, users.id, ?, 'codec.decoded', decoded.detail
       FROM (VALUES ${events.map(() => '(?::uuid, ?::uuid, ?::jsonb)').join(', ')}) AS decoded (user_id, client_id, detail)
       LEFT JOIN users ON users.id = decoded.user_id
         AND (decoded.client_id IS NULL OR users.client_id = decoded.client_id)
       LEFT JOIN clients ON clients.id = COALESCE(users.client_id, decoded.client_id)`,
      [
        actor,
        ...events.flatMap((event) => [event.userId ?? null, event.clientId ?? null, JSON.stringify(event.detail)]),
      ],
    );
  }

  /** An event about a client, with its MSP filled in by the same statement (an agent knows only its client). */
  async recordForClient(event: Omit<AuditEvent, 'mspId' | 'clientId'> & { clientId: string }): Promise<void> {
    await this.db.raw(
      `INSERT INTO audit_events (msp_id, client_id, actor, action, detail)
       SELECT clients.msp_id, clients.id, ?, ?, ?::jsonb FROM clients WHERE clients.id = ?`,
      [event.actor, event.action, JSON.stringify(event.detail ?? {}), event.clientId],
    );
  }

  async list(scope: Scope, filter: AuditFilter, page: PageRequest): Promise<Page<AuditRow>> {
    return pageBy<AuditRow>(this.filtered(scope, filter).select('audit_events.*'), 'audit_events', page, 'integer');
  }

  /**
   * The console's audit log: newest first, each row with its client's name and its user's username, which an
   * export would otherwise show only as ids.
   */
  async listNamed(scope: Scope, filter: AuditFilter, page: PageRequest): Promise<Page<NamedAuditRow>> {
    const query = this.filtered(scope, filter)
      .leftJoin('clients', 'clients.id', 'audit_events.client_id')
      .leftJoin('users', 'users.id', 'audit_events.user_id')
      .select('audit_events.*', 'clients.name as client_name', 'users.username as username');
    return pageBy<NamedAuditRow>(query, 'audit_events', page, 'integer', 'newest');
  }

  /** The distinct actors of the MSP's log, newest first, for the console's actor filter. */
  async actorsOf(mspId: string, limit = 200): Promise<string[]> {
    const rows: { actor: string }[] = await this.db('audit_events')
      .where({ msp_id: mspId })
      .groupBy('actor')
      .orderByRaw('max(created_at) desc')
      .limit(limit)
      .select('actor');
    return rows.map((row) => row.actor);
  }

  private filtered(scope: Scope, filter: AuditFilter): Knex.QueryBuilder {
    const query = this.db('audit_events').where('audit_events.msp_id', scope.mspId);
    if (scope.clientId) query.andWhere('audit_events.client_id', scope.clientId);
    if (filter.clientId) query.andWhere('audit_events.client_id', filter.clientId);
    if (filter.userId) query.andWhere('audit_events.user_id', filter.userId);
    if (filter.action) query.andWhere('audit_events.action', filter.action);
    if (filter.actor) query.andWhere('audit_events.actor', filter.actor);
    if (filter.since) query.andWhere('audit_events.created_at', '>=', filter.since);
    if (filter.before) query.andWhere('audit_events.created_at', '<', filter.before);
    return query;
  }
}
