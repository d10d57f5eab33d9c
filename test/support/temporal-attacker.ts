import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { centralCodecKeys } from '../../common/temporal/codec-keys';
import { EncryptionCodec } from '../../common/temporal/encryption-codec';
import { dumpDatabase } from './secret-search';
import type { TestStack } from './stack';
import { testEnv } from './env';

type WirePayload = temporal.api.common.v1.IPayload;

/**
 * Someone who can reach the Temporal frontend and nothing else of Latchkey's: their own connection, no codec,
 * raw gRPC calls with whatever payloads they choose (plaintext, or bytes cut from another history).
 */
export async function connectAttacker(stack: TestStack) {
  // The attacker cannot read the rejection's (encrypted) message; the test can, as an admin would through /codec.
  const decodeFailureMessage = async (failure: temporal.api.failure.v1.IFailure) =>
    failure.encodedAttributes ? adminRead(stack, failure.encodedAttributes) : (failure.message ?? '');
  const connection = await Connection.connect({ address: testEnv().temporalAddress });
  const namespace = stack.runtime.namespace;
  const service = connection.workflowService;
  return {
    /** A plain SDK client on the attacker's connection: the default, unencrypted data converter. */
    client: new Client({ connection, namespace }),
    close: () => connection.close(),
    plain: (value: unknown): WirePayload => defaultPayloadConverter.toPayload(value),

    async start(workflowId: string, workflowType: string, taskQueue: string, payloads: WirePayload[]) {
      await service.startWorkflowExecution({
        namespace,
        workflowId,
        workflowType: { name: workflowType },
        taskQueue: { name: taskQueue },
        input: { payloads },
        requestId: randomUUID(),
        identity: 'attacker',
      });
    },

    /**
     * Sends an update and reports what became of it within a few seconds: 'rejected' with the workflow's reason,
     * 'completed', or 'no answer'.
     */
    async update(
      workflowId: string,
      name: string,
      payloads: WirePayload[],
    ): Promise<{ outcome: 'rejected' | 'no answer' | 'completed' | 'failed'; message?: string }> {
      try {
        const response = await connection.withDeadline(Date.now() + 8_000, () =>
          service.updateWorkflowExecution({
            namespace,
            workflowExecution: { workflowId },
            request: { meta: { updateId: randomUUID(), identity: 'attacker' }, input: { name, args: { payloads } } },
            waitPolicy: {
              lifecycleStage:
                temporal.api.enums.v1.UpdateWorkflowExecutionLifecycleStage
                  .UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED,
            },
          }),
        );
        const failure = response.outcome?.failure;
        if (failure) return { outcome: 'rejected', message: await decodeFailureMessage(failure) };
        return { outcome: response.outcome?.success ? 'completed' : 'no answer' };
      } catch (error) {
        const message = (error as Error).message;
        return { outcome: /deadline/i.test(message) ? 'no answer' : 'failed', message };
      }
    },

    /** The latest run's id, or undefined while no run exists. */
    async runId(workflowId: string): Promise<string | undefined> {
      const described = await service
        .describeWorkflowExecution({ namespace, execution: { workflowId } })
        .catch(() => undefined);
      return described?.workflowExecutionInfo?.execution?.runId ?? undefined;
    },

    async history(workflowId: string, runId?: string) {
      const events: temporal.api.history.v1.IHistoryEvent[] = [];
      let nextPageToken: Uint8Array | undefined;
      do {
        const page = await service.getWorkflowExecutionHistory({
          namespace,
          execution: { workflowId, runId },
          nextPageToken,
        });
        events.push(...(page.history?.events ?? []));
        nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
      } while (nextPageToken);
      return events;
    },

    async terminate(workflowId: string) {
      await service
        .terminateWorkflowExecution({ namespace, workflowExecution: { workflowId }, reason: 'test cleanup' })
        .catch(() => undefined);
    },
  };
}

export type Attacker = Awaited<ReturnType<typeof connectAttacker>>;

const asPayload = (p: WirePayload): Payload => ({ metadata: p.metadata ?? {}, data: p.data ?? undefined });

/** A failure's encoded message, opened as /codec would open it for an admin. */
export async function adminRead(stack: TestStack, encodedAttributes: WirePayload): Promise<string> {
  const codec = new EncryptionCodec(centralCodecKeys(stack.config.codecKeys, stack.runtime.stores.clientKeys));
  const [clear] = await codec.decodeForDisplay([asPayload(encodedAttributes)], stack.runtime.namespace);
  return (JSON.parse(Buffer.from(clear!.data!).toString('utf8')) as { message: string }).message;
}

/**
 * Waits until the central worker has failed a workflow task of `workflowId`, and returns the failure's message,
 * decrypted as /codec would show it to an admin: the proof that the worker received the payload and refused it.
 */
export async function workflowTaskRefusal(stack: TestStack, attacker: Attacker, workflowId: string): Promise<string> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const failed = (await attacker.history(workflowId)).find((e) => e.workflowTaskFailedEventAttributes);
    const encoded = failed?.workflowTaskFailedEventAttributes?.failure?.encodedAttributes;
    if (encoded) return adminRead(stack, encoded);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`no workflow task of ${workflowId} failed within 15 s`);
}

/** The whole database as text, once it has stopped changing (background audit writes of earlier steps landed). */
export async function settledDump(stack: TestStack): Promise<string> {
  let previous = await dumpDatabase(stack.database.db);
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 300));
    const current = await dumpDatabase(stack.database.db);
    if (current === previous) return current;
    previous = current;
  }
}
