import type { PasswordResetResult } from '../../common/domain/reset';

/** A request's wait for the outcome of the reset it started; `forget` ends the wait whatever happened. */
export interface ExpectedOutcome {
  outcome: Promise<PasswordResetResult>;
  forget(): void;
}

/**
 * How a reset ended, handed by the central step that ended it to the request waiting for it in this process.
 * With eager start the reset's workflow runs on this process's worker, so its last step knows the outcome here
 * before Temporal records it; hearing it here spares every reset a long poll on the workflow's result. Nothing
 * depends on hearing it: a waiter that never hears (the workflow moved to another worker) falls back to that poll.
 */
export class ResetOutcomes {
  private readonly waiting = new Map<string, (outcome: PasswordResetResult) => void>();

  expect(resetId: string): ExpectedOutcome {
    const outcome = new Promise<PasswordResetResult>((resolve) => this.waiting.set(resetId, resolve));
    return { outcome, forget: () => this.waiting.delete(resetId) };
  }

  settle(outcome: PasswordResetResult): void {
    const resolve = this.waiting.get(outcome.resetId);
    this.waiting.delete(outcome.resetId);
    resolve?.(outcome);
  }
}
