import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Attribute, Change, Client as LdapClient } from 'ldapts';
import { tsToMs } from '@temporalio/common/lib/time';
import { createLogger } from '../common/logger';
import { say } from '../scripts/lib/say';
import { mapLimit } from '../server/services/map-limit';
import { killAgentProcess, spawnAgentProcess } from '../test/support/agent-process';
import { enrolledDirectoryUser, startTestAgent } from '../test/support/reset-setup';
import { startSambaDc, type SambaDc } from '../test/support/samba';
import { createTenant, startTestStack, type TestStack } from '../test/support/stack';
import { makePasswordResetWorkflowId } from '../common/domain/workflow-ids';
import { Cleanups, cleanUpOnExit } from '../scripts/lib/cleanups';
import { startTestServices } from '../scripts/lib/test-services';
import { measureCpu, measureThreads } from './support/cpu-usage';
import { profiled } from './support/cpu-profile';
import { printTable, stats, type Stats } from './support/stats';

/**
 * `npm run bench:reset`: password resets end to end (technician API → workflow → agent → Samba → SMS in the
 * outbox) next to the bare ldapts unicodePwd replace on the same Samba, at concurrency 1 and 8.
 */
const USERS = 16;
const WARMUP = 5;
const ROUNDS_C1 = 60;
const ROUNDS_C8 = 120;
const cleanups = new Cleanups();

const encodePassword = (password: string) => Buffer.from(`"${password}"`, 'utf16le');
let counter = 0;
const freshPassword = () => `Bench#${Date.now().toString(36)}${(counter++).toString(36)}Zq7`;

/** The floor: one modify of unicodePwd on a persistent, already-bound LDAPS connection per lane. */
async function bareResets(dc: SambaDc, dns: string[], concurrency: number, rounds: number) {
  const clients = await Promise.all(
    Array.from({ length: concurrency }, async () => {
      const client = new LdapClient({ url: dc.url, tlsOptions: { ca: [dc.caPem], servername: dc.serverName } });
      await client.bind(dc.serviceAccount.dn, dc.serviceAccount.password);
      return client;
    }),
  );
  try {
    const samples: number[] = [];
    const perLane = Math.ceil(rounds / concurrency);
    const started = performance.now();
    await Promise.all(
      clients.map(async (client, lane) => {
        for (let i = 0; i < perLane; i++) {
          const dn = dns[(lane + i * concurrency) % dns.length]!;
          const t0 = performance.now();
          await client.modify(
            dn,
            new Change({
              operation: 'replace',
              modification: new Attribute({ type: 'unicodePwd', values: [encodePassword(freshPassword())] }),
            }),
          );
          samples.push(performance.now() - t0);
        }
      }),
    );
    return { samples, throughput: samples.length / ((performance.now() - started) / 1000) };
  } finally {
    await Promise.all(clients.map((client) => client.unbind().catch(() => undefined)));
  }
}

type Enrolled = Awaited<ReturnType<typeof enrolledDirectoryUser>>;

/** One reset, timed from the API request until the password SMS is in the outbox. */
async function timedReset(stack: TestStack, clientId: string, user: Enrolled): Promise<number> {
  const seen = new Set(stack.outbox.list({ to: user.phone }).map((m) => m.id));
  const t0 = performance.now();
  const request = user.api('POST', `/clients/${clientId}/users/${user.userId}/reset-password`);
  await stack.outbox.waitFor(
    (m) => m.to === user.phone && !seen.has(m.id) && m.text.includes('temporary password'),
    30_000,
  );
  const elapsed = performance.now() - t0;
  const response = await request;
  assert.equal(response.body.status, 'completed', JSON.stringify(response.body));
  return elapsed;
}

async function e2eResets(stack: TestStack, clientId: string, users: Enrolled[], concurrency: number, rounds: number) {
  const samples: number[] = [];
  const perLane = Math.ceil(rounds / concurrency);
  const lanes = Array.from({ length: concurrency }, (_, lane) => users.filter((_, i) => i % concurrency === lane));
  const started = performance.now();
  await Promise.all(
    lanes.map(async (own) => {
      for (let i = 0; i < perLane; i++) samples.push(await timedReset(stack, clientId, own[i % own.length]!));
    }),
  );
  return { samples, throughput: samples.length / ((performance.now() - started) / 1000) };
}

/**
 * Splits resets' time, from their histories, into Temporal's share (dispatching workflow and activity tasks)
 * and ours (workflow tasks, which include the local activities that check and deliver, and the agent's
 * activity, which includes the directory write).
 */
