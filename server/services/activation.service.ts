import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import type { EnrollmentPolicy } from '../config';
import { HOUR_MS } from '../../common/duration';
import { ConflictError, NotFoundError, RateLimitedError } from '../../common/errors';
import { enrollmentWorkflow } from '../../workflows/enrollment/enrollment.workflow';
import { cancelEnrollmentSignal, resendActivationUpdate } from '../../workflows/enrollment/enrollment.messages';
import { makeEnrollmentWorkflowId } from '../../common/domain/workflow-ids';
import type { AuditStore } from '../db/audit.store';
import type { EnrollmentsStore } from '../db/enrollments.store';
import type { RateLimitStore } from '../db/rate-limit.store';
import { ENROLLED_STATUSES, ENROLLING_STATUSES, type ActivationOutcome } from '../../common/domain/statuses';
import type { Scope } from '../db/scope';
import type { UserRow, UsersStore } from '../db/users.store';
import { callTemporal } from './temporal-calls';
import { mapLimit } from './map-limit';

export interface ActivationResult {
  userId: string;
  outcome: ActivationOutcome;
}

export interface ActivationServiceDeps {
  temporal: Client;
  taskQueue: string;
  policy: EnrollmentPolicy;
  users: UsersStore;
  enrollments: EnrollmentsStore;
  audit: AuditStore;
  rateLimits: RateLimitStore;
  /** Resent activation emails allowed per user in an hour: each one is an email Latchkey sends on a request. */
  resendsPerUserPerHour: number;
}

const RESTARTABLE = ['inactive', 'expired', 'deactivated'] as const;
/** How long an activation waits for a cancelled run to close before it gives up and attaches to it. */
const CLOSING_WAIT_MS = 10_000;

/**
 * Starting, resending and stopping enrollments. Activation is idempotent twice over: the workflow id is derived
 * from the user id, so a second call finds the running workflow and leaves it be instead of sending another
 * email, and the status transition decides which caller records "activated" in the audit log.
 */
export class ActivationService {
  constructor(private readonly deps: ActivationServiceDeps) {}

  async activateMany(scope: Scope, clientId: string, userIds: string[], actor: string): Promise<ActivationResult[]> {
    const found = new Map((await this.deps.users.getMany(scope, clientId, userIds)).map((user) => [user.id, user]));
    return mapLimit([...new Set(userIds)], 16, async (userId) => {
      const user = found.get(userId);
      if (!user) return { userId, outcome: 'not_found' as const };
      return { userId, outcome: await this.activate(scope, user, actor) };
    });
  }

  async activateOne(scope: Scope, clientId: string, userId: string, actor: string): Promise<ActivationResult> {
    const user = await this.deps.users.get(scope, clientId, userId);
    if (!user) throw new NotFoundError('User');
    return { userId, outcome: await this.activate(scope, user, actor) };
  }

  private async activate(scope: Scope, user: UserRow, actor: string): Promise<ActivationOutcome> {
    if (ENROLLED_STATUSES.includes(user.status)) return 'already_enrolled';
    // The enrollment row comes first, from here: the workflow's activities act on no enrollment that this API
    // did not create. If the start fails, or a workflow is already running (so this call attaches to it, sending
    // no second email), the row goes again and nothing in the database has changed.
    const ref = { enrollmentId: randomUUID(), userId: user.id, workflowId: makeEnrollmentWorkflowId(user.id) };
    await this.deps.enrollments.create(ref);
    const start = () =>
      callTemporal(() =>
        this.deps.temporal.workflow.start(enrollmentWorkflow, {
          taskQueue: this.deps.taskQueue,
          workflowId: ref.workflowId,
          workflowIdConflictPolicy: 'FAIL',
          workflowIdReusePolicy: 'ALLOW_DUPLICATE',
          args: [{ enrollmentId: ref.enrollmentId, userId: user.id, timings: this.deps.policy }],
        }),
      );
    try {
      try {
        await start();
      } catch (error) {
        // With no other enrollment open, the run that holds the id is one that a deactivation or an expiry is
        // closing: starting over right after a deactivation waits for it instead of attaching to it (I8). An
        // open one belongs to a concurrent activation, which this call joins.
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
        if (await this.deps.enrollments.hasOpenBesides(user.id, ref.enrollmentId)) throw error;
        await this.closing(ref.workflowId);
        await start();
      }
    } catch (error) {
      await this.deps.enrollments.discard(ref.enrollmentId);
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    }
    const moved = await this.deps.users.transition(user.id, RESTARTABLE, 'invited');
    if (!moved) return 'already_activated';
    await this.deps.audit.record({
      mspId: scope.mspId,
      clientId: user.client_id,
      userId: user.id,
      actor,
      action: 'user.activated',
    });
    return 'activated';
  }

