import type { LockoutChange, LockoutReportActivities } from '../common/domain/lockout';
import type { ActivityDeps } from './deps';

/**
 * A stand-in for the lockout workflow's starter (issue 10 §2, built on another branch): it records each new
 * lockout of an enrolled user of the client as `lockout.detected`, and counts the ends it was told of. Accounts
 * that are no enrolled user of this client, and a namesake whose directory object is not the one enrolled, are
 * ignored: nobody else's lockout is written anywhere.
 */
export function createLockoutReportActivities(deps: ActivityDeps): LockoutReportActivities {
  const { stores } = deps;
  return {
    async reportLockoutChanges({ clientId, changes }) {
      const users = await stores.users.findEnrolledByUsernames(clientId, [
        ...new Set(changes.map((change) => change.account)),
      ]);
      const byName = new Map(users.map((user) => [user.username.toLowerCase(), user]));
      const userOf = (change: LockoutChange) => {
        const user = byName.get(change.account.toLowerCase());
        if (!user) return undefined;
        if (user.directoryObjectGuid && user.directoryObjectGuid !== change.objectGuid.toLowerCase()) return undefined;
        return user;
      };
      let started = 0;
      let cleared = 0;
      for (const change of changes) {
        const user = userOf(change);
        if (!user) continue;
        await stores.audit.recordForUser({
          userId: user.id,
          actor: 'system',
          action: change.locked ? 'lockout.detected' : 'lockout.cleared',
          detail: { lockedAtMs: change.lockedAtMs, unlocksAtMs: change.unlocksAtMs },
        });
        if (change.locked) started += 1;
        else cleared += 1;
      }
      return { started, cleared };
    },
  };
}
