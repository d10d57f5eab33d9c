import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { resolveClientPolicy } from '../../common/domain/client-policy';
import {
  LOCKOUT_SIGNALS,
  LOCKOUT_UNLOCK_UPDATE,
  type LockoutActor,
  type LockoutUnlockResult,
} from '../../common/domain/lockout-outcome';
import type { ResetChannel } from '../../common/domain/reset';
import { HOUR_MS } from '../../common/duration';
import { ConflictError, NotFoundError, RateLimitedError } from '../../common/errors';
import type { AgentRow } from '../db/agents.store';
import type { AuditStore } from '../db/audit.store';
import type { LockoutRow, LockoutsStore } from '../db/lockouts.store';
import type { RateLimitStore } from '../db/rate-limit.store';
import type { TenantsStore } from '../db/tenants.store';
import { DEFAULT_HEARTBEAT_INTERVAL_MS } from '../../common/domain/agent-health';
import { requireLiveAgent } from './agent-liveness';
import type { ResetService, ResetStart } from './reset.service';
import { callTemporal, toDomainError } from './temporal-calls';

export interface LockoutServiceDeps {
  temporal: Client;
  lockouts: LockoutsStore;
  agents: { list(clientId: string): Promise<AgentRow[]> };
  tenants: Pick<TenantsStore, 'userWithOrg'>;
  rateLimits: RateLimitStore;
  audit: Pick<AuditStore, 'recordForUser'>;
  resets: Pick<ResetService, 'start'>;
  /** The heartbeat interval agents are told; one that missed two is not live (common/domain/agent-health.ts). */
  agentHeartbeatIntervalMs?: number;
}

/** A lockout the caller may act on: refused unlocks say why, in words for the person who asked. */
export class ResetRecommendedError extends ConflictError {
  constructor() {
    super(
      'This account was locked several times in a short while: someone may be guessing its password. Reset the password instead.',
      { resetRecommended: true },
    );
  }
}

/**
 * The server's half of an unlock or a reset chosen for a lockout: it checks what can be answered at once (the
 * lockout is open and the caller's, the unlock budget, a live agent), then hands the verified request to the
 * lockout's workflow, which alone signs the agent's command. Callers have verified the person already: UV in the
 * app, the PIN policy by text, an API key for a technician.
 */
export class LockoutService {
  private readonly agentHeartbeatIntervalMs: number;

  constructor(private readonly deps: LockoutServiceDeps) {
    this.agentHeartbeatIntervalMs = deps.agentHeartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS;
  }

  /** The user's open lockouts for the app's "pending" list; fetching them acknowledges the push. */
  async pendingFor(userId: string): Promise<LockoutRow[]> {
    const open = await this.deps.lockouts.openOf(userId);
    if (!open) return [];
    await this.acknowledge(open);
    return [open];
  }

  /** A lockout of this user, by id; another user's is not found. Fetching it acknowledges the push. */
  async viewFor(userId: string, lockoutId: string): Promise<LockoutRow> {
    const row = /^[0-9a-f-]{36}$/.test(lockoutId) ? await this.deps.lockouts.find(lockoutId) : undefined;
    if (!row || row.user_id !== userId) throw new NotFoundError('Lockout');
    if (row.status === 'open') await this.acknowledge(row);
    return row;
  }

  /** The open lockout an unlock or reset acts on: the one named, or the user's newest. */
  async openLockout(userId: string, lockoutId?: string): Promise<LockoutRow> {
    const row = lockoutId ? await this.deps.lockouts.find(lockoutId) : await this.deps.lockouts.openOf(userId);
    if (!lockoutId && !row) throw new ConflictError('This account is not locked, as far as Latchkey knows.');
    if (!row || row.user_id !== userId) throw new NotFoundError('Lockout');
    if (row.status !== 'open') throw new ConflictError('This account is not locked any more.');
    return row;
  }

  /** Throws AgentOfflineError when none of the client's agents has been heard from lately. */
  requireLiveAgent(clientId: string): Promise<void> {
    return requireLiveAgent(this.deps.agents, clientId, this.agentHeartbeatIntervalMs);
  }

