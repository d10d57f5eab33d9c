import { ProviderError } from '../errors';

/**
 * Every directory failure carries two texts. `userMessage` is safe to show to the person resetting their
 * password: it names the cause in plain words and never echoes server text, DNs or other accounts.
 * `message` (the technician text) is for logs, the audit trail and the MSP's console, and says what to fix.
 * `code` is a stable identifier for the UI and for Temporal failure details, where class identity is lost.
 */
export abstract class DirectoryError extends ProviderError {
  abstract readonly code: string;
  abstract readonly userMessage: string;
}

export type PasswordPolicyReason = 'too-short' | 'complexity' | 'history' | 'minimum-age' | 'unknown';

const POLICY_USER_MESSAGES: Record<PasswordPolicyReason, string> = {
  'too-short': "The new password is too short for your organisation's password policy. Choose a longer one.",
  complexity:
    'The new password is not complex enough. Mix upper- and lower-case letters, digits and symbols, and do not include your name or username.',
  history: 'That password has been used before. Choose one you have not used recently.',
  'minimum-age':
    'This password was changed too recently to be changed again yet. Try again later, or contact your IT helpdesk.',
  unknown: "The new password does not meet your organisation's password policy. Choose a longer, more complex one.",
};

const POLICY_LABELS: Record<PasswordPolicyReason, string> = {
  'too-short': 'shorter than the minimum password length',
  complexity: 'fails the complexity requirement',
  history: 'found in the password history',
  'minimum-age': 'the minimum password age has not passed',
  unknown: 'rejected by the password policy',
};

/** AD answered 0000052D (constraint violation on unicodePwd): the password breaks the domain's policy. */
export class PasswordPolicyError extends DirectoryError {
  readonly retryable = false;
  readonly code = 'password_policy';
  readonly userMessage: string;
  readonly reason: PasswordPolicyReason;
  /** The server's own explanation, when it gives one (Samba does; Windows usually only says 0000052D). */
  readonly serverText: string | undefined;

  constructor(
    providerId: string,
    details: { reason: PasswordPolicyReason; username?: string; serverText?: string },
    options?: { cause?: unknown },
  ) {
    const who = details.username ? ` for "${details.username}"` : '';
    const said = details.serverText ? ` The server said: ${details.serverText}` : '';
    super(
      `The directory refused the new password${who}: ${POLICY_LABELS[details.reason]} (0000052D constraint violation).` +
        ` Check the domain or fine-grained password policy, and that generated passwords meet it.${said}`,
      providerId,
      options,
    );
    this.reason = details.reason;
    this.serverText = details.serverText;
    this.userMessage = POLICY_USER_MESSAGES[details.reason];
  }
}

/**
 * Which rule refused an account:
 * - `admin-count`: adminCount=1, the mark AdminSDHolder leaves on past or present members of protected groups;
 *   lifted by allowProtectedAccounts.
 * - `privileged-group`: tokenGroups holds a built-in privileged group (Domain, Enterprise or Schema Admins,
 *   Administrators, Account, Server, Backup or Print Operators); never lifted.
 * - `deny-group`: tokenGroups holds the directory's configured deny group; never lifted.
 * - `unverifiable`: the service account could not read what the rules need, so the account is refused rather
 *   than assumed ordinary.
 */
export type ProtectionRule = 'admin-count' | 'privileged-group' | 'deny-group' | 'unverifiable';

/**
 * Resetting a privileged account from a self-service channel is the classic escalation path, so it is refused
 * before any write. `userMessage` is the same for every rule: it never says which group, let alone a SID.
 */
export class ProtectedAccountError extends DirectoryError {
  readonly retryable = false;
  readonly code = 'protected_account';
  readonly userMessage =
    'This account is protected and cannot be reset or unlocked through self-service. Contact your IT helpdesk.';
  readonly rule: ProtectionRule;

  /** `detail`: the group's name (privileged-group), its DN (deny-group), or what could not be read (unverifiable). */
  constructor(providerId: string, details: { username: string; dn: string; rule?: ProtectionRule; detail?: string }) {
    const rule = details.rule ?? 'admin-count';
    const detail = details.detail ?? 'unknown';
    const refused = `Refused to change "${details.username}" (${details.dn}): `;
    const reasons: Record<ProtectionRule, string> = {
      'admin-count':
        'it is a protected account (adminCount=1), which Latchkey never resets or unlocks unless' +
        ' allowProtectedAccounts is set for this directory. Reset it by hand, or clear a stale adminCount if the' +
        ' account is no longer privileged.',
      'privileged-group':
        `it is a member (directly, nested or as its primary group) of the built-in privileged group ${detail}.` +
        ' Latchkey never resets or unlocks members of Domain, Enterprise or Schema Admins, Administrators or the' +
        ' Account, Server, Backup and Print Operators, whatever allowProtectedAccounts says. Reset it by hand.',
      'deny-group':
        `it is a member (directly or nested) of the directory's deny group ${detail} (AD_DENY_GROUP_DN).` +
        ' Remove it from that group if it may use self-service, or reset it by hand.',
      unverifiable:
        `Latchkey could not verify that it is not privileged: ${detail}. An account that cannot be checked is` +
        ' refused. Give the service account read access to user objects in the OU (see docs/plugins.md).',
    };
    super(refused + reasons[rule], providerId);
    this.rule = rule;
  }
}

