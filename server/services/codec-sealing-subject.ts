import {
  clientIdOfWorkflowId,
  parseEnrollmentWorkflowId,
  parsePasswordResetWorkflowId,
} from '../../common/domain/workflow-ids';
import type { PayloadSealedFor } from '../../common/temporal/encryption-codec';

/**
 * Whom a sealed payload is about, read from the binding it names: a reset's client and user, an enrollment's user,
 * the client of any other client workflow (a lockout, a lockout watch), or the client whose agent answered through
 * a Nexus endpoint. Payloads of the instance itself are nobody's. Both the codec's MSP scope and its audit rows
 * read this, so they cannot disagree about whose payload it was.
 */
export function subjectOfSealing(
  sealedFor: PayloadSealedFor,
  clientOfNexusEndpoint: (endpoint: string) => string | undefined,
): { userId?: string; clientId?: string } {
  if (sealedFor.binding === 'nexus-endpoint') {
    const clientId = clientOfNexusEndpoint(sealedFor.endpoint);
    return clientId ? { clientId } : {};
  }
  if (sealedFor.binding !== 'workflow') return {};
  const reset = parsePasswordResetWorkflowId(sealedFor.workflowId);
  if (reset) return reset;
  const userId = parseEnrollmentWorkflowId(sealedFor.workflowId);
  if (userId) return { userId };
  const clientId = clientIdOfWorkflowId(sealedFor.workflowId);
  return clientId ? { clientId } : {};
}
