/** What the user reads in the app when a reset did not finish: plain, and about what they can do. */
const NETWORK =
  'Your company’s network could not be reached, so your password was not changed. Try again in a few minutes, or contact your IT provider.';
const ASK_IT = 'Your password could not be reset here. Contact your IT provider.';

// Keyed by the failure codes the reset workflow records (the directory errors' `code`s and the workflow's own);
// an unknown code reads as the network message, the commonest cause and the one a retry may cure.
const MESSAGES: Record<string, string> = {
  rate_limited: 'Too many resets were asked for this account. Try again later.',
  not_enrolled: 'This account is no longer set up for resets. Contact your IT provider.',
  password_policy: 'Your company’s directory refused the new password. Contact your IT provider.',
  protected_account: 'This account’s password cannot be reset here. Contact your IT provider.',
  account_disabled: 'This account is disabled. Contact your IT provider.',
  user_not_found: ASK_IT,
  account_changed: ASK_IT,
  insufficient_rights: ASK_IT,
  directory_configuration: ASK_IT,
  agent_result_rejected: ASK_IT,
  password_set_not_delivered: ASK_IT,
  directory_unavailable: NETWORK,
};

export function resetFailureMessage(code: string | null): string {
  return (code && MESSAGES[code]) || NETWORK;
}
