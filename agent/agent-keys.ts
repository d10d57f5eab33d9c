import type { GenerationSecrets } from '../common/temporal/codec-keys';
import { AgentTokenRejectedError, type AgentSettings } from './registration';

/** At most one settings fetch per this interval, however many unknown generations arrive. */
const KEY_REFRESH_INTERVAL_MS = 10_000;

type FetchSettings = () => Promise<AgentSettings>;

export interface AgentKeysOptions {
  warn?: (message: string) => void;
  refreshIntervalMs?: number;
  now?: () => number;
}

/**
 * The generations of its client's secret that this agent holds. `get(generation)` answers from memory; for a
 * generation newer than any it holds (the client's keys were rotated since it started) it fetches its settings
 * from Latchkey again, so a rotation needs no restart. The fetches are rate-limited: a flood of tasks naming
 * made-up generations costs one request per KEY_REFRESH_INTERVAL_MS. A revoked agent's token is refused, so it
 * learns nothing issued after its revocation.
 */
export class AgentKeys implements GenerationSecrets {
  private readonly secrets = new Map<number, Buffer>();
  private newestGeneration = 0;
  private lastFetchAt: number;
  private refreshing: Promise<void> | undefined;
  private rejected = false;
  private readonly warn: (message: string) => void;
  private readonly refreshIntervalMs: number;
  private readonly now: () => number;

  constructor(
    readonly clientId: string,
    initial: AgentSettings['clientKeys'],
    private readonly fetchSettings: FetchSettings,
    options: AgentKeysOptions = {},
  ) {
    this.warn = options.warn ?? (() => undefined);
    this.refreshIntervalMs = options.refreshIntervalMs ?? KEY_REFRESH_INTERVAL_MS;
    this.now = options.now ?? Date.now;
    this.lastFetchAt = this.now();
    this.take(initial);
  }

  /** The newest generation held: what this agent seals its results with. */
  newest(): { generation: number; secret: Buffer } {
    return { generation: this.newestGeneration, secret: this.secrets.get(this.newestGeneration)! };
  }

  /** A generation's secret, or undefined if Latchkey does not give this agent that generation. */
  async get(generation: number): Promise<Buffer | undefined> {
    if (!Number.isSafeInteger(generation) || generation < 1) return undefined;
    const held = this.secrets.get(generation);
    if (held || generation <= this.newestGeneration || this.rejected) return held;
    await this.refresh();
    return this.secrets.get(generation);
  }

  private refresh(): Promise<void> {
    this.refreshing ??= (async () => {
      const wait = this.lastFetchAt + this.refreshIntervalMs - this.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      this.lastFetchAt = this.now();
      try {
        const settings = await this.fetchSettings();
        if (settings.clientId !== this.clientId) throw new Error('Latchkey answered for another client');
        this.take(settings.clientKeys);
      } catch (error) {
        if (error instanceof AgentTokenRejectedError) this.rejected = true;
        this.warn(`Could not refresh the client keys: ${(error as Error).message}`);
      }
    })().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private take(keys: AgentSettings['clientKeys']): void {
    for (const { generation, secret } of keys.generations) {
      this.secrets.set(generation, Buffer.from(secret, 'base64'));
      this.newestGeneration = Math.max(this.newestGeneration, generation);
    }
  }
}
