import type { DataConverter } from '@temporalio/common';
import type { KeyRing } from '../crypto/keys';
import { clientIdOfWorkflowId } from '../domain/workflow-ids';
import { centralKeyRing, clientCodecKeyId } from './client-codec-keys';
import { createDataConverter } from './data-converter';

/**
 * Payloads of a workflow that involves a client's agent (a password reset) are sealed with that client's key;
 * everything else with the shared key. An agent therefore can read its own client's resets and nothing more,
 * even if it polls another client's task queue.
 */
export function createCentralDataConverter(shared: KeyRing, masterKey: Buffer): DataConverter {
  return createDataConverter(centralKeyRing(shared, masterKey), (context) => {
    const clientId = clientIdOfWorkflowId(context?.workflowId);
    return clientId ? clientCodecKeyId(clientId) : undefined;
  });
}
