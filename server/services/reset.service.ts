import { randomUUID } from 'node:crypto';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { passwordResetWorkflow, type PasswordResetInput, type PasswordResetResult } from '../../workflows/password-reset.workflow';
import { makePasswordResetWorkflowId } from '../../workflows/workflow-ids';
import type { ResetChannel } from '../db/password-resets.store';
import { callTemporal } from '../http/temporal-errors';

export interface ResetServiceDeps {
  temporal: Client;
  taskQueue: string;
  agentTaskQueue: (clientId: string) => string;
  directoryTimeouts?: PasswordResetInput['directory'];
  eagerStart: boolean;
}

/**
 * Starts password resets. The workflow id is per user with USE_EXISTING, so a second RESET text or a technician
 * clicking twice joins the reset already running instead of setting a second password.
 */
export class ResetService {
  constructor(private readonly deps: ResetServiceDeps) {}

  async start(request: { userId: string; clientId: string; channel: ResetChannel; requestedBy: string }): Promise<WorkflowHandle<typeof passwordResetWorkflow>> {
    return callTemporal(() =>
      this.deps.temporal.workflow.start(passwordResetWorkflow, {
        taskQueue: this.deps.taskQueue,
        workflowId: makePasswordResetWorkflowId(request.clientId, request.userId),
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'ALLOW_DUPLICATE',
        // Honoured when this process also runs the worker (npm start, and the central worker in production).
        requestEagerStart: this.deps.eagerStart,
        args: [
          {
            resetId: randomUUID(),
            userId: request.userId,
            channel: request.channel,
            requestedBy: request.requestedBy,
            agentTaskQueue: this.deps.agentTaskQueue(request.clientId),
            directory: this.deps.directoryTimeouts,
          },
        ],
      }),
    );
  }

  /** Waits up to `waitMs` for the outcome; `undefined` means it is still running (the agent may be slow). */
  async startAndWait(request: Parameters<ResetService['start']>[0], waitMs: number): Promise<PasswordResetResult | undefined> {
    const handle = await this.start(request);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), waitMs);
    });
    try {
      return await Promise.race([callTemporal(() => handle.result()), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
