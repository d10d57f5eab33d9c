import { ApplicationFailure } from '@temporalio/activity';
import { FailureType } from '../common/domain/failure-types';
import type { TenantsPort, UserContext } from './ports';

/**
 * A user with its client and MSP, in one query. A user deleted while a workflow still runs is a permanent
 * failure: retrying will not bring it back.
 */
export async function loadUserContext(tenants: TenantsPort, userId: string): Promise<UserContext> {
  const found = await tenants.userWithOrg(userId);
  if (!found)
    throw ApplicationFailure.create({
      type: FailureType.LatchkeyUserNotFound,
      message: `user ${userId} no longer exists`,
      nonRetryable: true,
    });
  return found;
}