async function breakdown(stack: TestStack, clientId: string, users: Enrolled[]) {
  const parts = new Map<string, number[]>();
  const add = (name: string, value: number) => parts.set(name, [...(parts.get(name) ?? []), value]);
  const histories = await mapLimit(users, 4, (user) =>
    stack.runtime.temporal.workflow.getHandle(makePasswordResetWorkflowId(clientId, user.userId)).fetchHistory(),
  );
  for (const history of histories) {
    const events = history.events ?? [];
    const at = new Map<string, number>();
    const activityNames = new Map<string, string>();
    const totals = { wftDispatch: 0, wftRun: 0, activityDispatch: 0 };
    let wftCount = 0;
    for (const event of events) {
      const time = tsToMs(event.eventTime);
      at.set(String(event.eventId), time);
      const scheduled = event.activityTaskScheduledEventAttributes;
      if (scheduled) activityNames.set(String(event.eventId), scheduled.activityType?.name ?? '?');
      const wftStarted = event.workflowTaskStartedEventAttributes;
      if (wftStarted) totals.wftDispatch += time - at.get(String(wftStarted.scheduledEventId))!;
      const wftDone = event.workflowTaskCompletedEventAttributes;
      if (wftDone) {
        const run = time - at.get(String(wftDone.startedEventId))!;
        totals.wftRun += run;
        add(`ours: workflow task ${++wftCount} incl. its local activities`, run);
      }
      const actStarted = event.activityTaskStartedEventAttributes;
      if (actStarted) totals.activityDispatch += time - at.get(String(actStarted.scheduledEventId))!;
      const nexusScheduled = event.nexusOperationScheduledEventAttributes;
      if (nexusScheduled) activityNames.set(String(event.eventId), `nexus ${nexusScheduled.operation ?? '?'}`);
      const nexusDone = event.nexusOperationCompletedEventAttributes;
      if (nexusDone) {
        // A synchronous operation has no started event: this is dispatch, the agent's run and the write together.
        add(
          `both: ${activityNames.get(String(nexusDone.scheduledEventId))} (scheduled to completed)`,
          time - at.get(String(nexusDone.scheduledEventId))!,
        );
      }
      const actDone = event.activityTaskCompletedEventAttributes;
      if (actDone) {
        add(
          `ours: activity ${activityNames.get(String(actDone.scheduledEventId))} (run)`,
          time - at.get(String(actDone.startedEventId))!,
        );
      }
    }
    add('Temporal: workflow task dispatch', totals.wftDispatch);
    add('Temporal: activity task dispatch', totals.activityDispatch);
    add('ours: workflow tasks incl. local activities', totals.wftRun);
    add('whole run, start to close', tsToMs(events[events.length - 1]?.eventTime) - tsToMs(events[0]?.eventTime));
  }
  return [...parts].map(([name, values]) => [name, stats(values)] as [string, Stats]);
}

let agentPid: number | undefined;

/** Who is who on this machine during a run: the groups the CPU table reports. */
function groupOf({ pid, comm }: { pid: number; ppid: number; comm: string }): string | undefined {
  if (pid === process.pid) return 'latchkey (API + central worker)';
  if (pid === agentPid) return 'agent';
  if (comm === 'temporal') return 'Temporal dev server';
  if (comm.startsWith('samba') || comm.startsWith('ldap')) return 'Samba AD';
  if (comm === 'postgres') return 'PostgreSQL';
  return undefined;
}

