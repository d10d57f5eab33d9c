import {
  METADATA_ENCODING_KEY,
  type Payload,
  type PayloadCodec,
  type SerializationContext,
  ValueError,
} from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { open, seal } from '../crypto/aes-gcm';
import { clientIdOfWorkflowId, payloadBindingIdOfWorkflowId } from '../domain/workflow-ids';
import { keyScopeProblem, type CodecKeys } from './codec-keys';

const ENCODING = 'binary/encrypted';
const KEY_ID = 'encryption-key-id';
/** Present on every payload sealed with additional data; its value names the AAD format. */
const BINDING = 'encryption-binding';
const BINDING_V1 = 'namespace+workflow-id/1';
/**
 * The SDK encodes a few payloads with no context at all: the failure of a workflow activation (which becomes a
 * WorkflowTaskFailed event) and of an external-storage upload. No workflow code ever reads those back, so they
 * are sealed with the shared key under this binding, which no worker accepts and only /codec displays.
 */
const BINDING_NONE = 'no-workflow/1';
/**
 * A Nexus operation's result or failure, as the agent's handler seals it: the SDK gives a Nexus handler no
 * serialization context, so the agent binds it to the caller's namespace and the endpoint it serves, which the
 * caller's workflow checks against the endpoint of the client its own id names (docs/temporal-codec.md).
 */
const BINDING_NEXUS = 'nexus-endpoint/1';
const NAMESPACE = 'encryption-namespace';
const WORKFLOW_ID = 'encryption-workflow-id';
const ENDPOINT = 'encryption-nexus-endpoint';
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The namespace and workflow id a payload is bound to. */
interface PayloadBinding {
  namespace: string;
  workflowId: string;
}

/** A Nexus handler's payload: the caller's namespace and the endpoint through which it called. */
interface NexusBinding {
  namespace: string;
  endpoint: string;
}

/**
 * What a payload handed over with `context` must be bound to. Workflow and activity payloads alike belong to a
 * workflow (an activity's input and result are bound to the workflow that scheduled it). Without a workflow id
 * the codec cannot tell which keys are allowed or which AAD to expect, so it refuses: the SDK passes a context on
 * every path Latchkey uses (see docs/temporal-codec.md), and a path that lost it must not fall back to "any key".
 */
function bindingOf(context: SerializationContext | undefined): PayloadBinding | undefined {
  if (!context?.workflowId || !context.namespace) return undefined;
  return { namespace: context.namespace, workflowId: payloadBindingIdOfWorkflowId(context.workflowId) };
}

// Length-prefixed by JSON, so no namespace or workflow id can be chosen to collide with another pair.
const aadOf = (binding: PayloadBinding) =>
  Buffer.from(JSON.stringify([BINDING_V1, binding.namespace, binding.workflowId]), 'utf8');

const NO_WORKFLOW_AAD = Buffer.from(JSON.stringify([BINDING_NONE]), 'utf8');

const nexusAadOf = (binding: NexusBinding) =>
  Buffer.from(JSON.stringify([BINDING_NEXUS, binding.namespace, binding.endpoint]), 'utf8');

/** A key-scope id for a client's payloads that belong to no one workflow (its Nexus results). */
const clientScopeOf = (clientId: string) => `password-reset-${clientId}-`;

const text = (payload: Payload, key: string) => {
  const bytes = payload.metadata?.[key];
  return bytes ? decoder.decode(bytes) : undefined;
};

/** What a payload claims it was sealed for, as its metadata names it; true only once the payload opened (AAD). */
export type PayloadSealedFor =
  | { binding: 'workflow'; namespace: string; workflowId: string }
  | { binding: 'nexus-endpoint'; namespace: string; endpoint: string }
  | { binding: 'no-workflow' }
  | { binding: 'unbound' };

/**
 * For the /codec endpoint's audit: which workflow (or Nexus endpoint) a payload it opened belongs to, read from
 * the binding metadata that opening it proved. Nothing of the payload's contents.
 */
