import { ResultCodeError } from 'ldapts';
import { ProviderError } from '../../errors';
import {
  DirectoryConfigurationError,
  DirectoryOperationError,
  DirectoryUnavailableError,
  InsufficientRightsError,
  PasswordPolicyError,
  UserNotFoundError,
  type PasswordPolicyReason,
} from '../errors';

export type DirectoryOperation = 'bind' | 'search' | 'set-password' | 'unlock' | 'health-check' | 'watch-lockouts';

export interface DirectoryErrorContext {
  operation: DirectoryOperation;
  url?: string;
  /** The service account; binds are only ever made as it. */
  bindDn?: string;
  baseDn?: string;
  username?: string;
  dn?: string;
}

/** The `data xxx` sub-codes of AD's "AcceptSecurityContext error" on a failed bind. */
const BIND_SUB_CODES: Record<string, string> = {
  '525': 'the bind DN does not exist',
  '52e': 'the bind DN or password is wrong',
  '530': 'the account may not log on at this time',
  '531': 'the account may not log on from this workstation',
  '532': "the account's password has expired",
  '533': 'the account is disabled',
  '568': 'the account has too many security identifiers',
  '701': 'the account has expired',
  '773': "the account's password must be changed before it can be used",
  '775': 'the account is locked out',
};

/** Which part of a Node or OpenSSL error code means "the certificate did not check out". */
const TLS_TRUST_CODE =
  /^(ERR_TLS_|ERR_SSL_|ERR_LATCHKEY_CERT|EPROTO$|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|HOSTNAME_MISMATCH)/;

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
]);

/** ldapts reports a connection that died under it as a plain Error with one of these texts. */
export const LDAPTS_CLOSED_TEXT =
  /Connection closed before message response|Socket error|Socket connection not established/i;

/** ...and transport trouble in general (a closed connection, or one that timed out) with these. */
const LDAPTS_TRANSPORT_TEXT = new RegExp(`Connection timeout|Operation timed out|${LDAPTS_CLOSED_TEXT.source}`, 'i');

const OPERATION_WORDS: Record<DirectoryOperation, string> = {
  bind: 'bind',
  search: 'read user accounts',
  'set-password': 'reset the password (unicodePwd, pwdLastSet, lockoutTime)',
  unlock: 'unlock the account (lockoutTime)',
  'health-check': 'read the directory',
  'watch-lockouts': 'watch for lockouts (highestCommittedUSN, uSNChanged, lockoutTime)',
};

/**
 * The one place that turns ldapts and socket errors into DirectoryErrors. The server's diagnostic text is kept
 * for technicians: AD and Samba never echo the password in it.
 */
export function toProviderError(error: unknown, providerId: string, context: DirectoryErrorContext): ProviderError {
  if (error instanceof ProviderError) return error;
  if (error instanceof ResultCodeError) return fromResultCode(error, providerId, context);
  return fromTransport(error, providerId, context);
}

function fromResultCode(error: ResultCodeError, providerId: string, context: DirectoryErrorContext): ProviderError {
  const serverText = serverTextOf(error);
  const win32 = win32CodeOf(serverText);
  const options = { cause: error };
  const said = `LDAP ${error.code}: ${serverText}`;
  switch (error.code) {
    case 49: // invalidCredentials
      return new DirectoryConfigurationError(
        providerId,
        { detail: describeServiceBindFailure(serverText, context) },
        options,
      );
    case 7: // authMethodNotSupported
    case 48: // inappropriateAuthentication
      return new DirectoryConfigurationError(
        providerId,
        { detail: `the server refused the service account's simple bind (${said}). Is bindPassword empty?` },
        options,
      );
    case 8: // strongAuthRequired
    case 13: // confidentialityRequired
      return new DirectoryConfigurationError(
        providerId,
        { detail: `the server requires an encrypted connection (${said}); use ldaps:// or startTls` },
        options,
      );
    case 50: // insufficientAccessRights
      return new InsufficientRightsError(
        providerId,
        { operation: OPERATION_WORDS[context.operation], target: context.dn ?? context.username, serverText },
        options,
      );
    case 19: // constraintViolation
    case 53: // unwillingToPerform
      return fromRefusal(error, win32, serverText, providerId, context);
    case 3: // timeLimitExceeded
    case 51: // busy
    case 52: // unavailable
      return new DirectoryUnavailableError(providerId, { url: context.url, detail: said }, options);
    case 10: // referral: the base DN is not in a naming context this DC holds
    case 34: // invalidDNSyntax
      return new DirectoryConfigurationError(
        providerId,
        {
          detail: `a configured DN is wrong for this server (base DN ${context.baseDn ?? '?'}, bind DN ${context.bindDn ?? '?'}): ${said}`,
        },
        options,
      );
    case 32: // noSuchObject
      if ((context.operation === 'set-password' || context.operation === 'unlock') && context.username) {
        // Found a moment ago, gone now: deleted or moved in between.
        return new UserNotFoundError(providerId, { username: context.username, baseDn: context.baseDn }, options);
      }
      return new DirectoryConfigurationError(
        providerId,
        { detail: `the base DN ${context.baseDn ?? '?'} does not exist on this server (${said})` },
        options,
      );
    default:
      return new DirectoryOperationError(
        providerId,
        { operation: OPERATION_WORDS[context.operation], detail: said },
        options,
      );
  }
}

