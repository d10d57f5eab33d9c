import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { open, seal } from '../../common/crypto/aes-gcm';
import {
  legacyClientGeneration,
  type ClientKeyGeneration,
  type ClientKeySource,
} from '../../common/crypto/client-keys';
import { deriveKey } from '../../common/crypto/keys';
import type { Database } from './connect';

/** Why a generation was started; stored with it and shown in the audit log. */
export type KeyGenerationReason = 'first-use' | 'agent-revoked' | 'rotate-keys';

interface GenerationRow {
  client_id: string;
  generation: number;
  secret_wrapped: string;
  reason: KeyGenerationReason;
  created_at: Date;
}

export interface StoredGeneration extends ClientKeyGeneration {
  reason: KeyGenerationReason;
  createdAt: Date;
}

/**
 * How long this process keeps using the current generation it last read. A rotation through this process takes
 * effect at once (it drops the entry); one made by another replica reaches this one within this time, so new
 * work may be sealed with the superseded generation for at most these few seconds.
 */
export const CURRENT_GENERATION_TTL_MS = 5_000;
/** After a rotation, agents are still sent the previous generation this long, so work in flight finishes. */
export const PREVIOUS_GENERATION_GRACE_MS = 3_600_000;
const MAX_CACHED = 10_000;

const aadOf = (clientId: string, generation: number) => Buffer.from(`client-key:${clientId}:${generation}`, 'utf8');

/**
 * The DB-backed ClientKeySource: each client's generations, the secrets wrapped under a master-derived key.
 * Generations never change once written, so any generation read is cached for the life of the process; only
 * "which one is current" expires (CURRENT_GENERATION_TTL_MS).
 */
export class ClientKeysStore implements ClientKeySource {
  private readonly wrapKey: Buffer;
  private readonly generations = new Map<string, ClientKeyGeneration>();
  private readonly currents = new Map<string, { generation: ClientKeyGeneration; readAt: number }>();
  private readonly reading = new Map<string, Promise<ClientKeyGeneration>>();
  /** Bumped by every rotation here, so that a read which started before it cannot cache what it replaced. */
  private readonly epochs = new Map<string, number>();

  constructor(
    private readonly db: Database,
    private readonly masterKey: Buffer,
    private readonly now: () => number = Date.now,
  ) {
    this.wrapKey = deriveKey(masterKey, 'client-key-wrap');
  }

  async current(clientId: string): Promise<ClientKeyGeneration> {
    const cached = this.currents.get(clientId);
    if (cached && this.now() - cached.readAt < CURRENT_GENERATION_TTL_MS) return cached.generation;
    // One read per client at a time: a burst of resets for one client costs one query, not one each.
    let pending = this.reading.get(clientId);
    if (!pending) {
      const read = this.readCurrent(clientId).finally(() => {
        if (this.reading.get(clientId) === read) this.reading.delete(clientId);
      });
      pending = read;
      this.reading.set(clientId, read);
    }
    // While the database does not answer this process, the generation it last read stays current (a rotation made
    // meanwhile reaches it once the database answers again): a worker that could not seal would fail tasks it can
    // otherwise finish.
    return cached ? pending.catch(() => cached.generation) : pending;
  }

  async get(clientId: string, generation: number): Promise<ClientKeyGeneration | undefined> {
    if (!Number.isSafeInteger(generation) || generation < 0) return undefined;
    const cacheKey = `${clientId}.${generation}`;
    const cached = this.generations.get(cacheKey);
    if (cached) return cached;
    if (generation === 0) return this.remember(legacyClientGeneration(this.masterKey, clientId));
    const row: GenerationRow | undefined = await this.db('client_key_generations')
      .where({ client_id: clientId, generation })
      .first();
    return row && this.remember(this.unwrap(row));
  }

  /**
   * Starts a new generation and returns it. Inside a caller's transaction (`within`), the cache is dropped when
   * that transaction ends, so a rolled-back rotation is never used to seal anything.
   */
  async rotate(clientId: string, reason: KeyGenerationReason, within?: Knex.Transaction): Promise<StoredGeneration> {
    const created = await this.insertNext(clientId, reason, within ?? this.db);
    if (within) void within.executionPromise.finally(() => this.forgetCurrent(clientId)).catch(() => undefined);
    this.forgetCurrent(clientId);
    return created;
  }

