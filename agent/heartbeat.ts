/** How soon a failed heartbeat is tried again, however long the interval. */
export const HEARTBEAT_RETRY_MS = 5_000;

export interface Heartbeat {
  /** Settles once the first beat has landed or failed. */
  first: Promise<void>;
  stop(): void;
}

/**
 * Beats now and then every `intervalMs`; a beat that fails is tried again after `retryMs` until one lands. Latchkey
 * counts an agent offline after two missed intervals, so without the retry a central restart or a network blip of
 * a few seconds could leave the agent "offline", and its resets and unlocks refused, for up to a whole interval
 * more.
 */
export function startHeartbeat(
  beat: () => Promise<void>,
  intervalMs: number,
  onFailure: (error: unknown) => void,
  retryMs = Math.min(HEARTBEAT_RETRY_MS, intervalMs),
): Heartbeat {
  let retry: NodeJS.Timeout | undefined;
  let stopped = false;
  const attempt = (): Promise<void> =>
    beat().then(
      () => {
        clearTimeout(retry);
        retry = undefined;
      },
      (error: unknown) => {
        onFailure(error);
        if (stopped || retry) return;
        retry = setTimeout(() => {
          retry = undefined;
          if (!stopped) void attempt();
        }, retryMs);
        retry.unref();
      },
    );
  const first = attempt();
  const every = setInterval(() => void attempt(), intervalMs);
  every.unref();
  return {
    first,
    stop() {
      stopped = true;
      clearInterval(every);
      clearTimeout(retry);
    },
  };
}
