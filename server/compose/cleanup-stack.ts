import { errorFields, type Logger } from '../../common/logger';

/**
 * What the builders opened, closed in reverse order: on a normal stop and after a failed start alike, so a
 * half-built process never keeps a connection, a port or a polling worker alive.
 */
export class CleanupStack {
  private readonly steps: Array<{ what: string; step: () => Promise<unknown> }> = [];
  private running: Promise<void> | undefined;

  constructor(private readonly logger: Logger) {}

  push(what: string, step: () => Promise<unknown>): void {
    this.steps.push({ what, step });
  }

  /** Runs once; later calls wait for the same run. A failing step is logged and the rest still run. */
  run(): Promise<void> {
    return (this.running ??= (async () => {
      for (const { what, step } of this.steps.reverse())
        await step().catch((error) => this.logger.warn(`Shutdown step failed: ${what}`, errorFields(error)));
    })());
  }
}