function fromRefusal(
  error: ResultCodeError,
  win32: string | undefined,
  serverText: string,
  providerId: string,
  context: DirectoryErrorContext,
): ProviderError {
  const { code } = error;
  const options = { cause: error };
  // 0000052D is ERROR_PASSWORD_RESTRICTION; Windows sends it as 19 or 53 with no reason, Samba as 19 with one.
  if (win32 === '0000052D' || (code === 19 && context.operation === 'set-password' && /password/i.test(serverText))) {
    return new PasswordPolicyError(
      providerId,
      { reason: passwordPolicyReason(serverText), username: context.username, serverText },
      options,
    );
  }
  if (win32 === '0000001F' && context.operation === 'set-password') {
    return new DirectoryConfigurationError(
      providerId,
      { detail: `the server will only accept a password over an encrypted connection (LDAP ${code}: ${serverText})` },
      options,
    );
  }
  return new DirectoryOperationError(
    providerId,
    { operation: OPERATION_WORDS[context.operation], detail: `LDAP ${code}: ${serverText}` },
    options,
  );
}

function fromTransport(error: unknown, providerId: string, context: DirectoryErrorContext): ProviderError {
  const options = { cause: error };
  const code = errorCode(error);
  const text = error instanceof Error ? error.message : String(error);
  if (code && TLS_TRUST_CODE.test(code)) {
    return new DirectoryConfigurationError(
      providerId,
      {
        detail:
          `the TLS connection to ${context.url ?? 'the server'} failed (${code}: ${text}). Check caPem, and set` +
          " tlsServerName to the name in the DC's certificate when connecting by IP or alias.",
      },
      options,
    );
  }
  if (code && NETWORK_CODES.has(code)) {
    const hint = code === 'ENOTFOUND' ? ' (the host name does not resolve)' : '';
    return new DirectoryUnavailableError(providerId, { url: context.url, detail: `${code}${hint}` }, options);
  }
  if (LDAPTS_TRANSPORT_TEXT.test(text)) {
    return new DirectoryUnavailableError(providerId, { url: context.url, detail: firstLine(text) }, options);
  }
  const name = error instanceof Error ? error.name : typeof error;
  return new DirectoryOperationError(
    providerId,
    { operation: OPERATION_WORDS[context.operation], detail: `unexpected ${name}: ${firstLine(text)}` },
    options,
  );
}

function describeServiceBindFailure(serverText: string, context: DirectoryErrorContext): string {
  const subCode = bindSubCode(serverText);
  const meaning = subCode ? (BIND_SUB_CODES[subCode] ?? 'the server refused it') : 'the server refused it';
  const data = subCode ? ` (data ${subCode})` : '';
  const who = context.bindDn ? `the service account ${context.bindDn}` : 'the service account';
  return `${who} could not bind: ${meaning}${data}. Check bindDn and bindPassword, and the account's state in AD.`;
}

/** The `data 52e` sub-code of an AD bind failure, lower-cased; undefined when there is none. */
export function bindSubCode(errorOrText: unknown): string | undefined {
  const text = errorOrText instanceof Error ? errorOrText.message : String(errorOrText);
  return /\bdata ([0-9a-f]{3,8})\b/i.exec(text)?.[1]?.toLowerCase();
}

/** The leading Win32 error in AD's diagnostic text, e.g. 0000052D. */
function win32CodeOf(text: string): string | undefined {
  return /^([0-9A-F]{8}):/i.exec(text)?.[1]?.toUpperCase();
}

export function passwordPolicyReason(serverText: string): PasswordPolicyReason {
  if (/too short|minimum (password )?length|equal or longer than/i.test(serverText)) return 'too-short';
  if (/complexity/i.test(serverText)) return 'complexity';
  if (/history|already used|previous password/i.test(serverText)) return 'history';
  if (/too young|minimum (password )?age/i.test(serverText)) return 'minimum-age';
  return 'unknown';
}

/** ldapts appends " Code: 0x13" to the server's diagnostic message. */
function serverTextOf(error: ResultCodeError): string {
  return error.message
    .replace(/\s*Code: 0x[0-9a-f]+\s*$/i, '')
    .replace(/\s+/g, ' ')
    .trim();
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.trim();
}
