import { hkdfSync, randomBytes } from 'node:crypto';
import { deriveKey } from './keys';

/**
 * One generation of a client's secret. Everything that client's agents hold is derived from it, so revoking an
 * agent means starting a new generation: the revoked agent keeps the old secret, and the old secret opens
 * nothing issued afterwards.
 */
export interface ClientKeyGeneration {
  clientId: string;
  generation: number;
  secret: Buffer;
}

/**
 * What each subkey of a generation is for. They are separate so that holding one grants nothing else: the /codec
 * endpoint can open a client's payloads with the codec subkey, yet cannot derive a reset password or forge an
 * agent's result.
 */
export type ClientSubkeyPurpose = 'codec' | 'agent-result' | 'reset-password';

export function clientSubkey(secret: Buffer, purpose: ClientSubkeyPurpose): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), `latchkey-client:${purpose}`, 32));
}

/** Where central code finds a client's generations. */
export interface ClientKeySource {
  /** The newest generation, which all new work uses. */
  current(clientId: string): Promise<ClientKeyGeneration>;
  /** Any generation, for work issued before a rotation; undefined for one that does not exist. */
  get(clientId: string, generation: number): Promise<ClientKeyGeneration | undefined>;
}

/**
 * Generation 0: the secret every client had before generations existed, derived from the master key. It is never
 * current; it is kept so that histories sealed with it still decrypt and replay.
 */
export function legacyClientGeneration(masterKey: Buffer, clientId: string): ClientKeyGeneration {
  return { clientId, generation: 0, secret: deriveKey(masterKey, `codec-client:${clientId}`) };
}

/**
 * A ClientKeySource held in memory, for what has no database: the replay test (whose recorded histories were
 * sealed with generation 0, or with generations the recording saved beside them) and unit tests. Generation 1 is
 * random and made on first use, unless given; `rotate` adds one.
 */
export class MemoryClientKeySource implements ClientKeySource {
  private readonly generations = new Map<string, ClientKeyGeneration[]>();

  /** `known`: generations to hold from the start, such as those a recorded history was sealed with. */
  constructor(
    private readonly masterKey: Buffer,
    known: readonly ClientKeyGeneration[] = [],
  ) {
    for (const generation of [...known].sort((a, b) => a.generation - b.generation)) {
      this.generations.set(generation.clientId, [...(this.generations.get(generation.clientId) ?? []), generation]);
    }
  }

  async current(clientId: string): Promise<ClientKeyGeneration> {
    return this.list(clientId).at(-1)!;
  }

  async get(clientId: string, generation: number): Promise<ClientKeyGeneration | undefined> {
    if (generation === 0) return legacyClientGeneration(this.masterKey, clientId);
    return this.list(clientId).find((candidate) => candidate.generation === generation);
  }

  rotate(clientId: string): ClientKeyGeneration {
    const list = this.list(clientId);
    const next = { clientId, generation: list.length + 1, secret: randomBytes(32) };
    list.push(next);
    return next;
  }

  private list(clientId: string): ClientKeyGeneration[] {
    let list = this.generations.get(clientId);
    if (!list) {
      list = [{ clientId, generation: 1, secret: randomBytes(32) }];
      this.generations.set(clientId, list);
    }
    return list;
  }
}
