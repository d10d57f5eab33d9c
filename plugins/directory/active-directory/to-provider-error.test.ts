import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BusyError,
  ConstraintViolationError,
  InsufficientAccessError,
  InvalidCredentialsError,
  NoSuchObjectError,
  StrongAuthRequiredError,
  UnavailableError,
  UnwillingToPerformError,
} from 'ldapts';
import { ProviderUnavailableError } from '../../errors';
import {
  DirectoryConfigurationError,
  DirectoryOperationError,
  DirectoryUnavailableError,
  InsufficientRightsError,
  PasswordPolicyError,
  UserNotFoundError,
} from '../errors';
import { bindSubCode, passwordPolicyReason, toProviderError, type DirectoryErrorContext } from './to-provider-error';

const ID = 'ad-test';
const SET_PASSWORD: DirectoryErrorContext = {
  operation: 'set-password',
  username: 'jdoe',
  url: 'ldaps://dc1.corp.example',
};
const BIND: DirectoryErrorContext = {
  operation: 'bind',
  bindDn: 'CN=svc,CN=Users,DC=corp,DC=example',
  url: 'ldaps://dc1.corp.example',
};

/** Diagnostic texts as Samba 4.17 and Windows Server send them; ldapts' constructors append " Code: 0x..". */
const SAMBA_TOO_SHORT =
  '0000052D: Constraint violation - check_password_restrictions: the password is too short. It should be equal or longer than 7 characters!';
const SAMBA_COMPLEXITY =
  '0000052D: Constraint violation - check_password_restrictions: the password does not meet the complexity criteria!';
const SAMBA_HISTORY =
  '0000052D: Constraint violation - check_password_restrictions: the password was already used (in history)!';
const SAMBA_TOO_YOUNG =
  '0000052D: Constraint violation - check_password_restrictions: password is too young to change!';
const WINDOWS_POLICY = '0000052D: SvcErr: DSID-031A1254, problem 5003 (WILL_NOT_PERFORM), data 0';
const bindFailure = (data: string) =>
  `80090308: LdapErr: DSID-0C0903A9, comment: AcceptSecurityContext error, data ${data}, v1db1`;

function networkError(code: string, message = `connect ${code} 10.0.0.1:636`): Error {
  return Object.assign(new Error(message), { code });
}