export function sealedForOf(payload: Payload): PayloadSealedFor {
  const binding = text(payload, BINDING);
  const namespace = text(payload, NAMESPACE) ?? '';
  if (binding === undefined) return { binding: 'unbound' };
  if (binding === BINDING_NEXUS)
    return { binding: 'nexus-endpoint', namespace, endpoint: text(payload, ENDPOINT) ?? '' };
  if (binding === BINDING_V1) return { binding: 'workflow', namespace, workflowId: text(payload, WORKFLOW_ID) ?? '' };
  return { binding: 'no-workflow' };
}

const REFUSED = 'refused-by-latchkey-codec';

/**
 * What decode hands on in place of a payload it will not open. Its encoding carries the reason, because the one
 * message the SDK's payload converter gives for it is "Unknown encoding: <encoding>", and that message is what
 * shows up in the failed task or the rejected update.
 */
function refusedPayload(reason: string): Payload {
  return { metadata: { [METADATA_ENCODING_KEY]: encoder.encode(`${REFUSED}: ${reason}`) }, data: new Uint8Array() };
}

/** The reason a payload was refused, or undefined if it is an ordinary (decoded) payload. */
export function refusalOf(payload: Payload): string | undefined {
  const encoding = text(payload, METADATA_ENCODING_KEY);
  return encoding?.startsWith(`${REFUSED}: `) ? encoding.slice(REFUSED.length + 2) : undefined;
}

export interface EncryptionCodecOptions {
  /**
   * Until this time (ms since the epoch), payloads sealed before AAD binding existed (no binding metadata) are
   * still opened, so workflows running at the upgrade finish and replay. 0, the default, refuses them: agents
   * and new installations never accept one. The central process sets it from its upgrade time (server/compose).
   */
  acceptUnboundUntilMs?: number;
  now?: () => number;
  /**
   * The caller's side (the central process): which Nexus endpoint each client's agents answer through. A client's
   * workflow accepts a payload bound to that endpoint (its operation's result or failure), sealed with that
   * client's key; without this option no workflow accepts one.
   */
  nexusCaller?: { endpointOf(clientId: string): string; clientOfEndpoint(endpoint: string): string | undefined };
  /**
   * The handler's side (an agent): the SDK passes no context for a Nexus operation's payloads. Then decode accepts
   * only a payload sealed for a workflow in `namespace`, the caller's (and the keys decide whose: the agent's own
   * client's only), and encode binds what it seals to `namespace` and `endpoint`.
   */
  nexusHandler?: NexusBinding;
}

/**
 * Encrypts every payload (workflow inputs, results, update arguments, failure messages) before it reaches the
 * Temporal server, and refuses on decode anything it did not seal for the same workflow (see decode for how a
 * refusal reaches the SDK):
 *  - a payload that is not `binary/encrypted` (plaintext from the CLI or a rogue worker) is refused, never passed
 *    through, so nothing acts on it;
 *  - a key is used only where it belongs: a client's keys only in that client's workflows, the shared keys only
 *    in central ones (CodecKeys);
 *  - AES-GCM additional data binds the ciphertext to the namespace and workflow id, which the payload also
 *    names in its metadata (for the /codec endpoint, which is told no workflow id); a payload cut from one
 *    workflow and pasted into another does not open.
 */
export class EncryptionCodec implements PayloadCodec {
  private readonly acceptUnboundUntilMs: number;
  private readonly now: () => number;
  private readonly nexusCaller: EncryptionCodecOptions['nexusCaller'];
  private readonly nexusHandler: NexusBinding | undefined;

  constructor(
    private readonly keys: CodecKeys,
    options: EncryptionCodecOptions = {},
  ) {
    this.acceptUnboundUntilMs = options.acceptUnboundUntilMs ?? 0;
    this.now = options.now ?? Date.now;
    this.nexusCaller = options.nexusCaller;
    this.nexusHandler = options.nexusHandler;
  }