  async unlock(request: {
    userId: string;
    lockoutId?: string;
    by: LockoutActor;
  }): Promise<LockoutUnlockResult & { lockoutId: string }> {
    const row = await this.openLockout(request.userId, request.lockoutId);
    const refused = (reason: string) =>
      this.deps.audit.recordForUser({
        userId: row.user_id,
        actor: request.by.actor,
        action: 'lockout.unlock_refused',
        detail: { lockoutId: row.id, reason },
      });
    if (row.reset_recommended) {
      await refused('reset_recommended');
      throw new ResetRecommendedError();
    }
    try {
      await this.requireLiveAgent(row.client_id);
    } catch (error) {
      await refused('agent_offline');
      throw error;
    }
    const found = await this.deps.tenants.userWithOrg(row.user_id);
    const policy = resolveClientPolicy(found?.clientSettings);
    const verdict = await this.deps.rateLimits.hit(`unlock-user:${row.user_id}`, policy.unlocksPerHour, HOUR_MS);
    if (!verdict.allowed) {
      await refused('rate_limited');
      throw new RateLimitedError(
        'Too many unlocks were asked for this account. Reset the password instead, or try again later.',
        verdict.retryAfterSeconds,
      );
    }
    await this.deps.audit.recordForUser({
      userId: row.user_id,
      actor: request.by.actor,
      action: 'lockout.unlock_requested',
      detail: { lockoutId: row.id, channel: request.by.channel },
    });
    const handle = this.deps.temporal.workflow.getHandle(row.workflow_id);
    try {
      const result = await handle.executeUpdate<LockoutUnlockResult, [LockoutActor]>(LOCKOUT_UNLOCK_UPDATE, {
        args: [request.by],
      });
      return { ...result, lockoutId: row.id };
    } catch (error) {
      // The workflow ended between the read and the update (expired, cleared): not locked any more.
      if (error instanceof WorkflowNotFoundError) throw new ConflictError('This account is not locked any more.');
      if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure) {
        throw new ConflictError(error.cause.message);
      }
      throw toDomainError(error);
    }
  }

  /**
   * A reset chosen from the lockout: the ordinary reset (sealed to the device when asked from the app), and the
   * lockout's workflow told that a reset, which unlocks too, is how this lockout ends.
   */
  async chooseReset(request: {
    userId: string;
    clientId: string;
    lockoutId?: string;
    by: LockoutActor;
    channel: ResetChannel;
  }): Promise<ResetStart> {
    const row = await this.openLockout(request.userId, request.lockoutId);
    await this.requireLiveAgent(row.client_id);
    const started = await this.deps.resets.start({
      userId: request.userId,
      clientId: request.clientId,
      channel: request.channel,
      requestedBy: request.by.actor,
    });
    if (started.outcome === 'started') {
      await this.deps.audit.recordForUser({
        userId: row.user_id,
        actor: request.by.actor,
        action: 'lockout.reset_chosen',
        detail: { lockoutId: row.id, resetId: started.resetId },
      });
      await callTemporal(() =>
        this.deps.temporal.workflow
          .getHandle(row.workflow_id)
          .signal(LOCKOUT_SIGNALS.resetChosen, { ...request.by, resetId: started.resetId }),
      ).catch(() => undefined);
    }
    return started;
  }

  /**
   * A reset asked for outside the lockout screen (RESET by text, Reset Password on the app's home) while a lockout
   * is open: the reset unlocks too, so the lockout ends as a reset. Best effort; the watch's report of the lock's
   * end would close it otherwise.
   */
  async noteReset(userId: string, by: LockoutActor, resetId: string): Promise<void> {
    const row = await this.deps.lockouts.openOf(userId);
    if (!row) return;
    await this.deps.audit.recordForUser({
      userId,
      actor: by.actor,
      action: 'lockout.reset_chosen',
      detail: { lockoutId: row.id, resetId },
    });
    await this.deps.temporal.workflow
      .getHandle(row.workflow_id)
      .signal(LOCKOUT_SIGNALS.resetChosen, { ...by, resetId })
      .catch(() => undefined);
  }

  private async acknowledge(row: LockoutRow): Promise<void> {
    if (row.acknowledged_at || !(await this.deps.lockouts.acknowledge(row.id))) return;
    await this.deps.temporal.workflow
      .getHandle(row.workflow_id)
      .signal(LOCKOUT_SIGNALS.acknowledged)
      .catch(() => undefined);
  }
}
