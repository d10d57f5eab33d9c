import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { status as grpcStatus } from '@grpc/grpc-js';
import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter, toPayloads } from '@temporalio/common';
import { msToTs } from '@temporalio/common/lib/time';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Worker, type WorkflowBundle } from '@temporalio/worker';
import * as nexus from 'nexus-rpc';
import { Problems } from '../../common/env';
import { readTemporalTransport, temporalConnectionOptions } from '../../common/temporal/connection';
import { agentTargetOf, loadTemporalSettings } from '../../common/temporal/settings';
import {
  agentService,
  askAgentByActivity,
  askAgentByNexus,
  bump,
  countPokes,
  poke,
  pokes,
  type AgentActivities,
} from '../support/authz-workflows';
import { activateNewUser } from '../support/enrollment-flow';
import { startAgent, type RunningAgent } from '../../agent/agent';
import { agentConfigFor, enrolledDirectoryUser, passwordTextedTo } from '../support/reset-setup';
import { startSambaDc, type SambaDc } from '../support/samba';
import { createTenant, startTestStack, type TestStack } from '../support/stack';
import { createJwtSigner, serveJwks, unsignedToken, type JwksServer, type JwtSigner } from '../support/jwks';
import { startTlsTemporalServer, type TlsTemporalServer } from '../support/tls-temporal-server';

/** The namespace of every Latchkey workflow, and one client's own namespace (the layout docs/deployment.md picks). */
const CENTRAL = 'latchkey-authz';
const CLIENT_NS = 'latchkey-client-acme';
const CENTRAL_QUEUE = 'latchkey-central';
/** A client's agent queue inside the central namespace: the layout docs/deployment.md rejects. */
const SHARED_AGENT_QUEUE = 'latchkey-agent-acme';
const NEXUS_ENDPOINT = 'latchkey-client-acme';
/** A second client, with its own namespace, endpoint and agent. */
const OTHER_NS = 'latchkey-client-globex';
const OTHER_ENDPOINT = 'latchkey-client-globex';
const NEXUS_QUEUE = 'latchkey-agent';
const PERMISSION_DENIED = grpcStatus[grpcStatus.PERMISSION_DENIED];

/**
 * The gRPC status name of a failed call: the client wraps the raw gRPC error in `cause`, and the native worker
 * reports it only in its message, in Rust's spelling (`code: PermissionDenied`).
 */
