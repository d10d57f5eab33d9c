import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { defaultPayloadConverter, type Payload, type SerializationContext, ValueError } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { seal } from '../crypto/aes-gcm';
import { legacyClientGeneration, MemoryClientKeySource } from '../crypto/client-keys';
import { parseKeyRing } from '../crypto/keys';
import { makeEnrollmentWorkflowId, makePasswordResetWorkflowId } from '../domain/workflow-ids';
import { agentCodecKeys, centralCodecKeys, sharedCodecKeys } from './codec-keys';
import { EncryptionCodec, refusalOf } from './encryption-codec';

const ring = (spec: string) => parseKeyRing(spec, 'TEST');
const k1 = randomBytes(32).toString('base64');
const k2 = randomBytes(32).toString('base64');
const NS = 'latchkey';
const workflow = (workflowId: string, namespace = NS): SerializationContext => ({
  type: 'workflow',
  namespace,
  workflowId,
});
const activityOf = (workflowId: string): SerializationContext => ({
  type: 'activity',
  namespace: NS,
  workflowId,
  activityId: '1',
  isLocal: false,
});
const value = (payload: Payload) => defaultPayloadConverter.fromPayload(payload);

/** Decode hands on a refused payload (never the original bytes), and converting it throws a ValueError saying why. */
async function assertRefused(decoding: Promise<Payload[]>, reason: RegExp) {
  const decoded = await decoding;
  const refused = decoded.map(refusalOf).filter((r) => r !== undefined);
  assert.equal(refused.length, 1, 'one payload is refused');
  assert.match(refused[0]!, reason);
  const payload = decoded.find((p) => refusalOf(p) !== undefined)!;
  assert.throws(
    () => defaultPayloadConverter.fromPayload(payload),
    (error: Error) => {
      assert.ok(error instanceof ValueError);
      assert.match(error.message, reason);
      return true;
    },
  );
}
const payload = (v: unknown) => defaultPayloadConverter.toPayload(v);
const meta = (p: Payload, key: string) => Buffer.from(p.metadata![key]!).toString();

const clientA = randomUUID();
const clientB = randomUUID();
const enrollment = makeEnrollmentWorkflowId(randomUUID());
const resetA = makePasswordResetWorkflowId(clientA, randomUUID());
const resetB = makePasswordResetWorkflowId(clientB, randomUUID());

function central(now?: () => number, acceptUnboundUntilMs?: number) {
  const master = randomBytes(32);
  const clients = new MemoryClientKeySource(master);
  const codec = new EncryptionCodec(centralCodecKeys(ring(`k1:${k1}`), clients), { acceptUnboundUntilMs, now });
  return { master, clients, codec };
}

/** A payload as a build before binding sealed it: no AAD, no binding metadata. */
function legacySeal(keyId: string, key: Buffer, v: unknown): Payload {
  return {
    metadata: { encoding: Buffer.from('binary/encrypted'), 'encryption-key-id': Buffer.from(keyId) },
    data: seal(key, Buffer.from(temporal.api.common.v1.Payload.encode(payload(v)).finish())),
  };
}

