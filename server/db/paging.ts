import type { Knex } from 'knex';
import { InputError } from '../../common/errors';

export interface Page<T> {
  items: T[];
  /** Pass back as ?cursor= to get the next page; null on the last page. */
  nextCursor: string | null;
}

export interface PageRequest {
  limit: number;
  cursor?: string;
}

interface Position {
  createdAt: string;
  id: string;
}

/** How a table's ids look: a cursor's id is bound into the query, so one PostgreSQL cannot cast must stop here. */
export type IdKind = 'uuid' | 'integer';

const ID_FORMATS: Record<IdKind, RegExp> = {
  uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
  integer: /^[1-9][0-9]{0,17}$/,
};

// Exactly what encodeCursor writes (Date#toISOString), so that anything PostgreSQL might read differently is refused.
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

const isTimestamp = (text: string) => TIMESTAMP.test(text) && new Date(text).toISOString() === text;

function decodeCursor(cursor: string, idKind: IdKind): Position {
  let position: Partial<Record<keyof Position, unknown>> | null;
  try {
    position = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as typeof position;
  } catch {
    throw new InputError('cursor is not one that this API returned (it is not readable); start again without it');
  }
  const { createdAt, id } = position ?? {};
  if (typeof createdAt !== 'string' || !isTimestamp(createdAt))
    throw new InputError(
      'cursor is not one that this API returned (its position has no valid time); start again without it',
    );
  if (typeof id !== 'string' || !ID_FORMATS[idKind].test(id))
    throw new InputError(
      'cursor is not one that this API returned (its position has no valid id); start again without it',
    );
  return { createdAt, id };
}

function encodeCursor(position: Position): string {
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

/**
 * Keyset paging on (created_at, id): stable while rows are being added, unlike OFFSET, which skips or repeats
 * rows when a bulk import lands between two page reads. `newest` pages from the latest row back (the console's
 * audit log); a cursor holds only a position, so it pages on in the order the first page was asked for.
 */
export async function pageBy<Row extends { id: string | number; created_at: Date }>(
  query: Knex.QueryBuilder,
  table: string,
  request: PageRequest,
  idKind: IdKind = 'uuid',
  order: 'oldest' | 'newest' = 'oldest',
): Promise<Page<Row>> {
  if (request.cursor) {
    const { createdAt, id } = decodeCursor(request.cursor, idKind);
    query.whereRaw(`(${table}.created_at, ${table}.id) ${order === 'newest' ? '<' : '>'} (?, ?)`, [createdAt, id]);
  }
  const direction = order === 'newest' ? 'desc' : 'asc';
  const rows = (await query
    .orderBy([
      { column: `${table}.created_at`, order: direction },
      { column: `${table}.id`, order: direction },
    ])
    .limit(request.limit + 1)) as Row[];
  const items = rows.slice(0, request.limit);
  const last = items[items.length - 1];
  return {
    items,
    nextCursor:
      rows.length > request.limit && last
        ? encodeCursor({ createdAt: new Date(last.created_at).toISOString(), id: String(last.id) })
        : null,
  };
}
