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

function decodeCursor(cursor: string): Position {
  try {
    const position = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Position;
    if (typeof position.createdAt !== 'string' || typeof position.id !== 'string') throw new Error('shape');
    return position;
  } catch {
    throw new InputError('cursor is not one that this API returned; start again without it');
  }
}

function encodeCursor(position: Position): string {
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

/**
 * Keyset paging on (created_at, id): stable while rows are being added, unlike OFFSET, which skips or repeats
 * rows when a bulk import lands between two page reads.
 */
export async function pageBy<Row extends { id: string | number; created_at: Date }>(
  query: Knex.QueryBuilder,
  table: string,
  request: PageRequest,
): Promise<Page<Row>> {
  if (request.cursor) {
    const { createdAt, id } = decodeCursor(request.cursor);
    query.whereRaw(`(${table}.created_at, ${table}.id) > (?, ?)`, [createdAt, id]);
  }
  const rows = (await query.orderBy([`${table}.created_at`, `${table}.id`]).limit(request.limit + 1)) as Row[];
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