function statusOf(error: unknown): string {
  for (let cause = error as { code?: unknown; cause?: unknown } | undefined; cause;) {
    if (typeof cause.code === 'number') return grpcStatus[cause.code] ?? String(cause.code);
    cause = cause.cause as typeof cause;
  }
  if (/Status \{ code: PermissionDenied\b/.test(String(error))) return PERMISSION_DENIED;
  return `not a gRPC error: ${String(error)}`;
}

async function waitUntil(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !(await condition());) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function outcome(call: () => Promise<unknown>): Promise<string> {
  try {
    await call();
    return 'ok';
  } catch (error) {
    return statusOf(error);
  }
}

/**
 * Temporal's own JWT claim mapper and default authorizer (server v1.29.1, the version the pinned CLI embeds), on
 * the mTLS server, with tokens from a JWKS served on loopback. Every credential reaches the server through
 * Latchkey's own settings (TEMPORAL_API_KEY and the TLS files). Each refusal is followed by a call that
 * succeeds, so a server that went away cannot pass for one that refuses.
 */
describe('Temporal authorization (JWT claim mapper and default authorizer)', () => {
  let server: TlsTemporalServer;
  let jwks: JwksServer;
  let signer: JwtSigner;
  const opened: Array<{ close(): Promise<void> }> = [];
  let centralWorker: Worker | undefined;
  let centralRun: Promise<void> | undefined;
  /** Operators and the CLI: cluster admin. */
  let admin: Connection;
  /** The API and worker replicas: writer on the central namespace, nothing else. */
  let centralToken: string;
  let central: Client;
  let workflowBundle: WorkflowBundle;
  let stack: TestStack | undefined;
  let dc: SambaDc | undefined;
  let realAgent: RunningAgent | undefined;

  const token = (sub: string, ...permissions: string[]) => signer.token({ sub, permissions });

  /** The variables every Latchkey process reads to reach Temporal. */
  const envFor = (apiKey?: string): Record<string, string> => ({
    TEMPORAL_TLS_CA_FILE: server.files.ca,
    TEMPORAL_TLS_SERVER_NAME: server.serverName,
    TEMPORAL_TLS_CERT_FILE: server.files.clientCert,
    TEMPORAL_TLS_KEY_FILE: server.files.clientKey,
    ...(apiKey ? { TEMPORAL_API_KEY: apiKey } : {}),
  });
  /** Connection options as every Latchkey process builds them from those variables. */
  function optionsFor(apiKey?: string) {
    const problems = new Problems();
    const transport = readTemporalTransport(envFor(apiKey), problems);
    assert.deepEqual(problems.list, []);
    return temporalConnectionOptions(server.address, transport!);
  }
  const connect = (apiKey?: string) => {
    // Lazy: a refused token fails the call under test, not a probe the SDK makes while connecting.
    const connection = Connection.lazy(optionsFor(apiKey));
    opened.push(connection);
    return connection;
  };
  const nativeConnect = async (apiKey: string) => {
    const connection = await NativeConnection.connect(optionsFor(apiKey));
    opened.push(connection);
    return connection;
  };
  /** A long poll that the authorizer lets through waits for a task; the deadline turns that into an answer. */
  const briefly = <T>(connection: Connection, call: () => Promise<T>) =>
    connection.withDeadline(Date.now() + 3_000, call);

  before(async () => {
    signer = createJwtSigner('latchkey-test-1');
    jwks = await serveJwks([signer.jwk]);
    const adminToken = token('operator', 'temporal-system:admin');
    server = await startTlsTemporalServer({ authorization: { jwksUrl: jwks.url, probeToken: adminToken } });
    admin = connect(adminToken);
    const retention = msToTs(loadTemporalSettings().retentionMs);
    for (const namespace of [CENTRAL, CLIENT_NS, OTHER_NS]) {
      await admin.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: retention });
    }
    for (const [name, namespace] of [
      [NEXUS_ENDPOINT, CLIENT_NS],
      [OTHER_ENDPOINT, OTHER_NS],
    ]) {
      await admin.operatorService.createNexusEndpoint({
        spec: { name, target: { worker: { namespace, taskQueue: NEXUS_QUEUE } } },
      });
    }
    centralToken = token('latchkey-central', `${CENTRAL}:write`);
    // Latchkey first: it installs the SDK's runtime (and logger), which the first native connection would fix.
    // The namespace exists (an operator registered it with temporal.yaml's retention), so the start-up check only
    // describes it, which a writer may; creating it or changing its retention would need "admin".
    // Provisioning a client's namespace and Nexus endpoint (before its first reset) are admin calls, made on a
    // connection of their own with a key of their own; everything else runs on the central "write" token.
    stack = await startTestStack({
      temporalAddress: server.address,
      env: { TEMPORAL_NAMESPACE: CENTRAL, ...envFor(centralToken), TEMPORAL_PROVISIONING_API_KEY: adminToken },
    });
    workflowBundle = await bundleWorkflowCode({
      workflowsPath: require.resolve('../support/authz-workflows'),
      logger: new DefaultLogger('WARN'),
    });

    centralWorker = await Worker.create({
      connection: await nativeConnect(centralToken),
      namespace: CENTRAL,
      taskQueue: CENTRAL_QUEUE,
      workflowBundle,
    });
    centralRun = centralWorker.run();
    central = new Client({ connection: connect(centralToken), namespace: CENTRAL });
  });

  after(async () => {
    await realAgent?.stop();
    await stack?.stop();
    await dc?.stop();
    centralWorker?.shutdown();
    await centralRun;
    for (const connection of opened.reverse()) await connection.close().catch(() => undefined);
    await server?.stop();
    await jwks?.stop();
  });

  it('runs Latchkey itself with the central credential, which is "write" on its namespace and nothing more', async () => {
    const { mail } = await activateNewUser(stack!);
    assert.equal(mail.channel, 'email');
  });

  it('refuses a missing, unsigned, forged, expired or unknown credential', async () => {
    const stranger = createJwtSigner(signer.kid);
    const unknownKey = createJwtSigner('not-in-the-jwks');
    const claims = { sub: 'latchkey-central', permissions: [`${CENTRAL}:write`] };
    const attempts: Array<[string, string | undefined]> = [
      ['no credential at all (the client certificate alone)', undefined],
      ['a token with alg "none"', unsignedToken(signer.kid, claims)],
      ["a token signed by another key under the JWKS's key id", stranger.token(claims)],
      ['an expired token', signer.token({ ...claims, expiresIn: -60 })],
      ['a token whose key id the JWKS does not list', unknownKey.token(claims)],
      ['a value that is not a JWT', 'lk_not-a-jwt'],
    ];
    for (const [what, apiKey] of attempts) {
      const connection = connect(apiKey);
      assert.equal(
        await outcome(() => connection.workflowService.describeNamespace({ namespace: CENTRAL })),
        PERMISSION_DENIED,
        what,
      );
      assert.equal(
        await outcome(() => connect(centralToken).workflowService.describeNamespace({ namespace: CENTRAL })),
        'ok',
        `the right token still gets in after ${what}`,
      );
    }
    // `exp` is optional to the server (golang-jwt's MapClaims.Valid): a token without one never expires, so the
    // signer must always set it.
    const forever = signer.token({ ...claims, expiresIn: null });
    assert.equal(await outcome(() => connect(forever).workflowService.describeNamespace({ namespace: CENTRAL })), 'ok');
  });

  it('grants the "worker" role nothing but health checks in v1.29.1: not even polling its queue', async () => {
    const workerRole = connect(token('agent-acme', `${CENTRAL}:worker`));
    const calls: Array<[string, () => Promise<unknown>]> = [
      [
        'poll an activity task queue',
        () =>
          briefly(workerRole, () =>
            workerRole.workflowService.pollActivityTaskQueue({
              namespace: CENTRAL,
              taskQueue: { name: SHARED_AGENT_QUEUE },
            }),
          ),
      ],
      [
        'complete an activity task',
        () =>
          workerRole.workflowService.respondActivityTaskCompleted({
            namespace: CENTRAL,
            taskToken: Buffer.from('x'),
          }),
      ],
      [
        'heartbeat an activity',
        () =>
          workerRole.workflowService.recordActivityTaskHeartbeat({ namespace: CENTRAL, taskToken: Buffer.from('x') }),
      ],
      [
        'poll a workflow task queue',
        () =>
          briefly(workerRole, () =>
            workerRole.workflowService.pollWorkflowTaskQueue({
              namespace: CENTRAL,
              taskQueue: { name: CENTRAL_QUEUE },
            }),
          ),
      ],
      [
        'complete a workflow task',
        () =>
          workerRole.workflowService.respondWorkflowTaskCompleted({ namespace: CENTRAL, taskToken: Buffer.from('x') }),
      ],
      [
        'reset a sticky task queue',
        () =>
          workerRole.workflowService.resetStickyTaskQueue({
            namespace: CENTRAL,
            execution: { workflowId: 'any' },
          }),
      ],
      [
        'poll a Nexus task queue',
        () =>
          briefly(workerRole, () =>
            workerRole.workflowService.pollNexusTaskQueue({ namespace: CENTRAL, taskQueue: { name: NEXUS_QUEUE } }),
          ),
      ],
      ['describe its namespace', () => workerRole.workflowService.describeNamespace({ namespace: CENTRAL })],
    ];
    for (const [what, call] of calls) {
      assert.equal(await outcome(call), PERMISSION_DENIED, what);
      assert.equal(await outcome(() => admin.workflowService.describeNamespace({ namespace: CENTRAL })), 'ok');
    }
    // Health checks are open to every caller with a valid token, so the refusals above are the authorizer's.
    assert.equal(await outcome(() => workerRole.workflowService.getSystemInfo({})), 'ok');
    // And a real worker cannot start with it.
    const connection = await nativeConnect(token('agent-acme', `${CENTRAL}:worker`));
    const activities: AgentActivities = { whoAmI: async () => 'agent-acme' };
    assert.equal(
      await outcome(async () => {
        const worker = await Worker.create({
          connection,
          namespace: CENTRAL,
          taskQueue: SHARED_AGENT_QUEUE,
          activities,
        });
        await worker.runUntil(new Promise((resolve) => setTimeout(resolve, 2_000)));
      }),
      PERMISSION_DENIED,
    );
  });

  it('in one shared namespace, an agent needs "write", which is everything the central worker has', async () => {
    const agentToken = token('agent-acme', `${CENTRAL}:write`);
    const agentWorker = await Worker.create({
      connection: await nativeConnect(agentToken),
      namespace: CENTRAL,
      taskQueue: SHARED_AGENT_QUEUE,
      activities: { whoAmI: async () => 'agent-acme' } satisfies AgentActivities,
    });
    // The agent does its job: a workflow the central credential started runs one activity on the agent's queue.
    const answer = await agentWorker.runUntil(
      central.workflow.execute(askAgentByActivity, {
        taskQueue: CENTRAL_QUEUE,
        workflowId: `authz-shared-${randomUUID()}`,
        args: [SHARED_AGENT_QUEUE],
      }),
    );
    assert.equal(answer, 'agent-acme');

    // And, with the same credential, everything else a writer may do. Each succeeds: this pins the reason the
    // shared layout is rejected, and an upgrade that changed it would show here.
    const rogueConnection = connect(agentToken);
    const rogue = new Client({ connection: rogueConnection, namespace: CENTRAL });
    const started = await rogue.workflow.start(countPokes, {
      taskQueue: CENTRAL_QUEUE,
      workflowId: `authz-rogue-${randomUUID()}`,
    });
    await started.signal(poke);
    assert.equal(await started.executeUpdate(bump, { args: [2] }), 3);
    assert.equal(await started.query(pokes), 3);
    assert.equal((await started.describe()).status.name, 'RUNNING');
    assert.ok((await started.fetchHistory()).events!.length > 0);
    let listed = 0;
    for await (const _ of rogue.workflow.list({ query: `WorkflowId = '${started.workflowId}'` })) listed++;
    assert.ok(listed <= 1, 'listing is allowed (visibility may lag behind by a moment)');
    // It can take the central queue's work: a workflow task of a workflow no worker polls for.
    const stolen = await central.workflow.start(askAgentByActivity, {
      taskQueue: 'latchkey-central-unpolled',
      workflowId: `authz-steal-${randomUUID()}`,
      args: [SHARED_AGENT_QUEUE],
    });
    const task = await briefly(rogueConnection, () =>
      rogueConnection.workflowService.pollWorkflowTaskQueue({
        namespace: CENTRAL,
        taskQueue: { name: 'latchkey-central-unpolled' },
        identity: 'rogue-agent',
      }),
    );
    assert.equal(task.workflowExecution?.workflowId, stolen.workflowId);
    await started.terminate('test over');
    await stolen.terminate('test over');
    // It can answer any activity by id, without polling for it: here another client's agent step, whose queue no
    // agent polls, completes with what the rogue says. (Only the agent-result key tells such a result apart.)
    const forgedFor = await central.workflow.start(askAgentByActivity, {
      taskQueue: CENTRAL_QUEUE,
      workflowId: `authz-forged-result-${randomUUID()}`,
      args: ['latchkey-agent-globex-unpolled'],
    });
    await waitUntil(async () =>
      (await forgedFor.fetchHistory()).events!.some((event) => event.activityTaskScheduledEventAttributes),
    );
    await rogueConnection.workflowService.respondActivityTaskCompletedById({
      namespace: CENTRAL,
      workflowId: forgedFor.workflowId,
      activityId: '1',
      result: { payloads: toPayloads(defaultPayloadConverter, 'forged by agent-acme') },
    });
    assert.equal(await forgedFor.result(), 'forged by agent-acme');
    // Only registering namespaces is beyond it.
    assert.equal(
      await outcome(() =>
        rogueConnection.workflowService.registerNamespace({
          namespace: 'latchkey-rogue',
          workflowExecutionRetentionPeriod: msToTs(86_400_000),
        }),
      ),
      PERMISSION_DENIED,
    );
  });

  it("in its own namespace, an agent's credential reaches nothing of the central one, yet serves it through Nexus", async () => {
    const agentToken = token('agent-acme', `${CLIENT_NS}:write`);
    const agentConnection = connect(agentToken);
    const agent = new Client({ connection: agentConnection, namespace: CENTRAL });
    const target = await central.workflow.start(countPokes, {
      taskQueue: CENTRAL_QUEUE,
      workflowId: `authz-target-${randomUUID()}`,
    });
    const id = target.workflowId;
    const handle = agent.workflow.getHandle(id);
    const denied: Array<[string, () => Promise<unknown>]> = [
      [
        'start a workflow',
        () =>
          agent.workflow.start(countPokes, { taskQueue: CENTRAL_QUEUE, workflowId: `authz-forged-${randomUUID()}` }),
      ],
      ['signal a workflow', () => handle.signal(poke)],
      ['update a workflow', () => handle.executeUpdate(bump, { args: [5] })],
      ['query a workflow', () => handle.query(pokes)],
      ['describe a workflow', () => handle.describe()],
      ['fetch the history of a workflow', () => handle.fetchHistory()],
      [
        'list workflows',
        async () => {
          for await (const _ of agent.workflow.list()) break;
        },
      ],
      ['count workflows', () => agent.workflow.count()],
      ['terminate a workflow', () => handle.terminate('rogue')],
      ['cancel a workflow', () => handle.cancel()],
      [
        'poll the central workflow queue',
        () =>
          briefly(agentConnection, () =>
            agentConnection.workflowService.pollWorkflowTaskQueue({
              namespace: CENTRAL,
              taskQueue: { name: CENTRAL_QUEUE },
            }),
          ),
      ],
      [
        'poll an activity queue in the central namespace',
        () =>
          briefly(agentConnection, () =>
            agentConnection.workflowService.pollActivityTaskQueue({
              namespace: CENTRAL,
              taskQueue: { name: CENTRAL_QUEUE },
            }),
          ),
      ],
      [
        'complete a central activity by id',
        () =>
          agentConnection.workflowService.respondActivityTaskCompletedById({
            namespace: CENTRAL,
            workflowId: id,
            activityId: '1',
          }),
      ],
      [
        'describe the central namespace',
        () => agentConnection.workflowService.describeNamespace({ namespace: CENTRAL }),
      ],
      [
        'register a namespace',
        () =>
          agentConnection.workflowService.registerNamespace({
            namespace: 'latchkey-rogue',
            workflowExecutionRetentionPeriod: msToTs(86_400_000),
          }),
      ],
      [
        'create a Nexus endpoint',
        () =>
          agentConnection.operatorService.createNexusEndpoint({
            spec: { name: 'rogue', target: { worker: { namespace: CLIENT_NS, taskQueue: 'rogue' } } },
          }),
      ],
    ];
    for (const [what, call] of denied) {
      assert.equal(await outcome(call), PERMISSION_DENIED, what);
      // The server is up and the workflow untouched: nothing got through.
      assert.equal(await target.query(pokes), 0, `nothing changed after: ${what}`);
    }
    assert.equal((await target.describe()).status.name, 'RUNNING');
    await target.terminate('test over');

    // Its own namespace is where its work arrives: a central workflow reaches it through the client's Nexus endpoint.
    const agentWorker = await Worker.create({
      connection: await nativeConnect(agentToken),
      namespace: CLIENT_NS,
      taskQueue: NEXUS_QUEUE,
      nexusServices: [nexus.serviceHandler(agentService, { whoAmI: async () => 'agent-acme in its namespace' })],
    });
    const answer = await agentWorker.runUntil(
      central.workflow.execute(askAgentByNexus, {
        taskQueue: CENTRAL_QUEUE,
        workflowId: `authz-nexus-${randomUUID()}`,
        args: [NEXUS_ENDPOINT],
        workflowExecutionTimeout: '60 seconds',
      }),
    );
    assert.equal(answer, 'agent-acme in its namespace');
  });

  it("cannot reach another client's namespace, but can send that client's agent a Nexus operation", async () => {
    const agentToken = token('agent-acme', `${CLIENT_NS}:write`);
    const agentConnection = connect(agentToken);
    const denied: Array<[string, () => Promise<unknown>]> = [
      [
        "poll the other client's Nexus queue",
        () =>
          briefly(agentConnection, () =>
            agentConnection.workflowService.pollNexusTaskQueue({
              namespace: OTHER_NS,
              taskQueue: { name: NEXUS_QUEUE },
            }),
          ),
      ],
      [
        "describe the other client's namespace",
        () => agentConnection.workflowService.describeNamespace({ namespace: OTHER_NS }),
      ],
      [
        "start a workflow in the other client's namespace",
        () =>
          new Client({ connection: agentConnection, namespace: OTHER_NS }).workflow.start(countPokes, {
            taskQueue: NEXUS_QUEUE,
            workflowId: `authz-forged-${randomUUID()}`,
          }),
      ],
    ];
    for (const [what, call] of denied) {
      assert.equal(await outcome(call), PERMISSION_DENIED, what);
      assert.equal(await outcome(() => admin.workflowService.describeNamespace({ namespace: OTHER_NS })), 'ok');
    }

    // Open-source Temporal puts no caller restriction on an endpoint: a workflow in any namespace may call any
    // endpoint. So an agent that runs its own workflow worker in its own namespace reaches the other client's
    // agent, and only that agent's check of Latchkey's signature (docs/security.md) stands in the way.
    const otherAgent = await Worker.create({
      connection: await nativeConnect(token('agent-globex', `${OTHER_NS}:write`)),
      namespace: OTHER_NS,
      taskQueue: NEXUS_QUEUE,
      nexusServices: [nexus.serviceHandler(agentService, { whoAmI: async () => 'agent-globex' })],
    });
    const rogueWorker = await Worker.create({
      connection: await nativeConnect(agentToken),
      namespace: CLIENT_NS,
      taskQueue: 'rogue-workflows',
      workflowBundle,
    });
    const rogue = new Client({ connection: agentConnection, namespace: CLIENT_NS });
    const answer = await otherAgent.runUntil(
      rogueWorker.runUntil(
        rogue.workflow.execute(askAgentByNexus, {
          taskQueue: 'rogue-workflows',
          workflowId: `authz-cross-client-${randomUUID()}`,
          args: [OTHER_ENDPOINT],
          workflowExecutionTimeout: '60 seconds',
        }),
      ),
    );
    assert.equal(answer, 'agent-globex');
  });

  it("runs a real Latchkey agent on a credential for its client's namespace only: a real reset completes, the central namespace refuses it", async () => {
    dc = await startSambaDc();
    const tenant = await createTenant(stack!, 'Authz MSP');
    const user = await enrolledDirectoryUser(stack!, tenant, dc);
    const target = agentTargetOf(loadTemporalSettings(), CENTRAL, tenant.clientId);
    const issued = await user.api('POST', `/clients/${tenant.clientId}/agents`, { name: 'authz agent' });
    assert.equal(issued.status, 201, JSON.stringify(issued.body));

    // The agent's Temporal credential: "write" on its client's namespace, nothing else, through the agent's own
    // settings (TEMPORAL_API_KEY and the TLS files, read as agent/config.ts reads them).
    const agentToken = token(`agent-${tenant.clientId}`, `${target.namespace}:write`);
    const problems = new Problems();
    const temporalTransport = readTemporalTransport(envFor(agentToken), problems)!;
    assert.deepEqual(problems.list, []);
    // Fetching its config registers the client's namespace and endpoint (with the provisioning key).
    realAgent = await startAgent(
      agentConfigFor(stack!, dc, issued.body, { temporalAddress: server.address, temporalTransport }),
    );
    assert.equal(realAgent.taskQueue, target.taskQueue);

    const seen = new Set(stack!.outbox.list().map((m) => m.id));
    const reset = await user.api('POST', `/clients/${tenant.clientId}/users/${user.userId}/reset-password`);
    assert.equal(reset.status, 200, JSON.stringify(reset.body));
    assert.equal(reset.body.status, 'completed', JSON.stringify(reset.body));
    const password = await passwordTextedTo(stack!, user.phone, seen);
    await dc.bind(user.upn, password).catch((error: Error) => assert.match(error.message, /data 773/));
    await assert.rejects(dc.bind(user.upn, user.initialPassword), /data 52e|data 773/);

    // The very credential the agent runs on reaches nothing of the central namespace.
    const agentConnection = connect(agentToken);
    const asAgent = new Client({ connection: agentConnection, namespace: CENTRAL });
    const resetWorkflow = asAgent.workflow.getHandle(`password-reset-${tenant.clientId}-${user.userId}`);
    const denied: Array<[string, () => Promise<unknown>]> = [
      [
        'describe the central namespace',
        () => agentConnection.workflowService.describeNamespace({ namespace: CENTRAL }),
      ],
      ["read the reset's history", () => resetWorkflow.fetchHistory()],
      ["describe the reset's workflow", () => resetWorkflow.describe()],
      [
        'start a reset workflow',
        () =>
          asAgent.workflow.start('signedPasswordResetWorkflow', {
            taskQueue: stack!.runtime.taskQueue,
            workflowId: `password-reset-${tenant.clientId}-${randomUUID()}`,
            args: [{}],
          }),
      ],
      [
        'poll the central queue',
        () =>
          briefly(agentConnection, () =>
            agentConnection.workflowService.pollWorkflowTaskQueue({
              namespace: CENTRAL,
              taskQueue: { name: stack!.runtime.taskQueue },
            }),
          ),
      ],
    ];
    for (const [what, call] of denied) {
      assert.equal(await outcome(call), PERMISSION_DENIED, what);
      assert.equal(
        await outcome(() => agentConnection.workflowService.describeNamespace({ namespace: target.namespace })),
        'ok',
        `its own namespace still answers after: ${what}`,
      );
    }
    // And the reset's own history, read centrally: the step went to the client's endpoint.
    const history = await stack!.runtime.temporal.workflow
      .getHandle(`password-reset-${tenant.clientId}-${user.userId}`)
      .fetchHistory();
    const scheduled = history.events!.find((e) => e.nexusOperationScheduledEventAttributes);
    assert.equal(scheduled?.nexusOperationScheduledEventAttributes?.endpoint, target.endpoint);
  });
});