  async encode(payloads: Payload[], context?: SerializationContext): Promise<Payload[]> {
    if (payloads.length === 0) return payloads;
    const binding = bindingOf(context);
    const nexus = binding ? undefined : this.nexusHandler;
    const { keyId, key } = await this.keys.sealingKey(binding?.workflowId ?? '');
    const aad = binding ? aadOf(binding) : nexus ? nexusAadOf(nexus) : NO_WORKFLOW_AAD;
    const bindingMetadata: Record<string, Uint8Array> = binding
      ? {
          [BINDING]: encoder.encode(BINDING_V1),
          [NAMESPACE]: encoder.encode(binding.namespace),
          [WORKFLOW_ID]: encoder.encode(binding.workflowId),
        }
      : nexus
        ? {
            [BINDING]: encoder.encode(BINDING_NEXUS),
            [NAMESPACE]: encoder.encode(nexus.namespace),
            [ENDPOINT]: encoder.encode(nexus.endpoint),
          }
        : { [BINDING]: encoder.encode(BINDING_NONE) };
    return payloads.map((payload): Payload => ({
      metadata: {
        [METADATA_ENCODING_KEY]: encoder.encode(ENCODING),
        [KEY_ID]: encoder.encode(keyId),
        ...bindingMetadata,
      },
      data: seal(key, Buffer.from(temporal.api.common.v1.Payload.encode(payload).finish()), aad),
    }));
  }

  /**
   * For workers and clients: only payloads sealed for the workflow that `context` names. A payload it refuses is
   * not an exception here but a *refused payload* (see refusedPayload), which no payload converter reads: turning
   * it into a value throws a ValueError that names the reason. That is where the SDK copes best: an update whose
   * argument is refused is rejected before it is accepted, and the workflow goes on serving its user; thrown from
   * the codec, the same refusal would fail every workflow task while the update is pending, and so block the
   * enrollment for as long as the attacker keeps sending. A start input, signal argument or activity result that is
   * refused fails the workflow task, as a thrown error would. Either way the original bytes never reach code.
   * Errors other than a refusal (the key store is unreachable) still throw, so the task is retried.
   */
  async decode(payloads: Payload[], context?: SerializationContext): Promise<Payload[]> {
    if (payloads.length === 0) return payloads;
    const expected = bindingOf(context);
    return Promise.all(
      payloads.map(async (payload) => {
        try {
          if (!expected) return await this.openForNexusHandler(payload);
          const bound = this.boundTo(payload);
          if (bound === 'none') throw new ValueError('Refusing a payload that was sealed for no workflow');
          if (bound && 'endpoint' in bound) return await this.openNexusResult(payload, bound, expected);
          if (bound && (bound.namespace !== expected.namespace || bound.workflowId !== expected.workflowId))
            throw new ValueError(
              `Refusing a payload sealed for workflow ${bound.workflowId} in namespace ${bound.namespace} ` +
                `inside workflow ${expected.workflowId} in namespace ${expected.namespace}`,
            );
          return await this.open(payload, expected);
        } catch (error) {
          if (error instanceof ValueError) return refusedPayload(error.message);
          throw error;
        }
      }),
    );
  }

  /**
   * For the /codec endpoint, which the Web UI tells only the namespace: the workflow comes from the payload's
   * own metadata, and the AAD makes that claim true or the payload fails to open. A payload sealed before
   * binding existed names no workflow, so only the shared keys may open it here (never a client's key: such old
   * payloads may hold a reset password).
   */
  async decodeForDisplay(payloads: Payload[], namespace: string): Promise<Payload[]> {
    return Promise.all(
      payloads.map((payload) => {
        const bound = this.boundTo(payload);
        if (bound === 'none') return this.open(payload, 'none');
        if (bound && bound.namespace !== namespace)
          throw new ValueError(`Refusing a payload of namespace ${bound.namespace} in namespace ${namespace}`);
        if (bound && 'endpoint' in bound) {
          const clientId = this.nexusCaller?.clientOfEndpoint(bound.endpoint);
          if (!clientId) throw new ValueError(`Refusing a payload of Nexus endpoint ${bound.endpoint}`);
          return this.open(payload, { namespace, workflowId: clientScopeOf(clientId) }, nexusAadOf(bound));
        }
        return this.open(payload, bound ?? { namespace, workflowId: '' });
      }),
    );
  }