/**
 * The name now belongs to another directory object than the one Latchkey recorded at the first touch: the
 * account was deleted and recreated, or renamed and its sAMAccountName given to someone else. Whoever enrolled
 * for the old object must not get the new one's password.
 */
export class AccountChangedError extends DirectoryError {
  readonly retryable = false;
  readonly code = 'account_changed';
  // As vague as UserNotFoundError's: the person asking may be the one the account was taken from.
  readonly userMessage = 'We could not complete this request for that account. Contact your IT helpdesk.';

  constructor(
    providerId: string,
    details: { username: string; dn: string; expectedObjectGuid: string; objectGuid: string },
  ) {
    super(
      `Refused to change "${details.username}": it is now ${details.dn} (objectGUID ${details.objectGuid}), not` +
        ` the account enrolled for it (objectGUID ${details.expectedObjectGuid}). The account was deleted and` +
        ' recreated, or renamed and its name given to another object. Nothing was changed. If the new account' +
        ' belongs to the same person, enroll them again.',
      providerId,
    );
  }
}

export class UserNotFoundError extends DirectoryError {
  readonly retryable = false;
  readonly code = 'user_not_found';
  // Deliberately vague: the same words as any other refusal, so the answer does not reveal which accounts exist.
  readonly userMessage = 'We could not complete this request for that account. Contact your IT helpdesk.';

  constructor(providerId: string, details: { username: string; baseDn?: string }, options?: { cause?: unknown }) {
    const where = details.baseDn ? ` under ${details.baseDn}` : '';
    super(
      `No user account "${details.username}" was found${where} (matched on sAMAccountName or userPrincipalName).` +
        ' Check the spelling, and that the account is inside the configured base DN.',
      providerId,
      options,
    );
  }
}

export class AccountDisabledError extends DirectoryError {
  readonly retryable = false;
  readonly code = 'account_disabled';
  readonly userMessage = 'This account is disabled, so its password cannot be reset. Contact your IT helpdesk.';

  constructor(providerId: string, details: { username: string; dn: string }) {
    super(
      `"${details.username}" (${details.dn}) is disabled (userAccountControl ACCOUNTDISABLE), so Latchkey will not` +
        ' reset or unlock it. Enable the account first if the user should have access.',
      providerId,
    );
  }
}

/** insufficientAccessRights (50): the service account may not make this change on this object. */
export class InsufficientRightsError extends DirectoryError {
  readonly retryable = false;
  readonly code = 'insufficient_rights';
  readonly userMessage =
    'The password service is not allowed to change this account. Contact your IT helpdesk, who need to fix its permissions.';

  constructor(
    providerId: string,
    details: { operation: string; target?: string; serverText?: string },
    options?: { cause?: unknown },
  ) {
    const target = details.target ? ` on ${details.target}` : '';
    const said = details.serverText ? ` The server said: ${details.serverText}` : '';
    super(
      `The service account is not allowed to ${details.operation}${target} (insufficientAccessRights, 50).` +
        ' Delegate "Reset password" plus write access to pwdLastSet and lockoutTime on user objects in the OU.' +
        ' Protected accounts are also guarded by AdminSDHolder.' +
        said,
      providerId,
      options,
    );
  }
}

/** Connection refused or reset, a timeout, or the server saying it is busy or unavailable: worth retrying. */
export class DirectoryUnavailableError extends DirectoryError {
  readonly retryable = true;
  readonly code = 'directory_unavailable';
  readonly userMessage =
    "Your organisation's directory could not be reached just now. Please try again in a few minutes.";

  constructor(providerId: string, details: { url?: string; detail: string }, options?: { cause?: unknown }) {
    const where = details.url ? ` at ${details.url}` : '';
    super(
      `The directory server${where} could not be reached or did not answer: ${details.detail}`,
      providerId,
      options,
    );
  }
}

/** Wrong service-account credentials, TLS trust or name problems, a wrong base DN: an operator must fix it. */
export class DirectoryConfigurationError extends DirectoryError {
  readonly retryable = false;
  readonly code = 'directory_configuration';
  readonly userMessage =
    'Password reset is not available for your organisation right now. Contact your IT helpdesk, who need to fix its setup.';

  constructor(providerId: string, details: { detail: string }, options?: { cause?: unknown }) {
    super(`The directory connection is misconfigured: ${details.detail}`, providerId, options);
  }
}

/** Any other answer the directory gave that we have no better name for; retrying would fail the same way. */
export class DirectoryOperationError extends DirectoryError {
  readonly retryable = false;
  readonly code = 'directory_error';
  readonly userMessage = 'The request could not be completed. Contact your IT helpdesk.';

  constructor(providerId: string, details: { operation: string; detail: string }, options?: { cause?: unknown }) {
    super(`The directory refused to ${details.operation}: ${details.detail}`, providerId, options);
  }
}
