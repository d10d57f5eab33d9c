import { ENROLLED_STATUSES } from '../../common/domain/statuses';
import { ConflictError } from '../../common/errors';
import type { UserWithOrg } from '../db/tenants.store';

/**
 * Refuses a technician's reset, before anything is written or sent, when the new password could not reach the
 * user. The API and the console both ask here, so that the two refuse the same users in the same words.
 */
export function assertResetCanReach(known: UserWithOrg): void {
  const { status } = known.user;
  if (!ENROLLED_STATUSES.includes(status)) {
    throw new ConflictError(
      `The user is not enrolled (status "${status}"), so there is no phone to send a new password to`,
    );
  }
  if (known.user.smsOptedOut) {
    // The password would be set and then never arrive (Twilio refuses to text an opted-out number).
    throw new ConflictError(
      'The user texted STOP to the service number, so texts to them are blocked and the new password could not reach them. Ask them to text START to the service number, then try again.',
    );
  }
}