  /**
   * A Nexus handler (the agent) decodes without context: only a payload sealed for a workflow of the caller's
   * namespace, opened as that workflow's, so only with a key that workflow may use (the agent holds its own
   * client's keys only). Anywhere else, a payload without context is refused as before.
   */
  private async openForNexusHandler(payload: Payload): Promise<Payload> {
    const handler = this.nexusHandler;
    if (!handler) throw new ValueError('Refusing to decrypt a payload without a workflow context');
    const bound = this.boundTo(payload);
    if (!bound || bound === 'none' || 'endpoint' in bound || bound.namespace !== handler.namespace)
      throw new ValueError(
        `Refusing a Nexus operation payload that was not sealed for a workflow of ${handler.namespace}`,
      );
    return this.open(payload, bound);
  }

  /** A Nexus operation's result in the caller's workflow: from the endpoint of the client this workflow is for. */
  private async openNexusResult(payload: Payload, bound: NexusBinding, expected: PayloadBinding): Promise<Payload> {
    const clientId = clientIdOfWorkflowId(expected.workflowId);
    const endpoint = clientId && this.nexusCaller?.endpointOf(clientId);
    if (!endpoint || bound.endpoint !== endpoint || bound.namespace !== expected.namespace)
      throw new ValueError(
        `Refusing a payload from Nexus endpoint ${bound.endpoint} in namespace ${bound.namespace} inside workflow ` +
          `${expected.workflowId} in namespace ${expected.namespace}`,
      );
    return this.open(payload, expected, nexusAadOf(bound));
  }

  /** The binding a payload claims: a workflow, 'none' (sealed with no context), or undefined (from before binding). */
  private boundTo(payload: Payload): PayloadBinding | NexusBinding | 'none' | undefined {
    const binding = text(payload, BINDING);
    if (binding === undefined) return undefined;
    if (binding === BINDING_NONE) return 'none';
    if (binding === BINDING_NEXUS) {
      const namespace = text(payload, NAMESPACE);
      const endpoint = text(payload, ENDPOINT);
      if (namespace === undefined || endpoint === undefined)
        throw new ValueError('Refusing a payload whose binding metadata is unknown or incomplete');
      return { namespace, endpoint };
    }
    const namespace = text(payload, NAMESPACE);
    const workflowId = text(payload, WORKFLOW_ID);
    if (binding !== BINDING_V1 || namespace === undefined || workflowId === undefined)
      throw new ValueError('Refusing a payload whose binding metadata is unknown or incomplete');
    return { namespace, workflowId };
  }

  /** Opens with the keys `binding`'s workflow may use; `nexusAad` replaces the workflow's AAD for a Nexus result. */
  private async open(payload: Payload, binding: PayloadBinding | 'none', nexusAad?: Buffer): Promise<Payload> {
    const encoding = text(payload, METADATA_ENCODING_KEY);
    if (encoding !== ENCODING)
      throw new ValueError(`Refusing a payload that is not encrypted (encoding ${JSON.stringify(encoding ?? null)})`);
    const keyId = text(payload, KEY_ID);
    if (!keyId || !payload.data) throw new ValueError('Refusing an encrypted payload without its key id or data');
    const bound = text(payload, BINDING) !== undefined;
    if (!bound && this.now() >= this.acceptUnboundUntilMs)
      throw new ValueError('Refusing a payload sealed without a workflow binding (from before the upgrade)');
    // A payload bound to no workflow is central: only a shared key may open it.
    const workflowId = binding === 'none' ? '' : binding.workflowId;
    const scope = keyScopeProblem(keyId, workflowId);
    if (scope) throw new ValueError(`Refusing a payload: ${scope}`);
    const key = await this.keys.openingKey(keyId, workflowId);
    if (!key) throw new ValueError(`No codec key with id "${keyId}" is available here`);
    const aad = nexusAad ?? (binding === 'none' ? NO_WORKFLOW_AAD : bound ? aadOf(binding) : undefined);
    let clear: Buffer;
    try {
      clear = open(key, Buffer.from(payload.data), aad);
    } catch {
      throw new ValueError(`Refusing a payload that does not authenticate under key "${keyId}" for this workflow`);
    }
    return temporal.api.common.v1.Payload.decode(clear) as Payload;
  }
}
