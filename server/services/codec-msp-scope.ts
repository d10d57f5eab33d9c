import type { PayloadSealedFor } from '../../common/temporal/encryption-codec';
import { subjectOfSealing } from './codec-sealing-subject';

export interface CodecMspScopeDeps {
  /** The client a user belongs to; the user may be gone. */
  clientOfUser(userId: string): Promise<string | undefined>;
  /** Whether the client belongs to the MSP (undefined client ids never do). */
  clientIsMsps(mspId: string, clientId: string): Promise<boolean>;
  /** The client whose agent answers through a Nexus endpoint, read from the endpoint's name. */
  clientOfNexusEndpoint(endpoint: string): string | undefined;
}

/**
 * Which payloads a technician's sign-in may have opened at /codec: those sealed for a workflow of one of their
 * MSP's clients (an enrollment of its user, a reset, a lockout or a lockout watch of its client) or for the Nexus
 * answers of one of its clients' agents. It judges the binding a payload *claims*, before it is opened; opening
 * then proves the claim through the AAD, so a payload of another MSP relabelled as one's own fails to open.
 * Payloads of the instance itself (no workflow, unbound, the rate-limit purge) are no MSP's: only the codec admin
 * token opens them.
 */
export class CodecMspScope {
  constructor(private readonly deps: CodecMspScopeDeps) {}

  /** The client that a sealing belongs to, if any; an enrollment's is its user's. */
  async clientOf(sealedFor: PayloadSealedFor): Promise<string | undefined> {
    const subject = subjectOfSealing(sealedFor, this.deps.clientOfNexusEndpoint);
    if (subject.clientId) return subject.clientId;
    return subject.userId ? this.deps.clientOfUser(subject.userId) : undefined;
  }

  /** For each sealing, whether the MSP may open it; each distinct one is looked up once. */
  async mayOpen(mspId: string, sealings: PayloadSealedFor[]): Promise<boolean[]> {
    const verdicts = new Map<string, Promise<boolean>>();
    const verdictOf = (sealedFor: PayloadSealedFor) => {
      const key = JSON.stringify(sealedFor);
      let verdict = verdicts.get(key);
      if (!verdict) {
        verdict = this.clientOf(sealedFor).then((clientId) =>
          clientId ? this.deps.clientIsMsps(mspId, clientId) : false,
        );
        verdicts.set(key, verdict);
      }
      return verdict;
    };
    return Promise.all(sealings.map(verdictOf));
  }
}
