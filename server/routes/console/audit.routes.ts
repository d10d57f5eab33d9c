import { Router, type Request, type Response } from 'express';
import { AUDIT_ACTIONS, type AuditAction } from '../../../common/domain/audit-actions';
import { NotFoundError } from '../../../common/errors';
import type { AuditStore, NamedAuditRow } from '../../db/audit.store';
import type { TechniciansStore } from '../../db/technicians.store';
import type { TenantsStore } from '../../db/tenants.store';
import { csvLine } from '../../http/csv-cells';
import type { RenderPage } from '../../http/page-renderer';
import { actorNamer } from './actor-names';
import { auditQueryString, parseAuditQuery } from './audit-filter';
import { AUDIT_WORDS } from './audit-words';
import { consoleTime } from './console-time';
import { consoleOf, type ConsoleKit } from './console-kit';

export interface ConsoleAuditRoutesDeps {
  audit: Pick<AuditStore, 'listNamed' | 'actorsOf'>;
  tenants: Pick<TenantsStore, 'getClient' | 'listClients'>;
  technicians: Pick<TechniciansStore, 'list'>;
  render: RenderPage;
}

const PAGE_SIZE = 50;
const EXPORT_BATCH = 500;
/** An export stops here and says so in its last line: past this, a filter (a date range) is the better tool. */
const EXPORT_MAX_ROWS = 100_000;

const CSV_HEADER = ['time', 'client', 'client_id', 'user', 'user_id', 'actor', 'actor_name', 'action', 'detail'];

/**
 * The MSP's audit log (`/console/audit`) with filters and paging, and the same rows as CSV (`/console/audit.csv`).
 * Any role may read it; it lists the technician's own MSP only, and another MSP's client id is not found.
 */
export function consoleAuditRoutes(deps: ConsoleAuditRoutesDeps, kit: ConsoleKit): Router {
  const router = Router();
  const { permit, chrome } = kit;

  const filtersOf = async (request: Request, response: Response) => {
    const { principal } = consoleOf(response);
    const parsed = parseAuditQuery(request.query as Record<string, unknown>);
    if (parsed.filter.clientId && !(await deps.tenants.getClient(principal, parsed.filter.clientId)))
      throw new NotFoundError('Client');
    return { principal, ...parsed };
  };

  router.get('/audit', permit('read'), async (request, response) => {
    const { principal, query, filter } = await filtersOf(request, response);
    const [page, clients, actors, nameOf] = await Promise.all([
      deps.audit.listNamed(principal, filter, { limit: PAGE_SIZE, cursor: query.cursor }),
      deps.tenants.listClients(principal, { limit: 200 }),
      deps.audit.actorsOf(principal.mspId),
      actorNamer(deps.technicians, principal.mspId),
    ]);
    response.type('html').send(
      deps.render('console-audit', {
        title: 'Audit log',
        ...chrome(request, response),
        query,
        clients: clients.items.map((client) => ({
          id: client.id,
          name: client.name,
          selected: client.id === query.client,
        })),
        actors: actors.map((actor) => ({ value: actor, label: nameOf(actor), selected: actor === query.actor })),
        actions: AUDIT_ACTIONS.map((action) => ({
          value: action,
          label: AUDIT_WORDS[action],
          selected: action === query.action,
        })),
        rows: page.items.map((row) => ({
          ...row,
          when: consoleTime(row.created_at),
          actorName: nameOf(row.actor),
          actionLabel: AUDIT_WORDS[row.action as AuditAction] ?? row.action,
          detailText: Object.keys(row.detail ?? {}).length ? JSON.stringify(row.detail) : '',
          userPath: row.user_id && row.client_id ? `/console/clients/${row.client_id}/users/${row.user_id}` : undefined,
        })),
        filtered: Object.keys(query).some((key) => key !== 'cursor'),
        olderUrl: page.nextCursor ? `/console/audit${auditQueryString(query, { cursor: page.nextCursor })}` : undefined,
        paged: !!query.cursor,
        newestUrl: `/console/audit${auditQueryString(query)}`,
        exportUrl: `/console/audit.csv${auditQueryString(query)}`,
      }),
    );
  });

  router.get('/audit.csv', permit('read'), async (request, response) => {
    const { principal, filter } = await filtersOf(request, response);
    const nameOf = await actorNamer(deps.technicians, principal.mspId);
    const line = (row: NamedAuditRow) =>
      csvLine([
        new Date(row.created_at).toISOString(),
        row.client_name,
        row.client_id,
        row.username,
        row.user_id,
        row.actor,
        nameOf(row.actor),
        row.action,
        JSON.stringify(row.detail ?? {}),
      ]);
    const stamp = new Date().toISOString().slice(0, 10);
    response.type('text/csv; charset=utf-8');
    response.setHeader('Content-Disposition', `attachment; filename="latchkey-audit-${stamp}.csv"`);
    // Excel reads a CSV as UTF-8 only with the byte-order mark.
    response.write(`\uFEFF${csvLine(CSV_HEADER)}`);
    let cursor: string | undefined;
    let written = 0;
    do {
      const page = await deps.audit.listNamed(principal, filter, { limit: EXPORT_BATCH, cursor });
      response.write(page.items.map(line).join(''));
      written += page.items.length;
      cursor = page.nextCursor ?? undefined;
    } while (cursor && written < EXPORT_MAX_ROWS);
    if (cursor)
      response.write(csvLine([`# stopped after ${EXPORT_MAX_ROWS} rows: narrow the dates to export the rest`]));
    response.end();
  });

  return router;
}
