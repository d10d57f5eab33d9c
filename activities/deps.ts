import type { KeyObject } from 'node:crypto';
import type { ClientKeySource } from '../common/crypto/client-keys';
import type { Secrets } from '../common/crypto/secrets';
import type { EmailProvider, PushProvider, SmsProvider } from '../plugins/types';
import type { RenderTemplate } from './message-templates';
import type { AccountLockoutInput } from '../common/domain/lockout';
import type { MspAlerter } from './msp-alerts';
import type { CentralStores, ResetOutcomesPort, Transact } from './ports';

/** Everything the central worker's activities need, built once by the worker and passed in. */
export interface ActivityDeps {
  stores: CentralStores;
  /** For writes that must land together; activities hold no database handle of their own. */
  transact: Transact;
  secrets: Secrets;
  email: EmailProvider;
  sms: SmsProvider;
  /** Pushes to the app; absent when no push provider is configured, and the app then finds its events on open. */
  push?: PushProvider;
  render: RenderTemplate;
  /**
   * Issues a single-use pairing token and returns the app link that carries it (`<appUrl>/pair#t=<token>`; the
   * server's pairing service stores only its keyed hash). Absent until a pairing service is wired; the texted
   * link is then the bare app.
   */
  pairingLink?: (request: {
    userId: string;
    clientId: string;
    /** The enrollment whose pairing step the token finishes; null for a re-pairing after it ended. */
    enrollmentWorkflowId: string | null;
    requiresMatch: boolean;
  }) => Promise<string>;
  urls: { publicUrl: string; appUrl: string };
  limits: {
    /** Codes one user, and one phone number, may receive in 24 hours. */
    smsPerDay: number;
    /** Texts of any kind sent for one client in 24 hours, unless its policy says otherwise. */
    smsPerClientPerDay: number;
    /** Countries codes may be sent to, for clients without a list of their own; undefined: any. */
    smsCountries?: readonly string[];
  };
  /** How long the "This wasn't me" link in the owner's enrollment notice works. */
  notices: { disownLinkTtlMs: number };
  commands: DirectoryCommandDeps;
  /** Tells the MSP's technicians when something needs them. */
  alerts: MspAlerter;
  /** The interval agents are told to send heartbeats at; the health watch reads agents' health against it. */
  agentHeartbeatIntervalMs: number;
  /** Starts and signals lockout workflows, for the watch's reports; absent where no Temporal client is wired. */
  lockoutWorkflows?: LockoutWorkflowsPort;
  /** Present when the API that starts resets runs in this process, and waits on their outcomes. */
  resetOutcomes?: ResetOutcomesPort;
}

/** The Temporal calls the lockout report makes; built over the central client (server/compose/worker.ts). */
export interface LockoutWorkflowsPort {
  /** Starts it, or finds it running under that id (USE_EXISTING); never a second run for one lockout. */
  start(workflowId: string, input: AccountLockoutInput): Promise<void>;
  /** Tells a running lockout workflow the lock ended elsewhere; a workflow that has ended already is fine. */
  signalCleared(workflowId: string): Promise<void>;
}

/** What issuing and checking directory commands takes: the server's signing key and the clients' key generations. */
export interface DirectoryCommandDeps {
  signingKey: KeyObject;
  clientKeys: ClientKeySource;
  /** The client's own namespace, and the Nexus endpoint through which a reset reaches its agents. */
  agentTarget(clientId: string): { namespace: string; endpoint: string; taskQueue: string };
  /** Registers that namespace and endpoint if they are missing (idempotent, once per process). */
  provisionAgentTarget(target: { namespace: string; endpoint: string; taskQueue: string }): Promise<void>;
}
