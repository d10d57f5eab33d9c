import { createAgentHealthActivities } from './agent-health.activities';
import type { ActivityDeps } from './deps';
import { createEnrollmentActivities } from './enrollment.activities';
import { createLockoutActivities } from './lockout.activities';
import { createLockoutWatchActivities } from './lockout-watch.activities';
import { createMaintenanceActivities } from './maintenance.activities';
import { createNotifyActivities } from './notify.activities';
import { createResetActivities } from './reset.activities';

export type { ActivityDeps } from './deps';

/** All activities of the central worker. Names must stay unique across the factories: they merge by name. */
export function createCentralActivities(deps: ActivityDeps) {
  return {
    ...createEnrollmentActivities(deps),
    ...createNotifyActivities(deps),
    ...createResetActivities(deps),
    ...createLockoutActivities(deps),
    ...createMaintenanceActivities(deps.stores),
    ...createLockoutWatchActivities(deps),
    ...createAgentHealthActivities({
      agentHealth: deps.stores.agentHealth,
      alerts: deps.alerts,
      heartbeatIntervalMs: deps.agentHeartbeatIntervalMs,
    }),
  };
}

export type CentralActivities = ReturnType<typeof createCentralActivities>;

export { createDirectoryActivities, type DirectoryActivities } from './directory.activities';
