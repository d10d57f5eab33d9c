import { applicationFailureOf } from '../activity-options';

export type { PasswordResetResult } from '../../common/domain/reset';

/** What the user is told when the directory could not be reached at all: the cause is not theirs to fix. */
const UNREACHABLE = 'Your company network could not be reached just now.';
/** What the user is told when no agent answered: the write may or may not have happened. */
export const UNCONFIRMED = 'We could not confirm the reset, so your old password may or may not still work.';

/** A failed step as the reset history records it and the user hears it. */
export function describeFailure(error: unknown): { code: string; userMessage: string } {
  const failure = applicationFailureOf(error);
  if (failure) {
    const detail = failure.details?.[0] as { code?: string; userMessage?: string } | undefined;
    return { code: detail?.code ?? failure.type ?? 'unknown', userMessage: detail?.userMessage ?? UNREACHABLE };
  }
  // A timeout is not a clean "no": an agent may have written the password and died before it could say so.
  return { code: 'directory_unconfirmed', userMessage: UNCONFIRMED };
}
