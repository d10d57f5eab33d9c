import * as nexus from 'nexus-rpc';

/**
 * The Nexus service of bench/dispatch.bench.ts: one operation that does nothing, so that the time from its
 * NexusOperationScheduled event to the handler's first line is Temporal's dispatch alone.
 */
export const probeService = nexus.service('latchkey-dispatch-probe', {
  touch: nexus.operation<string, string>(),
});
