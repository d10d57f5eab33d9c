import { temporal } from '@temporalio/proto';
import type { Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import type { Database } from '../../server/db/connect';
import { centralCodecKeys } from '../../common/temporal/codec-keys';
import { EncryptionCodec } from '../../common/temporal/encryption-codec';
import type { TestStack } from './stack';

/** Every row of every table in the app database, as text: what an attacker with a dump would read. */
export async function dumpDatabase(db: Database): Promise<string> {
  const tables = await db('information_schema.tables')
    .where({ table_schema: 'public', table_type: 'BASE TABLE' })
    .pluck('table_name');
  const parts: string[] = [];
  for (const table of tables) {
    const rows = await db.raw(`select row_to_json(t)::text as row from "${table}" t`);
    parts.push(`-- ${table}`, ...rows.rows.map((row: { row: string }) => row.row));
  }
  return parts.join('\n');
}

/** Raw history bytes of every workflow on a task queue, fetched straight from the service with no codec. */
export async function rawHistories(
  client: Client,
  taskQueue: string,
): Promise<{ workflowId: string; bytes: Buffer }[]> {
  const histories: { workflowId: string; bytes: Buffer }[] = [];
  for await (const execution of client.workflow.list({ query: `TaskQueue = '${taskQueue}'` })) {
    const events: temporal.api.history.v1.IHistoryEvent[] = [];
    let nextPageToken: Uint8Array | undefined;
    do {
      const page = await client.connection.workflowService.getWorkflowExecutionHistory({
        namespace: client.options.namespace,
        execution: { workflowId: execution.workflowId, runId: execution.runId },
        nextPageToken,
      });
      events.push(...(page.history?.events ?? []));
      nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
    } while (nextPageToken);
    histories.push({
      workflowId: execution.workflowId,
      bytes: Buffer.from(temporal.api.history.v1.History.encode({ events }).finish()),
    });
  }
  return histories;
}

/** Finds `secret` as a whole token: not as part of a longer run of the same kind of characters. */
export function containsSecret(haystack: string | Buffer, secret: string): boolean {
  const text = typeof haystack === 'string' ? haystack : haystack.toString('latin1');
  const escaped = secret.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const edge = /^\d+$/.test(secret) ? '\\d' : '[A-Za-z0-9_-]';
  return new RegExp(`(?<!${edge})${escaped}(?!${edge})`).test(text);
}

/** Every payload anywhere in a history (inputs, results, update arguments, failures), as the Web UI would find them. */
export function payloadsIn(bytes: Buffer): temporal.api.common.v1.IPayload[] {
  const history = temporal.api.history.v1.History.toObject(temporal.api.history.v1.History.decode(bytes), {
    bytes: Buffer,
  });
  const found: temporal.api.common.v1.IPayload[] = [];
  const walk = (node: unknown): void => {
    if (!node || typeof node !== 'object' || Buffer.isBuffer(node)) return;
    const candidate = node as { metadata?: unknown; data?: unknown };
    if (candidate.metadata && typeof candidate.metadata === 'object' && Buffer.isBuffer(candidate.data)) {
      found.push(candidate as temporal.api.common.v1.IPayload);
      return;
    }
    for (const value of Object.values(node)) walk(value);
  };
  walk(history);
  return found;
}

/** Decodes payloads through Latchkey's /codec endpoint with the admin token, exactly as the Temporal Web UI does. */
export async function decodeThroughCodecEndpoint(
  serverUrl: string,
  adminToken: string,
  namespace: string,
  payloads: temporal.api.common.v1.IPayload[],
): Promise<string> {
  const wire = payloads.map((payload) => ({
    metadata: Object.fromEntries(
      Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value).toString('base64')]),
    ),
    data: Buffer.from(payload.data ?? []).toString('base64'),
  }));
  const response = await fetch(`${serverUrl}/codec/decode`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-namespace': namespace, authorization: `Bearer ${adminToken}` },
    body: JSON.stringify({ payloads: wire }),
  });
  if (!response.ok) throw new Error(`/codec/decode answered ${response.status}: ${await response.text()}`);
  const body = (await response.json()) as { payloads: { data?: string }[] };
  return body.payloads.map((payload) => Buffer.from(payload.data ?? '', 'base64').toString('utf8')).join('\n');
}

/**
 * Decrypts payloads of one workflow's history as the central worker would (the same keys, the same checks,
 * the workflow's own context): what an admin with the central keys could read.
 */
export async function decodeHistoryPayloads(
  stack: TestStack,
  workflowId: string,
  payloads: { metadata?: Record<string, Uint8Array> | null; data?: Uint8Array | null }[],
): Promise<string> {
  const codec = new EncryptionCodec(centralCodecKeys(stack.config.codecKeys, stack.runtime.stores.clientKeys));
  const decoded = await codec.decode(
    payloads.map((p): Payload => ({ metadata: p.metadata ?? {}, data: p.data ?? undefined })),
    { type: 'workflow', namespace: stack.runtime.namespace, workflowId },
  );
  return decoded.map((p) => Buffer.from(p.data ?? []).toString('utf8')).join('\n');
}
