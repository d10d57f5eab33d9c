import type { Entry } from 'ldapts';
import type { DirectoryUser, LockoutState } from '../directory-provider';

export const USER_ATTRIBUTES = [
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

/** Persons only: computer accounts are also objectClass=user. */
export const USER_FILTER = '(&(objectCategory=person)(objectClass=user))';

const UAC_ACCOUNTDISABLE = 0x2;
const UF_LOCKOUT = 0x10;
const UF_PASSWORD_EXPIRED = 0x800000;

/** Milliseconds between 1601-01-01 (the FILETIME epoch) and 1970-01-01. */
const FILETIME_EPOCH_OFFSET_MS = 11_644_473_600_000n;
const FILETIME_NEVER = 0x7fffffffffffffffn;

export function toDirectoryUser(entry: Entry): DirectoryUser {
  const computed = integer(entry, 'msDS-User-Account-Control-Computed');
  return {
    dn: entry.dn,
    sAMAccountName: text(entry, 'sAMAccountName') ?? '',
    userPrincipalName: text(entry, 'userPrincipalName'),
    displayName: text(entry, 'displayName'),
    mail: text(entry, 'mail'),
    enabled: (integer(entry, 'userAccountControl') & UAC_ACCOUNTDISABLE) === 0,
    locked: (computed & UF_LOCKOUT) !== 0,
    protected: integer(entry, 'adminCount') === 1,
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
  const key = Object.keys(entry).find((candidate) => candidate.toLowerCase() === name.toLowerCase());
  const value = key === undefined ? undefined : entry[key];
  const first = Array.isArray(value) ? value[0] : value;
  if (first === undefined) return null;
  return Buffer.isBuffer(first) ? first.toString('utf8') : first;
}

function integer(entry: Entry, name: string): number {
  const value = Number(text(entry, name) ?? '0');
  return Number.isFinite(value) ? value : 0;
}
