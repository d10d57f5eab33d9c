import { createNexusServiceClient, proxyActivities } from '@temporalio/workflow';
import { probeService } from './support/probe-service';

/**
 * The workflows of bench/dispatch.bench.ts. Each makes at most one remote call that does nothing, so that its
 * history times Temporal's dispatch of that call and nothing of ours.
 */

interface ProbeActivities {
  touch(probeId: string): Promise<string>;
}

export async function bareProbe(): Promise<string> {
  return 'ok';
}

export async function activityProbe(taskQueue: string, probeId: string): Promise<string> {
  const { touch } = proxyActivities<ProbeActivities>({ taskQueue, startToCloseTimeout: '30s' });
  return touch(probeId);
}

export async function nexusProbe(endpoint: string, probeId: string): Promise<string> {
  const handler = createNexusServiceClient({ endpoint, service: probeService });
  return handler.executeOperation('touch', probeId, { scheduleToCloseTimeout: '30s' });
}