  /** Waits, a few seconds at most, for the user's current run to close. */
  private async closing(workflowId: string): Promise<void> {
    const closed = this.deps.temporal.workflow
      .getHandle(workflowId)
      .result()
      .catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([closed, new Promise((resolve) => (timer = setTimeout(resolve, CLOSING_WAIT_MS)))]);
    clearTimeout(timer);
  }

  async resend(scope: Scope, clientId: string, userId: string, actor: string): Promise<ActivationResult> {
    const user = await this.deps.users.get(scope, clientId, userId);
    if (!user) throw new NotFoundError('User');
    if (ENROLLED_STATUSES.includes(user.status))
      throw new ConflictError('The user is already enrolled; there is nothing to resend');
    if (user.status !== 'invited') {
      if (ENROLLING_STATUSES.includes(user.status)) {
        throw new ConflictError('The user has already opened the activation link and is part-way through enrolling');
      }
      await this.countResend(scope, user, actor);
      return { userId, outcome: await this.activate(scope, user, actor) };
    }
    await this.countResend(scope, user, actor);
    const handle = this.deps.temporal.workflow.getHandle(makeEnrollmentWorkflowId(user.id));
    await callTemporal(() => handle.executeUpdate(resendActivationUpdate));
    await this.deps.audit.record({
      mspId: scope.mspId,
      clientId: user.client_id,
      userId: user.id,
      actor,
      action: 'user.activation_resent',
    });
    return { userId, outcome: 'activated' };
  }

  /** Every resend that would send an email counts, refused ones included, so hammering does not shorten the wait. */
  private async countResend(scope: Scope, user: UserRow, actor: string): Promise<void> {
    const limit = this.deps.resendsPerUserPerHour;
    const verdict = await this.deps.rateLimits.hit(`activation-resend:${user.id}`, limit, HOUR_MS);
    if (verdict.allowed) return;
    await this.deps.audit.record({
      mspId: scope.mspId,
      clientId: user.client_id,
      userId: user.id,
      actor,
      action: 'rate_limit.exceeded',
      detail: { limit: 'activation_resends_per_user_per_hour' },
    });
    const minutes = Math.ceil(verdict.retryAfterSeconds / 60);
    throw new RateLimitedError(
      `This user's activation email was resent ${limit} times in the last hour; try again in ${minutes} minute(s)`,
      verdict.retryAfterSeconds,
    );
  }

  async deactivate(scope: Scope, clientId: string, userId: string, actor: string): Promise<void> {
    const user = await this.deps.users.get(scope, clientId, userId);
    if (!user) throw new NotFoundError('User');
    if (ENROLLING_STATUSES.includes(user.status)) {
      await callTemporal(async () => {
        try {
          await this.deps.temporal.workflow.getHandle(makeEnrollmentWorkflowId(user.id)).signal(cancelEnrollmentSignal);
        } catch (error) {
          if (!(error instanceof WorkflowNotFoundError)) throw error;
        }
      });
    }
    await this.deps.users.deactivate(user.id);
    await this.deps.audit.record({
      mspId: scope.mspId,
      clientId: user.client_id,
      userId: user.id,
      actor,
      action: 'user.deactivated',
    });
  }
}
