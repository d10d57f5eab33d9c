import type { ActivityDeps } from './deps';
import { createEnrollmentActivities } from './enrollment.activities';
import { createNotifyActivities } from './notify.activities';

export type { ActivityDeps } from './deps';

/** All activities of the central worker. Names must stay unique across the factories: they merge by name. */
export function createCentralActivities(deps: ActivityDeps) {
  return { ...createEnrollmentActivities(deps), ...createNotifyActivities(deps) };
}

export type CentralActivities = ReturnType<typeof createCentralActivities>;