describe('EncryptionCodec', () => {
  it('encrypts payloads so the value cannot be read, and decodes them back in the same workflow', async () => {
    const codec = new EncryptionCodec(sharedCodecKeys(ring(`k1:${k1}`)));
    const [encoded] = await codec.encode([payload({ phone: '+14155552671' })], workflow(enrollment));
    assert.ok(!Buffer.from(encoded!.data!).toString('latin1').includes('4155552671'));
    assert.equal(meta(encoded!, 'encryption-key-id'), 'k1');
    assert.equal(meta(encoded!, 'encryption-workflow-id'), enrollment);
    assert.equal(meta(encoded!, 'encryption-namespace'), NS);
    const [decoded] = await codec.decode([encoded!], activityOf(enrollment));
    assert.deepEqual(value(decoded!), { phone: '+14155552671' });
  });

  it('keeps reading payloads sealed with an older shared key after rotation', async () => {
    const [old] = await new EncryptionCodec(sharedCodecKeys(ring(`k1:${k1}`))).encode(
      [payload('hello')],
      workflow(enrollment),
    );
    const rotated = new EncryptionCodec(sharedCodecKeys(ring(`k2:${k2},k1:${k1}`)));
    assert.equal(value((await rotated.decode([old!], workflow(enrollment)))[0]!), 'hello');
    const [fresh] = await rotated.encode([payload('hello')], workflow(enrollment));
    assert.equal(meta(fresh!, 'encryption-key-id'), 'k2');
  });

  it('refuses a plaintext payload instead of passing it through', async () => {
    const { codec } = central();
    await assertRefused(
      codec.decode([payload('plain')], workflow(enrollment)),
      /not encrypted \(encoding "json\/plain"\)/,
    );
    await assertRefused(
      codec.decode([{ metadata: {}, data: Buffer.from('x') }], workflow(enrollment)),
      /not encrypted/,
    );
  });

  it('refuses to decode without a workflow context; what the SDK seals without one, no worker accepts', async () => {
    const { codec } = central();
    const [sealed] = await codec.encode([payload(1)], workflow(enrollment));
    await assertRefused(codec.decode([sealed!]), /without a workflow context/);
    await assertRefused(codec.decode([sealed!], { type: 'activity', namespace: NS, isLocal: false }), /context/);
    // A workflow task's failure is encoded with no context: sealed with the shared key, shown by /codec only.
    const [taskFailure] = await codec.encode([payload('activation failed')]);
    assert.equal(meta(taskFailure!, 'encryption-key-id'), 'k1');
    await assertRefused(codec.decode([taskFailure!], workflow(enrollment)), /sealed for no workflow/);
    await assertRefused(codec.decode([taskFailure!], workflow(resetA)), /sealed for no workflow/);
    assert.equal(value((await codec.decodeForDisplay([taskFailure!], NS))[0]!), 'activation failed');
  });

  it('refuses a payload cut from one workflow and pasted into another, or into another namespace', async () => {
    const { codec } = central();
    const other = makeEnrollmentWorkflowId(randomUUID());
    const [sealed] = await codec.encode([payload('code')], workflow(enrollment));
    await assertRefused(codec.decode([sealed!], workflow(other)), /sealed for workflow .* inside workflow/);
    await assertRefused(codec.decode([sealed!], workflow(enrollment, 'elsewhere')), /namespace/);
    // Rewriting the metadata to match does not help: the AAD still names the original workflow.
    const forged = { ...sealed!, metadata: { ...sealed!.metadata, 'encryption-workflow-id': Buffer.from(other) } };
    await assertRefused(codec.decode([forged], workflow(other)), /does not authenticate/);
  });

  it("seals a client's workflow with its current generation, and refuses it in another client's or a central one", async () => {
    const { codec, clients } = central();
    const [sealed] = await codec.encode([payload({ username: 'alice' })], workflow(resetA));
    assert.equal(meta(sealed!, 'encryption-key-id'), `client.${clientA}.1`);
    assert.deepEqual(value((await codec.decode([sealed!], activityOf(resetA)))[0]!), { username: 'alice' });
    // Even with the binding rewritten to B's workflow, A's key is refused there before anything is opened.
    const moved = { ...sealed!, metadata: { ...sealed!.metadata, 'encryption-workflow-id': Buffer.from(resetB) } };
    await assertRefused(codec.decode([moved], workflow(resetB)), new RegExp(`client ${clientA}'s key may not open`));
    const intoCentral = {
      ...sealed!,
      metadata: { ...sealed!.metadata, 'encryption-workflow-id': Buffer.from(enrollment) },
    };
    await assertRefused(codec.decode([intoCentral], workflow(enrollment)), /may not open a payload of a central/);
    // And the shared key is refused inside a client's workflow.
    const [shared] = await codec.encode([payload(1)], workflow(enrollment));
    const sharedInReset = {
      ...shared!,
      metadata: { ...shared!.metadata, 'encryption-workflow-id': Buffer.from(resetA) },
    };
    await assertRefused(codec.decode([sharedInReset], workflow(resetA)), /a shared key may not open/);
    // After a rotation new work uses generation 2, and generation 1 still opens.
    clients.rotate(clientA);
    const [fresh] = await codec.encode([payload(2)], workflow(resetA));
    assert.equal(meta(fresh!, 'encryption-key-id'), `client.${clientA}.2`);
    assert.equal(value((await codec.decode([sealed!, fresh!], workflow(resetA)))[1]!), 2);
  });

  it('opens pre-binding payloads only during the upgrade window, still only where their key belongs', async () => {
    let now = 1_000;
    const { codec, master } = central(() => now, 2_000);
    const legacyKey = legacyClientGeneration(master, clientA).secret;
    const legacyReset = legacySeal(`client.${clientA}`, legacyKey, { password: 'x' });
    const legacyShared = legacySeal('k1', Buffer.from(k1, 'base64'), 'old');
    assert.deepEqual(value((await codec.decode([legacyReset], workflow(resetA)))[0]!), { password: 'x' });
    assert.equal(value((await codec.decode([legacyShared], workflow(enrollment)))[0]!), 'old');
    await assertRefused(codec.decode([legacyReset], workflow(resetB)), /may not open/);
    await assertRefused(codec.decode([legacyShared], workflow(resetA)), /shared key may not open/);
    now = 2_000;
    await assertRefused(codec.decode([legacyShared], workflow(enrollment)), /without a workflow binding/);
    // Without a window (agents, new installations) they are refused from the start.
    await assertRefused(central().codec.decode([legacyShared], workflow(enrollment)), /without a workflow binding/);
  });

  it('binds scheduled runs to their schedule, whose arguments are sealed before any run exists', async () => {
    const { codec } = central();
    const scheduleWorkflowId = 'latchkey-central-v1:purge-rate-limits';
    const [args] = await codec.encode([payload({ retentionMs: 1 })], workflow(scheduleWorkflowId));
    const run = `${scheduleWorkflowId}-2026-12-02T01:00:00Z`;
    assert.deepEqual(value((await codec.decode([args!], workflow(run)))[0]!), { retentionMs: 1 });
    const [result] = await codec.encode([payload({ deleted: 3 })], workflow(run));
    const nextRun = `${scheduleWorkflowId}-2026-12-02T02:00:00Z`;
    assert.deepEqual(value((await codec.decode([result!], workflow(nextRun)))[0]!), { deleted: 3 });
    await assertRefused(codec.decode([args!], workflow(enrollment)), /sealed for workflow/);
  });

  it("gives an agent only its own client's generations, never generation 0 or a shared key", async () => {
    const { codec, clients, master } = central();
    const own = await clients.current(clientA);
    const agent = new EncryptionCodec(
      agentCodecKeys(clientA, {
        newest: () => ({ generation: own.generation, secret: own.secret }),
        get: async (generation) => (generation === own.generation ? own.secret : undefined),
      }),
    );
    const [input] = await codec.encode([payload({ username: 'alice' })], activityOf(resetA));
    assert.deepEqual(value((await agent.decode([input!], activityOf(resetA)))[0]!), { username: 'alice' });
    const [result] = await agent.encode([payload({ ok: true })], activityOf(resetA));
    assert.deepEqual(value((await codec.decode([result!], activityOf(resetA)))[0]!), { ok: true });
    // Asked to seal for another client's workflow (a forged task), it uses its own key, which nothing there opens.
    const [misplaced] = await agent.encode([payload(1)], activityOf(resetB));
    await assertRefused(codec.decode([misplaced!], activityOf(resetB)), /key may not open a payload of client/);
    const [forB] = await codec.encode([payload(1)], activityOf(resetB));
    await assertRefused(
      agent.decode([forB!], activityOf(resetB)),
      new RegExp(`No codec key with id "client.${clientB}`),
    );
    const [shared] = await codec.encode([payload(1)], workflow(enrollment));
    await assertRefused(agent.decode([shared!], workflow(enrollment)), /No codec key with id "k1"/);
    const legacy = legacySeal(`client.${clientA}`, legacyClientGeneration(master, clientA).secret, 1);
    await assertRefused(agent.decode([legacy], workflow(resetA)), /without a workflow binding/);
    clients.rotate(clientA);
    const [newer] = await codec.encode([payload(1)], activityOf(resetA));
    await assertRefused(agent.decode([newer!], activityOf(resetA)), new RegExp(`"client.${clientA}.2"`));
  });

  it('opens for display with the workflow its metadata names, and refuses what it cannot vouch for', async () => {
    let now = 0;
    const { codec } = central(() => now, 10);
    const [sealed] = await codec.encode([payload('shown')], workflow(resetA));
    assert.equal(value((await codec.decodeForDisplay([sealed!], NS))[0]!), 'shown');
    await assert.rejects(codec.decodeForDisplay([sealed!], 'elsewhere'), /namespace/);
    await assert.rejects(codec.decodeForDisplay([payload('plain')], NS), /not encrypted/);
    const forged = {
      ...sealed!,
      metadata: { ...sealed!.metadata, 'encryption-workflow-id': Buffer.from(resetA + 'x') },
    };
    await assert.rejects(codec.decodeForDisplay([forged], NS), /does not authenticate|may not open/);
    // Pre-binding payloads name no workflow: shared-key ones show during the window, a client's never here.
    assert.equal(value((await codec.decodeForDisplay([legacySeal('k1', Buffer.from(k1, 'base64'), 1)], NS))[0]!), 1);
    await assert.rejects(
      codec.decodeForDisplay([legacySeal(`client.${clientA}`, randomBytes(32), 1)], NS),
      /may not open a payload of a central/,
    );
    now = 10;
    await assert.rejects(codec.decodeForDisplay([legacySeal('k1', Buffer.from(k1, 'base64'), 1)], NS), /binding/);
  });

  it('says which key is missing rather than failing obscurely', async () => {
    const [sealed] = await new EncryptionCodec(sharedCodecKeys(ring(`k1:${k1}`))).encode(
      [payload(1)],
      workflow(enrollment),
    );
    await assertRefused(
      new EncryptionCodec(sharedCodecKeys(ring(`k2:${k2}`))).decode([sealed!], workflow(enrollment)),
      /No codec key with id "k1"/,
    );
  });

  describe('Nexus operations to an agent (the SDK gives the handler no context)', () => {
    const endpointOf = (clientId: string) => `latchkey-agent-${clientId}`;
    const nexusCaller = {
      endpointOf,
      clientOfEndpoint: (endpoint: string) => endpoint.replace(/^latchkey-agent-/, ''),
    };
    async function setup(clientId = clientA) {
      const master = randomBytes(32);
      const clients = new MemoryClientKeySource(master);
      const codec = new EncryptionCodec(centralCodecKeys(ring(`k1:${k1}`), clients), { nexusCaller });
      const own = await clients.current(clientId);
      const handler = (namespace = NS, endpoint = endpointOf(clientId), secret = own.secret) =>
        new EncryptionCodec(
          agentCodecKeys(clientId, {
            newest: () => ({ generation: own.generation, secret }),
            get: async (generation) => (generation === own.generation ? secret : undefined),
          }),
          { nexusHandler: { namespace, endpoint } },
        );
      return { codec, clients, handler };
    }

    it("opens the caller's input in its own client's agent only, and binds the answer to that client's endpoint", async () => {
      const { codec, handler } = await setup();
      // The central workflow seals the operation's input in its own context.
      const [input] = await codec.encode([payload({ command: 'x' })], workflow(resetA));
      assert.deepEqual(value((await handler().decode([input!]))[0]!), { command: 'x' });
      const [answer] = await handler().encode([payload({ proof: 'p' })]);
      assert.equal(meta(answer!, 'encryption-binding'), 'nexus-endpoint/1');
      assert.equal(meta(answer!, 'encryption-nexus-endpoint'), endpointOf(clientA));
      assert.deepEqual(value((await codec.decode([answer!], workflow(resetA)))[0]!), { proof: 'p' });
      // Shown by the /codec endpoint in the caller's namespace.
      assert.deepEqual(value((await codec.decodeForDisplay([answer!], NS))[0]!), { proof: 'p' });
      await assert.rejects(codec.decodeForDisplay([answer!], 'elsewhere'), /namespace/);
    });

    it("refuses the answer anywhere but a workflow of that endpoint's client", async () => {
      const { codec, handler } = await setup();
      const [answer] = await handler().encode([payload(1)]);
      await assertRefused(codec.decode([answer!], workflow(resetB)), /Nexus endpoint/);
      await assertRefused(codec.decode([answer!], workflow(enrollment)), /Nexus endpoint/);
      await assertRefused(codec.decode([answer!], workflow(resetA, 'other-namespace')), /Nexus endpoint/);
      // An answer claiming client A's endpoint but sealed by an agent bound elsewhere does not authenticate.
      const [lying] = await handler(NS, endpointOf(clientB)).encode([payload(1)]);
      await assertRefused(codec.decode([lying!], workflow(resetB)), /key may not open|does not authenticate/);
      // Without nexusCaller (every process but the central one), no workflow accepts an endpoint's payload.
      const plain = new EncryptionCodec(sharedCodecKeys(ring(`k1:${k1}`)));
      await assertRefused(plain.decode([answer!], workflow(resetA)), /Nexus endpoint/);
    });

    it('refuses, in the handler, a payload not sealed for a workflow of the caller namespace, or not its client', async () => {
      const { codec, handler } = await setup();
      const [input] = await codec.encode([payload(1)], workflow(resetA));
      await assertRefused(handler('other-namespace').decode([input!]), /not sealed for a workflow of other-namespace/);
      const [forB] = await codec.encode([payload(1)], workflow(resetB));
      await assertRefused(handler().decode([forB!]), /key may not open|No codec key/);
      const [central] = await codec.encode([payload(1)], workflow(enrollment));
      await assertRefused(handler().decode([central!]), /key may not open|No codec key/);
      // A payload sealed without context (another agent's answer) is not a command.
      const [answer] = await handler().encode([payload(1)]);
      await assertRefused(handler().decode([answer!]), /not sealed for a workflow/);
      await assertRefused(handler().decode([payload(1)]), /not sealed for a workflow|not encrypted/);
    });
  });
});