describe('toProviderError (Active Directory)', () => {
  it("maps a 0000052D constraint violation to PasswordPolicyError, naming the reason and keeping Samba's text", () => {
    const cases = [
      [SAMBA_TOO_SHORT, 'too-short', /too short/],
      [SAMBA_COMPLEXITY, 'complexity', /complex/],
      [SAMBA_HISTORY, 'history', /used before/],
      [SAMBA_TOO_YOUNG, 'minimum-age', /too recently/],
    ] as const;
    for (const [text, reason, userWords] of cases) {
      const error = toProviderError(new ConstraintViolationError(text), ID, SET_PASSWORD);
      assert.ok(error instanceof PasswordPolicyError, text);
      assert.equal(error.reason, reason);
      assert.equal(error.retryable, false);
      assert.equal(error.providerId, ID);
      assert.match(error.userMessage, userWords);
      assert.ok(!error.userMessage.includes('0000052D'), 'no codes for the end user');
      assert.ok(error.message.includes('check_password_restrictions'), 'the technician sees the server text');
      assert.ok(error.message.includes('"jdoe"'));
      assert.ok(!error.message.includes('Code: 0x13'));
    }
  });

  it("recognises Windows' reasonless 0000052D, sent as unwillingToPerform", () => {
    const error = toProviderError(new UnwillingToPerformError(WINDOWS_POLICY), ID, SET_PASSWORD);
    assert.ok(error instanceof PasswordPolicyError);
    assert.equal(error.reason, 'unknown');
    assert.match(error.userMessage, /password policy/);
  });

  it('explains a refused service-account bind by its AD sub-code, as a configuration problem', () => {
    const expectations: Record<string, RegExp> = {
      '52e': /bind DN or password is wrong \(data 52e\)/,
      '525': /does not exist/,
      '532': /expired/,
      '533': /disabled \(data 533\)/,
      '701': /account has expired/,
      '773': /must be changed/,
      '775': /locked out \(data 775\)/,
    };
    for (const [data, meaning] of Object.entries(expectations)) {
      const error = toProviderError(new InvalidCredentialsError(bindFailure(data)), ID, BIND);
      assert.ok(error instanceof DirectoryConfigurationError, data);
      assert.equal(error.retryable, false);
      assert.match(error.message, meaning);
      assert.ok(error.message.includes(BIND.bindDn!));
      assert.match(error.userMessage, /helpdesk/);
    }
  });

  it('reads the bind sub-code from an error or a text', () => {
    assert.equal(bindSubCode(new InvalidCredentialsError(bindFailure('773'))), '773');
    assert.equal(bindSubCode(bindFailure('52E')), '52e');
    assert.equal(bindSubCode('Invalid credentials'), undefined);
  });

  it('maps insufficientAccessRights to InsufficientRightsError saying which rights to delegate', () => {
    const error = toProviderError(
      new InsufficientAccessError('00002098: Object CN=jdoe,CN=Users,DC=corp,DC=example has no write property access'),
      ID,
      { ...SET_PASSWORD, dn: 'CN=jdoe,CN=Users,DC=corp,DC=example' },
    );
    assert.ok(error instanceof InsufficientRightsError);
    assert.equal(error.retryable, false);
    assert.match(error.message, /Reset password/);
    assert.match(error.message, /CN=jdoe,CN=Users/);
    assert.match(error.message, /insufficientAccessRights, 50/);
  });

  it('treats busy, unavailable and network failures as retryable DirectoryUnavailableError', () => {
    const transient = [
      new BusyError('Server busy'),
      new UnavailableError('Unavailable'),
      networkError('ECONNREFUSED'),
      networkError('ECONNRESET', 'read ECONNRESET'),
      networkError('ETIMEDOUT'),
      networkError('EHOSTUNREACH'),
      new Error('Connection timeout'),
      new Error('ModifyRequest: Operation timed out'),
      new Error('Connection closed before message response was received. Message type: SearchRequest (0x63)'),
    ];
    for (const cause of transient) {
      const error = toProviderError(cause, ID, SET_PASSWORD);
      assert.ok(error instanceof DirectoryUnavailableError, cause.message);
      assert.equal(error.retryable, true);
      assert.ok(error.message.includes('ldaps://dc1.corp.example'));
      assert.match(error.userMessage, /try again/);
    }
  });

  it('treats TLS trust and name failures as configuration problems', () => {
    for (const code of [
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      'SELF_SIGNED_CERT_IN_CHAIN',
      'ERR_TLS_CERT_ALTNAME_INVALID',
      'CERT_HAS_EXPIRED',
      'ERR_LATCHKEY_CERT_PIN_MISMATCH',
    ]) {
      const error = toProviderError(networkError(code, 'certificate problem'), ID, BIND);
      assert.ok(error instanceof DirectoryConfigurationError, code);
      assert.ok(error.message.includes(code));
      assert.match(error.message, /caPem/);
    }
  });

  it('says a connection without TLS is the problem when the server demands it', () => {
    const error = toProviderError(new StrongAuthRequiredError('BindSimple: Transport encryption required.'), ID, BIND);
    assert.ok(error instanceof DirectoryConfigurationError);
    assert.match(error.message, /ldaps:\/\/ or startTls/);
  });

  it('reads noSuchObject as a vanished user during a write, and as a wrong base DN otherwise', () => {
    const gone = toProviderError(new NoSuchObjectError('0000208D: no such object'), ID, SET_PASSWORD);
    assert.ok(gone instanceof UserNotFoundError);
    const base = toProviderError(new NoSuchObjectError('0000208D: no such object'), ID, {
      operation: 'search',
      baseDn: 'OU=Nope,DC=corp,DC=example',
    });
    assert.ok(base instanceof DirectoryConfigurationError);
    assert.match(base.message, /OU=Nope/);
  });

  it('keeps an error that is already a ProviderError, and wraps anything unknown as non-retryable', () => {
    const already = new ProviderUnavailableError('x', ID);
    assert.equal(toProviderError(already, ID, BIND), already);
    const odd = toProviderError(new TypeError('cannot read properties of undefined'), ID, SET_PASSWORD);
    assert.ok(odd instanceof DirectoryOperationError);
    assert.equal(odd.retryable, false);
    const other = toProviderError(new UnwillingToPerformError('00000057: something else'), ID, { operation: 'unlock' });
    assert.ok(other instanceof DirectoryOperationError);
    assert.match(other.message, /LDAP 53/);
  });

  it('classifies policy texts', () => {
    assert.equal(passwordPolicyReason('the password is too short'), 'too-short');
    assert.equal(passwordPolicyReason('does not meet the complexity criteria'), 'complexity');
    assert.equal(passwordPolicyReason('the password was already used (previous password)!'), 'history');
    assert.equal(passwordPolicyReason('password is too young to change!'), 'minimum-age');
    assert.equal(passwordPolicyReason('DSID-031A1254, problem 5003'), 'unknown');
  });
});
