import type { NewUser } from '../../db/users.store';
import { importUsers, newUser } from '../api/schemas';
import { parseCsv } from './csv-records';
import { InputError } from '../../../common/errors';

/** One thing wrong with an uploaded file, where a technician would look for it. */
export interface ImportRowError {
  /** The file's line, 1 being the header. */
  row: number;
  /** The column's header as the file has it, or "" for the whole row. */
  column: string;
  message: string;
}

/** The columns the console reads, and the headers each may go by (compared without case, spaces, - or _). */
const COLUMNS: Record<keyof NewUser, readonly string[]> = {
  username: ['username', 'samaccountname', 'userprincipalname', 'upn', 'login'],
  email: ['email', 'mail', 'emailaddress'],
  displayName: ['displayname', 'name', 'fullname'],
};
export const IMPORT_COLUMNS = Object.keys(COLUMNS).join(', ');

/** The API's own per-request cap, read from its schema, so that the two limits cannot drift apart. */
const MAX_ROWS = importUsers.shape.users._def.maxLength?.value ?? 1000;

const normalised = (header: string) =>
  header
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, '');

/**
 * The users of a CSV upload, each checked by the API's own `newUser` schema, or every error found (never only the
 * first), by row and column. Usernames repeated within the file are errors here, with both rows named; those
 * that already exist at the client are found by the import itself, in its transaction.
 */
export function usersFromCsv(text: string): { users: NewUser[]; rows: number[] } | { errors: ImportRowError[] } {
  let records;
  try {
    records = parseCsv(text);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    return { errors: [{ row: 0, column: '', message: error.message }] };
  }
  const [header, ...data] = records;
  if (!header)
    return {
      errors: [
        { row: 1, column: '', message: `The file is empty; its first line must name the columns (${IMPORT_COLUMNS})` },
      ],
    };
  const errors: ImportRowError[] = [];
  const positions = new Map<keyof NewUser, number>();
  header.fields.forEach((name, position) => {
    const column = (Object.keys(COLUMNS) as (keyof NewUser)[]).find((key) => COLUMNS[key].includes(normalised(name)));
    if (!column)
      errors.push({ row: 1, column: name, message: `is not a column Latchkey knows; use ${IMPORT_COLUMNS}` });
    else if (positions.has(column))
      errors.push({ row: 1, column: name, message: `names the ${column} column a second time` });
    else positions.set(column, position);
  });
  for (const required of ['username', 'email'] as const)
    if (!positions.has(required))
      errors.push({
        row: 1,
        column: '',
        message: `The header has no ${required} column (the columns are ${IMPORT_COLUMNS})`,
      });
  if (errors.length > 0) return { errors };
  if (data.length === 0) return { errors: [{ row: 2, column: '', message: 'The file has a header but no users' }] };
  if (data.length > MAX_ROWS)
    return {
      errors: [
        { row: 0, column: '', message: `The file has ${data.length} users; import at most ${MAX_ROWS} at a time` },
      ],
    };

  const users: NewUser[] = [];
  const rows: number[] = [];
  const firstRowOf = new Map<string, number>();
  for (const record of data) {
    if (record.fields.length !== header.fields.length) {
      errors.push({
        row: record.line,
        column: '',
        message: `has ${record.fields.length} fields; the header has ${header.fields.length}`,
      });
      continue;
    }
    const value = (column: keyof NewUser) => {
      const position = positions.get(column);
      return position === undefined ? undefined : record.fields[position]!.trim() || undefined;
    };
    const parsed = newUser.safeParse({
      username: value('username') ?? '',
      email: value('email') ?? '',
      displayName: value('displayName'),
    });
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const column = issue.path[0] as keyof NewUser;
        errors.push({
          row: record.line,
          column: header.fields[positions.get(column) ?? -1] ?? String(column),
          message: issue.message,
        });
      }
      continue;
    }
    const key = parsed.data.username.toLowerCase();
    const first = firstRowOf.get(key);
    if (first !== undefined) {
      errors.push({
        row: record.line,
        column: header.fields[positions.get('username')!]!,
        message: `repeats the username of row ${first}`,
      });
      continue;
    }
    firstRowOf.set(key, record.line);
    users.push(parsed.data);
    rows.push(record.line);
  }
  return errors.length > 0 ? { errors } : { users, rows };
}