  /**
   * What an agent of this client is given, read fresh from the database: the current generation, and the one
   * before it while the rotation is recent (resets sealed just before it still need it). Never generation 0.
   */
  async forAgent(clientId: string): Promise<StoredGeneration[]> {
    await this.current(clientId);
    const rows: GenerationRow[] = await this.db('client_key_generations')
      .where({ client_id: clientId })
      .orderBy('generation', 'desc')
      .limit(2);
    const [current, previous] = rows.map((row) => this.unwrap(row));
    if (!current) throw new Error(`client ${clientId} has no key generation`);
    const recent = previous && this.now() - current.createdAt.getTime() < PREVIOUS_GENERATION_GRACE_MS;
    return recent ? [current, previous] : [current];
  }

  private forgetCurrent(clientId: string): void {
    this.epochs.set(clientId, (this.epochs.get(clientId) ?? 0) + 1);
    this.currents.delete(clientId);
    this.reading.delete(clientId);
  }

  private async readCurrent(clientId: string): Promise<ClientKeyGeneration> {
    const epoch = this.epochs.get(clientId) ?? 0;
    let row = await this.newestRow(clientId);
    if (!row) {
      // Generation 1 is created on first use. Replicas that race here insert the same primary key; the losers'
      // inserts do nothing and every one of them reads the winner's row.
      await this.insert(this.db, clientId, 1, 'first-use');
      row = await this.newestRow(clientId);
      if (!row) throw new Error(`could not create a key generation for client ${clientId}`);
    }
    const generation = this.remember(this.unwrap(row));
    if ((this.epochs.get(clientId) ?? 0) === epoch) this.currents.set(clientId, { generation, readAt: this.now() });
    return generation;
  }

  private newestRow(clientId: string, db: Database = this.db): Promise<GenerationRow | undefined> {
    return db('client_key_generations').where({ client_id: clientId }).orderBy('generation', 'desc').first();
  }

  private async insertNext(clientId: string, reason: KeyGenerationReason, db: Database): Promise<StoredGeneration> {
    // Two rotations at once compute the same next number; the primary key lets one win, and the other tries again.
    for (let attempt = 0; attempt < 5; attempt++) {
      const next = ((await this.newestRow(clientId, db))?.generation ?? 0) + 1;
      const row = await this.insert(db, clientId, next, reason);
      if (row) return this.unwrap(row);
    }
    throw new Error(`could not start a new key generation for client ${clientId}: too much contention`);
  }

  private async insert(
    db: Database,
    clientId: string,
    generation: number,
    reason: KeyGenerationReason,
  ): Promise<GenerationRow | undefined> {
    const secret = randomBytes(32);
    const wrapped = `v1.${seal(this.wrapKey, secret, aadOf(clientId, generation)).toString('base64url')}`;
    const [row] = await db('client_key_generations')
      .insert({ client_id: clientId, generation, secret_wrapped: wrapped, reason })
      .onConflict(['client_id', 'generation'])
      .ignore()
      .returning('*');
    return row as GenerationRow | undefined;
  }

  private unwrap(row: GenerationRow): StoredGeneration {
    const [version, body] = row.secret_wrapped.split('.');
    if (version !== 'v1' || !body) throw new Error('unsupported wrapped key format in client_key_generations');
    const secret = open(this.wrapKey, Buffer.from(body, 'base64url'), aadOf(row.client_id, row.generation));
    return {
      clientId: row.client_id,
      generation: row.generation,
      secret,
      reason: row.reason,
      createdAt: row.created_at,
    };
  }

  private remember<T extends ClientKeyGeneration>(generation: T): T {
    if (this.generations.size >= MAX_CACHED) this.generations.delete(this.generations.keys().next().value!);
    this.generations.set(`${generation.clientId}.${generation.generation}`, generation);
    return generation;
  }
}