async function run() {
  const benchStarted = performance.now();
  try {
    await startTestServices(cleanups);
    say('Provisioning a Samba AD DC…');
    const dc = await startSambaDc();
    cleanups.push(() => dc.stop());
    const stack = await startTestStack({
      logLevel: 'warn',
      env: { LATCHKEY_LOG_LEVEL: 'warn', RATE_LIMIT_PER_IP_PER_MINUTE: '100000', SMS_RESEND_INTERVAL: '0s' },
    });
    cleanups.push(() => stack.stop());
    const tenant = await createTenant(stack, 'Bench MSP');
    await stack.runtime.stores.tenants.updateSettings(tenant.clientId, { requireSmsPin: false, resetsPerHour: 100 });
    if (process.env.LATCHKEY_BENCH_AGENT === 'in-process') {
      const agent = await startTestAgent(stack, tenant, dc, {}, createLogger('warn'));
      cleanups.push(() => agent.stop());
    } else {
      // Its own process, as at a client site; the same helper the fault tests kill agents with.
      const agent = await spawnAgentProcess(stack, tenant, dc);
      agentPid = agent.child.pid;
      cleanups.push(() => killAgentProcess(agent));
    }

    say(`Enrolling ${USERS} directory users through the pages…`);
    const users = await mapLimit(Array.from({ length: USERS }), 4, () => enrolledDirectoryUser(stack, tenant, dc));
    const dns = users.map((user) => user.dn);

    say('Warming up…');
    await e2eResets(stack, tenant.clientId, users, 1, WARMUP);
    await bareResets(dc, dns, 1, WARMUP);

    say(`Bare unicodePwd replace: ${ROUNDS_C1} at concurrency 1, ${ROUNDS_C8} at concurrency 8…`);
    const bare1 = await bareResets(dc, dns, 1, ROUNDS_C1);
    const { result: bare8, cpu: bareCpu } = await measureCpu(groupOf, () => bareResets(dc, dns, 8, ROUNDS_C8));
    say(`End-to-end resets: ${ROUNDS_C1} at concurrency 1, ${ROUNDS_C8} at concurrency 8…`);
    const e2e1 = await e2eResets(stack, tenant.clientId, users, 1, ROUNDS_C1);
    const parts = await breakdown(stack, tenant.clientId, users);
    const {
      result: { result: e2e8, threads },
      cpu: e2eCpu,
    } = await measureCpu(groupOf, () =>
      measureThreads(() => profiled(() => e2eResets(stack, tenant.clientId, users, 8, ROUNDS_C8))),
    );

    const [bare1Stats, e2e1Stats] = [stats(bare1.samples), stats(e2e1.samples)];
    const rows: Array<[string, Stats]> = [
      ['bare unicodePwd replace, c=1', bare1Stats],
      ['bare unicodePwd replace, c=8', stats(bare8.samples)],
      ['reset end to end, c=1', e2e1Stats],
      ['reset end to end, c=8', stats(e2e8.samples)],
    ];
    console.log('');
    printTable(rows);
    console.log(
      `\nthroughput (ops/s): bare c=1 ${bare1.throughput.toFixed(1)}, c=8 ${bare8.throughput.toFixed(1)}; e2e c=1 ${e2e1.throughput.toFixed(1)}, c=8 ${e2e8.throughput.toFixed(1)}`,
    );
    console.log(
      "\nwhere the end-to-end time goes (c=1, last reset of each user, from workflow history; 'Temporal' rows are the server's dispatch, 'ours' rows our code and the directory write):",
    );
    printTable(parts, 'part (ms)');

    console.log(
      `\nCPU per operation at c=8 (ms; ${cpus().length} cores, so at most ${cpus().length * 1000} ms of CPU per second):`,
    );
    const groups = [...new Set([...bareCpu.keys(), ...e2eCpu.keys()])].sort();
    console.log(`${'process'.padEnd(34)}  ${'bare op'.padStart(8)}  ${'reset'.padStart(8)}`);
    for (const group of groups) {
      const per = (cpu: Map<string, number>, n: number) => (((cpu.get(group) ?? 0) * 1000) / n).toFixed(1).padStart(8);
      console.log(`${group.padEnd(34)}  ${per(bareCpu, bare8.samples.length)}  ${per(e2eCpu, e2e8.samples.length)}`);
    }

    console.log(`\nof which latchkey, by thread (ms per reset at c=8):`);
    for (const [group, seconds] of threads) {
      console.log(`  ${group.padEnd(32)}  ${((seconds * 1000) / e2e8.samples.length).toFixed(1).padStart(8)}`);
    }

    const ratio = {
      p50: e2e1Stats.p50 / bare1Stats.p50,
      p99: e2e1Stats.p99 / bare1Stats.p99,
      throughput: e2e8.throughput / bare8.throughput,
    };
    const resultsDir = join(__dirname, 'results');
    mkdirSync(resultsDir, { recursive: true });
    const file = join(resultsDir, `reset-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(
      file,
      `${JSON.stringify({ cpus: cpus().length, rows: Object.fromEntries(rows), parts: Object.fromEntries(parts), throughput: { bare1: bare1.throughput, bare8: bare8.throughput, e2e1: e2e1.throughput, e2e8: e2e8.throughput }, ratio }, null, 2)}\n`,
    );
    console.log(`\nresults: ${file}`);
    console.log(
      `reset e2e/bare: p50 ${ratio.p50.toFixed(2)} p99 ${ratio.p99.toFixed(2)} throughput ${ratio.throughput.toFixed(2)}`,
    );
  } finally {
    await cleanups.run();
    say(`Bench finished in ${((performance.now() - benchStarted) / 1000).toFixed(1)} s.`);
  }
}

cleanUpOnExit(cleanups, { watchdogMs: 10 * 60_000 });
run().then(
  () => process.exit(0),
  (error: Error) => {
    console.error(`[latchkey] bench:reset failed: ${error.stack ?? error.message}`);
    process.exit(1);
  },
);
