import { z } from 'zod';
import { AUDIT_ACTIONS } from '../../../common/domain/audit-actions';
import { InputError } from '../../../common/errors';
import type { AuditFilter } from '../../db/audit.store';
import { parseInput } from '../../http/validate';

const DAY_MS = 86_400_000;

/** A calendar day, YYYY-MM-DD, read as UTC midnight; 2026-02-30 and the like are refused, not rolled over. */
export const calendarDay = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date such as 2026-01-31')
  .refine((value) => {
    const time = Date.parse(`${value}T00:00:00Z`);
    return Number.isFinite(time) && new Date(time).toISOString().startsWith(value);
  }, 'is not a date in the calendar');

const query = z
  .object({
    client: z.string().uuid('must be one of your clients').optional(),
    actor: z.string().max(200).optional(),
    action: z
      .enum(AUDIT_ACTIONS, { errorMap: () => ({ message: 'is not an action the audit log records' }) })
      .optional(),
    from: calendarDay.optional(),
    to: calendarDay.optional(),
    cursor: z.string().max(500).optional(),
  })
  .strict();

export type AuditQuery = z.infer<typeof query>;

/**
 * The audit page's filters from its query string, shared by the page and its CSV export so both list the same
 * rows. An empty field (the form's "any") is no filter; anything else that is not valid is a 400 naming it.
 */
export function parseAuditQuery(raw: Record<string, unknown>): { query: AuditQuery; filter: AuditFilter } {
  const present = Object.fromEntries(Object.entries(raw).filter(([, value]) => value !== ''));
  const parsed = parseInput(query, present, 'query');
  if (parsed.from && parsed.to && parsed.from > parsed.to)
    throw new InputError('The request query is not valid: query.from: is after query.to');
  return {
    query: parsed,
    filter: {
      clientId: parsed.client,
      actor: parsed.actor,
      action: parsed.action,
      since: parsed.from ? new Date(`${parsed.from}T00:00:00Z`) : undefined,
      // "to" is inclusive: everything before the next midnight.
      before: parsed.to ? new Date(Date.parse(`${parsed.to}T00:00:00Z`) + DAY_MS) : undefined,
    },
  };
}

/** The query string of these filters, for the page's links (older entries, the export). */
export function auditQueryString(query: AuditQuery, extra: Record<string, string> = {}): string {
  const entries = Object.entries({ ...query, cursor: undefined, ...extra }).filter(
    (entry): entry is [string, string] => typeof entry[1] === 'string' && entry[1] !== '',
  );
  return entries.length ? `?${new URLSearchParams(entries).toString()}` : '';
}
