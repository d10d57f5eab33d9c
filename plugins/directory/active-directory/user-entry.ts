import type { Entry } from 'ldapts';
import type { DirectoryUser, LockoutState } from '../directory-provider';
import { guidToString, sidToString } from './object-ids';

export const USER_ATTRIBUTES = [
  'objectGUID',
  'sAMAccountName',
  'userPrincipalName',
  'displayName',
  'mail',
  'userAccountControl',
  // Constructed: readable, but no filter can test it.
  'msDS-User-Account-Control-Computed',
  'adminCount',
  'pwdLastSet',
  'lockoutTime',
  'badPwdCount',
];

/**
 * Read as raw bytes. ldapts matches these names case-sensitively against the names the server returns, which
 * are AD's own spelling; should a server spell them otherwise the values arrive as text, and the readers below
 * treat that as unreadable rather than guess.
 */
export const BINARY_ATTRIBUTES = ['objectGUID', 'objectSid', 'tokenGroups'];

/** Persons only: computer accounts are also objectClass=user. */
export const USER_FILTER = '(&(objectCategory=person)(objectClass=user))';

const UAC_ACCOUNTDISABLE = 0x2;
const UF_LOCKOUT = 0x10;
const UF_PASSWORD_EXPIRED = 0x800000;

/** Milliseconds between 1601-01-01 (the FILETIME epoch) and 1970-01-01. */
const FILETIME_EPOCH_OFFSET_MS = 11_644_473_600_000n;
const FILETIME_NEVER = 0x7fffffffffffffffn;

/** What decides whether an account may be changed, read without defaults: absent and unreadable stay visible. */
export interface AccountFlags {
  /** `undefined`: not returned (so not readable by the service account: every user has one). */
  userAccountControl: number | null | undefined;
  /** `undefined`: not set, as on every account that was never in a protected group. `null`: not an integer. */
  adminCount: number | null | undefined;
}

export function accountFlags(entry: Entry): AccountFlags {
  return {
    userAccountControl: optionalInteger(entry, 'userAccountControl'),
    adminCount: optionalInteger(entry, 'adminCount'),
  };
}

/** `objectGuid` comes from readObjectGuid: the provider decides what an unreadable one means. */
export function toDirectoryUser(entry: Entry, objectGuid: string): DirectoryUser {
  const computed = integer(entry, 'msDS-User-Account-Control-Computed');
  const flags = accountFlags(entry);
  return {
    dn: entry.dn,
    objectGuid,
    sAMAccountName: text(entry, 'sAMAccountName') ?? '',
    userPrincipalName: text(entry, 'userPrincipalName'),
    displayName: text(entry, 'displayName'),
    mail: text(entry, 'mail'),
    // Fail closed: an account whose flags cannot be read is reported as neither enabled nor ordinary.
    enabled: typeof flags.userAccountControl === 'number' && (flags.userAccountControl & UAC_ACCOUNTDISABLE) === 0,
    locked: (computed & UF_LOCKOUT) !== 0,
    protected: flags.adminCount !== undefined && flags.adminCount !== 0,
    pwdLastSet: fileTime(entry, 'pwdLastSet'),
    passwordExpired: (computed & UF_PASSWORD_EXPIRED) !== 0,
  };
}

export function toLockoutState(entry: Entry): LockoutState {
  return {
    locked: (integer(entry, 'msDS-User-Account-Control-Computed') & UF_LOCKOUT) !== 0,
    lockoutTime: fileTime(entry, 'lockoutTime'),
    badPwdCount: integer(entry, 'badPwdCount'),
  };
}

export function readObjectGuid(entry: Entry): string | null {
  const [value, ...more] = binaryValues(entry, 'objectGUID') ?? [];
  return value && more.length === 0 ? guidToString(value) : null;
}

/** A SID-valued attribute (tokenGroups, objectSid) as text; `null` when absent, empty, not bytes or malformed. */
export function readSids(entry: Entry, name: string): string[] | null {
  const values = binaryValues(entry, name);
  if (!values || values.length === 0) return null;
  const sids = values.map(sidToString);
  return sids.every((sid): sid is string => sid !== null) ? sids : null;
}

/** 0 and "never" both read as no date: for pwdLastSet, 0 means "must change at next logon". */
export function fileTimeToDate(value: string | undefined): Date | null {
  if (!value || !/^-?\d+$/.test(value)) return null;
  const ticks = BigInt(value);
  if (ticks <= 0n || ticks >= FILETIME_NEVER) return null;
  return new Date(Number(ticks / 10_000n - FILETIME_EPOCH_OFFSET_MS));
}

function fileTime(entry: Entry, name: string): Date | null {
  return fileTimeToDate(text(entry, name) ?? undefined);
}

/** Servers return attribute names in their own case; AD is case-insensitive about them. */
function text(entry: Entry, name: string): string | null {
  const value = valueOf(entry, name);
  const first = Array.isArray(value) ? value[0] : value;
  if (first === undefined) return null;
  return Buffer.isBuffer(first) ? first.toString('utf8') : first;
}

function integer(entry: Entry, name: string): number {
  const value = Number(text(entry, name) ?? '0');
  return Number.isFinite(value) ? value : 0;
}

function optionalInteger(entry: Entry, name: string): number | null | undefined {
  const value = text(entry, name);
  if (value === null) return undefined;
  return /^-?\d+$/.test(value) ? Number(value) : null;
}

/** Every value as bytes, or `null` when the attribute is absent or came back as text. */
function binaryValues(entry: Entry, name: string): Buffer[] | null {
  const value = valueOf(entry, name);
  if (value === undefined) return null;
  const values = Array.isArray(value) ? value : [value];
  return values.every((item): item is Buffer => Buffer.isBuffer(item)) ? values : null;
}

function valueOf(entry: Entry, name: string): Entry[string] | undefined {
  const key = Object.keys(entry).find((candidate) => candidate.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : entry[key];
}
