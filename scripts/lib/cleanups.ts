/** Clean-up steps run once, in reverse order, from the normal path, a failure, a watchdog or a signal alike. */
export class Cleanups {
  private readonly steps: Array<() => Promise<unknown>> = [];
  private running: Promise<void> | undefined;

  push(step: () => Promise<unknown>): void {
    this.steps.push(step);
  }

  run(): Promise<void> {
    return (this.running ??= (async () => {
      for (const step of this.steps.reverse())
        await step().catch((error: Error) => console.error(`[latchkey] cleanup step failed: ${error.message}`));
    })());
  }
}

/**
 * Runs the clean-ups on SIGINT/SIGTERM before exiting, so no dev server, Samba or test runner outlives the
 * command; a second signal exits at once. With `watchdogMs`, a run that hangs is stopped the same way.
 */
export function cleanUpOnExit(cleanups: Cleanups, options: { watchdogMs?: number; exitCode?: number } = {}): void {
  let signalled = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (signalled) process.exit(1);
      signalled = true;
      void cleanups.run().finally(() => process.exit(options.exitCode ?? 130));
    });
  }
  if (options.watchdogMs) {
    const watchdog = setTimeout(() => {
      console.error(`[latchkey] still running after ${options.watchdogMs! / 60_000} min; stopping`);
      void cleanups.run().finally(() => process.exit(1));
    }, options.watchdogMs);
    watchdog.unref();
  }
}
