import type { ClientKeyGeneration, ClientKeySource } from '../crypto/client-keys';
import type { KeyRing } from '../crypto/keys';
import { clientIdOfWorkflowId } from '../domain/workflow-ids';
import { clientCodecKey, clientCodecKeyId, parseCodecKeyId } from './client-codec-keys';

interface SealingKey {
  keyId: string;
  key: Buffer;
}

/**
 * The keys one process may use, and for which workflows. The codec asks `sealingKey` which key seals a workflow's
 * payloads and `openingKey` for the key a payload names; `openingKey` answers undefined for a key that does not
 * exist here *or that this workflow may not use*, so a key that is valid somewhere is still refused elsewhere.
 */
export interface CodecKeys {
  sealingKey(workflowId: string): Promise<SealingKey>;
  openingKey(keyId: string, workflowId: string): Promise<Buffer | undefined>;
}

/** Why `keyId` may not open a payload of `workflowId`, or undefined when it may (whether or not it exists here). */
export function keyScopeProblem(keyId: string, workflowId: string): string | undefined {
  const name = parseCodecKeyId(keyId);
  if (!name) return `"${keyId}" is not a key id Latchkey issues`;
  const owner = clientIdOfWorkflowId(workflowId);
  if (name.kind === 'shared')
    return owner ? `a shared key may not open a payload of client ${owner}'s workflow ${workflowId}` : undefined;
  if (name.clientId !== owner)
    return `client ${name.clientId}'s key may not open a payload of ${owner ? `client ${owner}'s` : 'a central'} workflow ${workflowId}`;
  return undefined;
}

/** Only the shared keys, for every workflow that is no client's (the bare benchmark's, tests'). */
export function sharedCodecKeys(shared: KeyRing): CodecKeys {
  return {
    async sealingKey(workflowId) {
      if (clientIdOfWorkflowId(workflowId)) throw new Error(`no client key here for workflow ${workflowId}`);
      return { keyId: shared.currentKeyId, key: shared.get(shared.currentKeyId)! };
    },
    async openingKey(keyId, workflowId) {
      return keyScopeProblem(keyId, workflowId) ? undefined : shared.get(keyId);
    },
  };
}

/**
 * The central process's keys: the shared keys for central workflows (enrollment, maintenance), and for a
 * client's workflow (a password reset) the codec key of that client's current generation; any generation of
 * that client opens, so work sealed before a rotation still decrypts and replays.
 */
export function centralCodecKeys(shared: KeyRing, clients: ClientKeySource): CodecKeys {
  const sharedKeys = sharedCodecKeys(shared);
  // Promises, not keys: a history's payloads are opened all at once, and one read of an uncached generation
  // must serve them all. A miss or a failed read is forgotten, so a later call asks again.
  const codecKeys = new Map<string, Promise<Buffer | undefined>>();
  const keyOf = (keyId: string, load: () => Promise<ClientKeyGeneration | undefined>) => {
    let key = codecKeys.get(keyId);
    if (!key) {
      key = load().then((generation) => generation && clientCodecKey(generation));
      codecKeys.set(keyId, key);
      key.then(
        (found) => void (found || codecKeys.delete(keyId)),
        () => void codecKeys.delete(keyId),
      );
    }
    return key;
  };
  return {
    async sealingKey(workflowId) {
      const clientId = clientIdOfWorkflowId(workflowId);
      if (!clientId) return sharedKeys.sealingKey(workflowId);
      const current = await clients.current(clientId);
      const keyId = clientCodecKeyId(clientId, current.generation);
      return { keyId, key: (await keyOf(keyId, async () => current))! };
    },
    async openingKey(keyId, workflowId) {
      if (keyScopeProblem(keyId, workflowId)) return undefined;
      const name = parseCodecKeyId(keyId)!;
      if (name.kind === 'shared') return shared.get(keyId);
      return keyOf(keyId, () => clients.get(name.clientId, name.generation));
    },
  };
}

/** What an agent holds of its client's generations (agent/agent-keys.ts fetches them from Latchkey). */
export interface GenerationSecrets {
  /** The newest generation this agent holds, which seals what it returns. */
  newest(): { generation: number; secret: Buffer };
  /** A generation's secret; may ask Latchkey for one it has not seen yet. */
  get(generation: number): Promise<Buffer | undefined>;
}

/**
 * An agent's keys: only its own client's generations (never the legacy generation 0, never a shared key), and
 * only inside that client's workflows.
 */
export function agentCodecKeys(clientId: string, secrets: GenerationSecrets): CodecKeys {
  // A generation's secret never changes, so neither does its codec key; HKDF once per generation, not per payload.
  const derived = new Map<number, Buffer>();
  const codecKeyOf = (generation: number, secret: Buffer) => {
    let key = derived.get(generation);
    if (!key) derived.set(generation, (key = clientCodecKey({ clientId, generation, secret })));
    return key;
  };
  return {
    // Always its own newest key, even for a task forged from another workflow: the SDK must be able to report the
    // refusal (an encode that throws there would take the worker down), and the central worker opens a client's
    // key only inside that client's workflows, so the answer is useless anywhere else.
    async sealingKey() {
      const { generation, secret } = secrets.newest();
      return { keyId: clientCodecKeyId(clientId, generation), key: codecKeyOf(generation, secret) };
    },
    async openingKey(keyId, workflowId) {
      if (keyScopeProblem(keyId, workflowId)) return undefined;
      const name = parseCodecKeyId(keyId)!;
      if (name.kind !== 'client' || name.clientId !== clientId || name.generation === 0) return undefined;
      const secret = await secrets.get(name.generation);
      return secret && codecKeyOf(name.generation, secret);
    },
  };
}
