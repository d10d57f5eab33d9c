import { ApplicationFailure } from '@temporalio/activity';
import type { TenantsStore } from '../server/db/tenants.store';

/**
 * A user with its client and MSP, in one query. A user deleted while a workflow still runs is a permanent
 * failure: retrying will not bring it back.
 */
export async function loadUserContext(tenants: TenantsStore, userId: string) {
  const found = await tenants.userWithOrg(userId);
  if (!found)
    throw ApplicationFailure.create({
      type: 'UserNotFound',
      message: `user ${userId} no longer exists`,
      nonRetryable: true,
    });
  return { ...found, clientId: found.user.client_id };
}
