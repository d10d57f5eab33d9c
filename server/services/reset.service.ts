import { randomBytes, randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { resolveClientPolicy } from '../../common/domain/client-policy';
import type { ResetChannel } from '../../common/domain/reset';
import { ENROLLED_STATUSES } from '../../common/domain/statuses';
import { NotFoundError } from '../../common/errors';
import {
  signedPasswordResetWorkflow,
  type PasswordResetInput,
  type PasswordResetResult,
} from '../../workflows/password-reset/password-reset.workflow';
import { makePasswordResetWorkflowId } from '../../common/domain/workflow-ids';
import type { AgentsStore } from '../db/agents.store';
import type { AuditStore } from '../db/audit.store';
import { DEFAULT_HEARTBEAT_INTERVAL_MS } from '../../common/domain/agent-health';
import { requireLiveAgent } from './agent-liveness';
import type { PasswordResetsStore } from '../db/password-resets.store';
import type { RateLimitStore } from '../db/rate-limit.store';
import type { TenantsStore, UserWithOrg } from '../db/tenants.store';
import type { ExpectedOutcome, ResetOutcomes } from './reset-outcomes';
import { callTemporal } from './temporal-calls';
import { HOUR_MS } from '../../common/duration';
import { within } from '../../common/within';

export interface ResetServiceDeps {
  temporal: Client;
  taskQueue: string;
  tenants: TenantsStore;
  rateLimits: RateLimitStore;
  audit: AuditStore;
  passwordResets: PasswordResetsStore;
  /** A reset for a client none of whose agents is live is refused at once (AgentOfflineError), not left to time out. */
  agents: Pick<AgentsStore, 'list'>;
  /** The heartbeat interval agents are told; one that missed two is not live (common/domain/agent-health.ts). */
  agentHeartbeatIntervalMs?: number;
  directoryTimeouts?: PasswordResetInput['directory'];
  /** Set when this process also runs the central worker, which then runs the resets it starts. */
  eager?: { outcomes: ResetOutcomes };
}

export interface ResetRequest {
  userId: string;
  clientId: string;
  channel: ResetChannel;
  requestedBy: string;
  /** The user as the caller already read it, to spare reading it again. */
  known?: UserWithOrg;
}

export type ResetStart =
  | {
      outcome: 'refused';
      result: Extract<PasswordResetResult, { status: 'refused' }>;
      /** For a rate limit: when the user's next reset would be allowed. */
      retryAfterSeconds?: number;
    }
  | { outcome: 'started'; workflowId: string; resetId: string; result: () => Promise<PasswordResetResult> };

/**
 * How long a request waits to hear its outcome in this process before it also asks Temporal. Longer than nearly
 * every reset takes; a reset that runs longer (an agent retrying) or moved to another worker costs only this.
 */
const LOCAL_OUTCOME_GRACE_MS = 2_000;

/**
 * Checks and starts password resets. The checks (enrolled, hourly limit) run here, before the workflow, and the
 * reset is written as pending before its workflow starts: the central worker acts only on a reset it finds
 * pending, so a workflow that anyone else starts does nothing. The workflow id is per user, so a second RESET
 * text or a technician clicking twice joins the reset already running instead of setting a second password;
 * each request still counts against the limit.
 */
export class ResetService {
  constructor(private readonly deps: ResetServiceDeps) {}

  /** Starts a reset and does not wait for it: its outcome reaches the user by text. */
  async start(request: ResetRequest): Promise<ResetStart> {
    return (await this.begin(request, false)).started;
  }

  /** Waits up to `waitMs` for the outcome; `undefined` means it is still running (the agent may be slow). */
  async startAndWait(request: ResetRequest, waitMs: number): Promise<PasswordResetResult | undefined> {
    const { started, expected } = await this.begin(request, true);
    if (started.outcome === 'refused') return started.result;
    try {
      return (await within(started.result(), waitMs))?.value;
    } finally {
      expected?.forget();
    }
  }

  /** Recorded and audited as refused, then thrown: the caller answers 503 agent_offline. */
  private async refuseWithoutAgent(
    request: ResetRequest,
    resetId: string,
    audit: (
      actor: string,
      action: 'reset.requested' | 'reset.refused',
      detail: Record<string, string>,
    ) => Promise<void>,
  ): Promise<void> {
    try {
      await requireLiveAgent(
        this.deps.agents,
        request.clientId,
        this.deps.agentHeartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS,
      );
    } catch (error) {
      await audit(request.requestedBy, 'reset.requested', { resetId, channel: request.channel });
      await Promise.all([
        audit('system', 'reset.refused', { reason: 'agent_offline' }),
        this.deps.passwordResets.record({
          resetId,
          userId: request.userId,
          clientId: request.clientId,
          channel: request.channel,
          requestedBy: request.requestedBy,
          status: 'refused',
          failureCode: 'agent_offline',
        }),
      ]);
      throw error;
    }
  }

  /** With `listen`, the reset's outcome is also awaited in this process, when its worker runs here. */
  private async begin(
    request: ResetRequest,
    listen: boolean,
  ): Promise<{ started: ResetStart; expected?: ExpectedOutcome }> {
    const found = request.known ?? (await this.deps.tenants.userWithOrg(request.userId));
    const resetId = randomUUID();
    const audit = (actor: string, action: 'reset.requested' | 'reset.refused', detail: Record<string, string>) =>
      this.deps.audit.recordForUser({ userId: request.userId, actor, action, detail: { resetId, ...detail } });
    // Callers look the user up in the client first; a mismatch here is a stale or forged id, told apart from
    // nothing else so that another client's user stays invisible.
    if (!found || found.user.id !== request.userId || found.user.clientId !== request.clientId) {
      throw new NotFoundError('User');
    }
    const policy = resolveClientPolicy(found.clientSettings);
    const enrolled = ENROLLED_STATUSES.includes(found.user.status) && !!found.user.phoneEncrypted;
    if (enrolled) await this.refuseWithoutAgent(request, resetId, audit);
    const verdict = enrolled
      ? await this.deps.rateLimits.hit(`reset-user:${request.userId}`, policy.resetsPerHour, HOUR_MS)
      : undefined;
    const requested = {
      actor: request.requestedBy,
      action: 'reset.requested' as const,
      detail: { resetId, channel: request.channel },
    };
    if (!verdict || !verdict.allowed) {
      const reason = !verdict ? ('not_enrolled' as const) : ('rate_limited' as const);
      await audit(requested.actor, requested.action, requested.detail);
      await Promise.all([
        audit('system', 'reset.refused', { reason }),
        this.deps.passwordResets.record({
          resetId,
          userId: request.userId,
          clientId: request.clientId,
          channel: request.channel,
          requestedBy: request.requestedBy,
          status: 'refused',
          failureCode: reason,
        }),
      ]);
      return {
        started: {
          outcome: 'refused',
          result: { status: 'refused', resetId, reason },
          retryAfterSeconds: verdict?.retryAfterSeconds,
        },
      };
    }
    const workflowId = makePasswordResetWorkflowId(request.clientId, request.userId);
    await this.deps.passwordResets.open(
      {
        resetId,
        userId: request.userId,
        clientId: request.clientId,
        channel: request.channel,
        requestedBy: request.requestedBy,
        requestedAt: new Date(),
      },
      requested,
    );
    const input: PasswordResetInput = {
      resetId,
      nonce: randomBytes(32).toString('base64url'),
      directory: this.deps.directoryTimeouts,
    };
    // Before the start: the worker may end the reset before the start call has even returned.
    const expected = listen ? this.deps.eager?.outcomes.expect(resetId) : undefined;
    try {
      const handle = await callTemporal(() =>
        this.deps.temporal.workflow.start(signedPasswordResetWorkflow, {
          taskQueue: this.deps.taskQueue,
          workflowId,
          // FAIL rather than USE_EXISTING: a joining request must learn that it joined, to drop its pending row.
          workflowIdConflictPolicy: 'FAIL',
          workflowIdReusePolicy: 'ALLOW_DUPLICATE',
          requestEagerStart: !!this.deps.eager,
          args: [input],
        }),
      );
      const remote = () => callTemporal(() => handle.result());
      // Only an eagerly started run is known to be on this process's worker.
      const local = handle.eagerlyStarted ? expected : undefined;
      const result = () => (local ? firstOf(local.outcome, remote) : remote());
      return { started: { outcome: 'started', workflowId, resetId, result }, expected };
    } catch (error) {
      expected?.forget();
      await this.deps.passwordResets.discard(resetId);
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      const running = this.deps.temporal.workflow.getHandle<typeof signedPasswordResetWorkflow>(workflowId);
      // The running reset's row is the one the caller follows; it may have ended the moment before this read.
      const joined = (await this.deps.passwordResets.pendingOf(request.userId)) ?? resetId;
      return {
        started: {
          outcome: 'started',
          workflowId,
          resetId: joined,
          result: () => callTemporal(() => running.result()),
        },
      };
    }
  }
}

/** The outcome heard in this process, or Temporal's answer once the grace period is over, whichever is first. */
async function firstOf(
  local: Promise<PasswordResetResult>,
  remote: () => Promise<PasswordResetResult>,
): Promise<PasswordResetResult> {
  let timer: NodeJS.Timeout | undefined;
  const asked = new Promise<PasswordResetResult>((resolve, reject) => {
    timer = setTimeout(() => remote().then(resolve, reject), LOCAL_OUTCOME_GRACE_MS);
  });
  try {
    return await Promise.race([local, asked]);
  } finally {
    clearTimeout(timer);
  }
}
