import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { freePort } from '../scripts/lib/free-port';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Attribute, Change, Client as LdapClient } from 'ldapts';
import { Client as TemporalClient, Connection } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';
import { Secrets } from '../common/crypto/secrets';
import { makePasswordResetWorkflowId } from '../common/domain/workflow-ids';
import { loadTemporalSettings } from '../common/temporal/settings';
import { buildAgentPackage } from '../scripts/build-agent-package';
import { buildCentral, CENTRAL_MAIN } from '../scripts/build-central';
import { Cleanups } from '../scripts/lib/cleanups';
import { runBench, writeResults } from './support/bench-run';
import { say } from '../scripts/lib/say';
import { startTestServices } from '../scripts/lib/test-services';
import { ApiKeysStore } from '../server/db/api-keys.store';
import { TenantsStore } from '../server/db/tenants.store';
import { mapLimit } from '../server/services/map-limit';
import { startFakeTwilio } from '../test/fakes/fake-twilio';
import { apiClient } from '../test/support/http';
import { startSmtpReceiver } from '../test/fakes/smtp-receiver';
import { killAgentProcess, spawnAgentProcess, until } from '../test/support/agent-process';
import { spawnCentralProcess, type CentralForm, type CentralProcess } from '../test/support/central-process';
import { createTestDatabase } from '../test/support/database';
import { enrolledDirectoryUser, type Tenant } from '../test/support/reset-setup';
import { startSambaDc, type SambaDc } from '../test/support/samba';
import { key32, type ReachableStack } from '../test/support/stack';
import { vendorFakesEnv } from '../test/support/vendor-fakes-env';
import { vendorFakesOutbox } from '../test/support/vendor-fakes-outbox';
import { isStale } from './support/build-freshness';
import { measureCpu, measureThreads, type ProcessInfo } from './support/cpu-usage';
import { compareSetups, printSetups, type CentralSetup } from './support/central-setups';
import { cutCpuProfiles, monotonicMicros } from './support/cpu-profile';
import { runLanes, type LanesResult } from './support/lanes';
import { memoryMbOf } from './support/process-footprint';
import { printTable, stats, type Stats } from './support/stats';

/**
 * `npm run bench:reset`: password resets end to end (technician API → workflow → agent → Samba → SMS at the fake
 * Twilio) next to the bare ldapts unicodePwd replace on the same Samba, at concurrency 1 and 8.
 *
 * It measures the production form: the central process (API and worker, role all) as `npm run build` compiles it,
 * with its prebuilt workflow bundle, and the agent as `npm run build:agent` compiles it, each its own OS process,
 * both run by plain node and rebuilt first when a source is newer than the build. Messages leave through the real
 * SDKs (nodemailer, twilio) to the loopback fakes in this process. So every process's CPU is its own: the central
 * process, the agent, this bench (its HTTP client and the vendor fakes), Temporal, Samba, PostgreSQL.
 *
 * Knobs: LATCHKEY_BENCH_FORM=source runs both from source under tsx instead; LATCHKEY_BENCH_CENTRAL_NODE_FLAGS adds
 * node flags to the central process (e.g. `--max-semi-space-size=32`); LATCHKEY_BENCH_CPU_PROFILE=<dir> writes the
 * central process's `--cpu-prof` profiles (one per thread) there, cut to the last turn's c=8 phase;
 * LATCHKEY_BENCH_CENTRAL_VARIANTS (`;`-separated flag sets, e.g. `--max-semi-space-size=16;--max-semi-space-size=32`)
 * adds node flag sets to the closing comparison.
 *
 * That comparison runs the shipped central side beside each kept change undone (the source form under tsx instead
 * of the compiled one; the API and the worker as two processes, so without eager start and the in-process
 * hand-off) and each flag set, at c=8, restarting the central side for each, round robin over
 * LATCHKEY_BENCH_VARIANT_ROUNDS rounds (3; 0 leaves it out).
 */
/** Enough that the variant rounds stay under the client's 100 resets per user an hour. */
const USERS = 24;
const WARMUP = 5;
/** Enough that p99 is not simply the slowest sample (with 60 it was). */
const ROUNDS_C1 = 200;
const ROUNDS_C8 = 240;
/** The bare write and the reset alternate this many times, each turn with its share of the rounds. */
const TURNS = 2;
const FORM: CentralForm = process.env.LATCHKEY_BENCH_FORM === 'source' ? 'source' : 'compiled';
const CENTRAL_NODE_FLAGS = (process.env.LATCHKEY_BENCH_CENTRAL_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);
const PROFILE_DIR = process.env.LATCHKEY_BENCH_CPU_PROFILE;
/** Node flag sets for the central process to compare, `;`-separated. */
const VARIANTS = (process.env.LATCHKEY_BENCH_CENTRAL_VARIANTS ?? '')
  .split(';')
  .map((variant) => variant.trim())
  .filter((variant) => variant && variant !== 'none');
const VARIANT_ROUNDS = Number(process.env.LATCHKEY_BENCH_VARIANT_ROUNDS ?? 3);
const SHIPPED: CentralSetup = {
  name: FORM === 'compiled' ? 'as shipped' : 'as shipped, but under tsx',
  form: FORM,
  split: false,
  nodeFlags: CENTRAL_NODE_FLAGS,
};
/** The shipped setup first, then each kept change undone by itself, then the flag sets to try. */
const SETUPS: CentralSetup[] = [
  SHIPPED,
  ...(FORM === 'compiled'
    ? [{ ...SHIPPED, name: 'undone: compiled form (tsx instead)', form: 'source' as const }]
    : []),
  { ...SHIPPED, name: 'undone: one process (API, worker apart)', split: true },
  ...VARIANTS.map((flags) => ({ ...SHIPPED, name: flags, nodeFlags: [...CENTRAL_NODE_FLAGS, ...flags.split(/\s+/)] })),
];
const VARIANT_WARMUP = 24;
/** Resets a setup's turn measures at c=8; with the main phases, 24 users stay under 100 resets an hour each. */
const SETUP_ROUNDS = 120;
const ROOT = join(__dirname, '..');
const AGENT_MAIN = join('dist', 'agent-package', 'agent', 'main.js');
/** How long the processes are left alone before their idle memory is read. */
const SETTLE_MS = 5_000;
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
    return await runLanes(concurrency, Math.ceil(rounds / concurrency), async (lane, i) => {
      const dn = dns[(lane + i * concurrency) % dns.length]!;
      const t0 = performance.now();
      await clients[lane]!.modify(
        dn,
        new Change({
          operation: 'replace',
          modification: new Attribute({ type: 'unicodePwd', values: [encodePassword(freshPassword())] }),
        }),
      );
      return performance.now() - t0;
    });
  } finally {
    await Promise.all(clients.map((client) => client.unbind().catch(() => undefined)));
  }
}

type Enrolled = Awaited<ReturnType<typeof enrolledDirectoryUser>>;

/** One reset, timed from the API request until the password SMS is in the outbox. */
async function timedReset(stack: ReachableStack, clientId: string, user: Enrolled): Promise<number> {
  const seen = new Set(stack.outbox.list({ to: user.phone }).map((m) => m.id));
  const t0 = performance.now();
  const request = user.api('POST', `/clients/${clientId}/users/${user.userId}/reset-password`);
  try {
    await stack.outbox.waitFor(
      (m) => m.to === user.phone && !seen.has(m.id) && m.text.includes('temporary password'),
      30_000,
    );
  } catch (error) {
    // What the API answered says why no password came (refused, failed, still running).
    const answer = await Promise.race([
      request.catch((failure: Error) => `an error: ${failure.message}`),
      sleep(5_000, 'no answer'),
    ]);
    throw new Error(`${(error as Error).message}; the API answered ${JSON.stringify(answer)}`);
  }
  const elapsed = performance.now() - t0;
  const response = await request;
  assert.equal(response.body.status, 'completed', JSON.stringify(response.body));
  return elapsed;
}

async function e2eResets(
  stack: ReachableStack,
  clientId: string,
  users: Enrolled[],
  concurrency: number,
  rounds: number,
) {
  const lanes = Array.from({ length: concurrency }, (_, lane) => users.filter((_, i) => i % concurrency === lane));
  return runLanes(concurrency, Math.ceil(rounds / concurrency), (lane, i) =>
    timedReset(stack, clientId, lanes[lane]![i % lanes[lane]!.length]!),
  );
}

/**
 * Splits resets' time, from their histories, into Temporal's share (dispatching workflow and activity tasks)
 * and ours (workflow tasks, which include the local activities that check and deliver, and the agent's
 * activity, which includes the directory write).
 */
async function breakdown(temporal: TemporalClient, clientId: string, users: Enrolled[]) {
  const parts = new Map<string, number[]>();
  const add = (name: string, value: number) => parts.set(name, [...(parts.get(name) ?? []), value]);
  const histories = await mapLimit(users, 4, (user) =>
    temporal.workflow.getHandle(makePasswordResetWorkflowId(clientId, user.userId)).fetchHistory(),
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

/**
 * Until the client's agent is online again: a heartbeat it sent while the central side restarted went unanswered,
 * and a reset is refused (agent offline) until its retry lands, within 5 s (agent/heartbeat.ts).
 */
async function agentSeenOnline(url: string, tenant: Tenant): Promise<void> {
  const api = apiClient(url, tenant.apiKey);
  await until(
    "the client's agent online after the central side's restart",
    90_000,
    async () => {
      const { body } = await api<{ items: Array<{ status: string }> }>('GET', `/clients/${tenant.clientId}/agents`);
      return body.items.some((agent) => agent.status === 'online') || undefined;
    },
    500,
  );
}

/** Several runs of one kind as one: their samples together, and their throughputs weighted by their counts. */
function pooled(runs: LanesResult[]): LanesResult {
  const samples = runs.flatMap((run) => run.samples);
  const seconds = runs.reduce((sum, run) => sum + run.samples.length / run.throughput, 0);
  return { samples, throughput: samples.length / seconds };
}

function addInto(total: Map<string, number>, more: Map<string, number>): void {
  for (const [key, value] of more) total.set(key, (total.get(key) ?? 0) + value);
}

/** The processes this run started (or, for PostgreSQL, the database it made), which the CPU table names. */
const mine: { centrals: number[]; agent?: number; temporal?: number; samba?: number; database?: string } = {
  centrals: [],
};
const CENTRAL_GROUP = 'central (API + worker)';

/**
 * Who is who on this machine during a run: the groups the CPU table reports. Other runs on the machine have dev
 * servers and Samba DCs of their own, so each group is this run's process tree; PostgreSQL is one server for all,
 * so its group is the backends connected to this run's database.
 */
function groupOf(process: ProcessInfo): string | undefined {
  if (mine.centrals.some((pid) => process.descendsFrom(pid))) return CENTRAL_GROUP;
  if (process.descendsFrom(mine.agent)) return 'agent';
  if (process.pid === globalThis.process.pid) return 'bench (HTTP client, vendor fakes)';
  if (process.descendsFrom(mine.temporal)) return 'Temporal dev server';
  if (process.descendsFrom(mine.samba)) return 'Samba AD';
  if (process.comm === 'postgres' && mine.database && process.cmdline().split(' ').includes(mine.database))
    return "PostgreSQL (this run's backends)";
  return undefined;
}

/** The compiled central process and agent, rebuilt only when a source is newer than what dist/ holds. */
async function ensureBuilds(): Promise<void> {
  if (isStale(ROOT, CENTRAL_MAIN)) await buildCentral(ROOT);
  else say(`${CENTRAL_MAIN} is current.`);
  if (isStale(ROOT, AGENT_MAIN)) buildAgentPackage(ROOT);
  else say(`${AGENT_MAIN} is current.`);
}

/** The highest resident memory of these processes together while `work` runs, sampled every 100 ms, in MB. */
async function peakRssWhile<T>(pids: number[], work: () => Promise<T>): Promise<{ result: T; peakMb: number }> {
  const rssMb = () => pids.reduce((sum, pid) => sum + memoryMbOf(pid).rssMb, 0);
  let peakMb = rssMb();
  const timer = setInterval(() => (peakMb = Math.max(peakMb, rssMb())), 100);
  try {
    const result = await work();
    return { result, peakMb: Math.max(peakMb, rssMb()) };
  } finally {
    clearInterval(timer);
  }
}

let lastCentralOutput: (() => string) | undefined;

async function run() {
  const benchStarted = performance.now();
  try {
    const services = await startTestServices(cleanups);
    if (FORM === 'compiled') await ensureBuilds();
    say('Provisioning a Samba AD DC…');
    const dc = await startSambaDc();
    cleanups.push(() => dc.stop());
    mine.temporal = services.temporalPid;
    mine.samba = dc.pid;
    const smtp = await startSmtpReceiver();
    cleanups.push(() => smtp.close());
    const authToken = randomBytes(16).toString('hex');
    const twilio = await startFakeTwilio({ accountSid: `AC${randomBytes(16).toString('hex')}`, authToken });
    cleanups.push(() => twilio.close());
    const messages = vendorFakesOutbox(smtp, twilio);
    cleanups.push(async () => messages.stop());
    const database = await createTestDatabase();
    cleanups.push(() => database.drop());
    mine.database = new URL(database.url).pathname.slice(1);

    const masterKey = key32();
    const port = await freePort();
    const centralEnv = {
      LATCHKEY_MASTER_KEY: masterKey,
      LATCHKEY_CODEC_KEYS: `bench1:${key32()}`,
      LATCHKEY_CODEC_ADMIN_TOKEN: randomBytes(24).toString('base64url'),
      LATCHKEY_PUBLIC_URL: `http://localhost:${port}`,
      LATCHKEY_HTTP_PORT: String(port),
      DATABASE_URL: database.url,
      TEMPORAL_ADDRESS: services.temporalAddress,
      RATE_LIMIT_PER_IP_PER_MINUTE: '100000',
      SMS_RESEND_INTERVAL: '0s',
      ...vendorFakesEnv(smtp, twilio, authToken),
    };
    let centrals: CentralProcess[] = [];
    const stopCentrals = async () => void (await Promise.all(centrals.map((process) => process.stop())));
    cleanups.push(stopCentrals);
    /** (Re)starts the central side in this setup, on the same port, database and Temporal. */
    const launchCentral = async (setup: CentralSetup, profile = false): Promise<string> => {
      await stopCentrals();
      const nodeArgs = [...setup.nodeFlags, ...(profile ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : [])];
      const spawnRole = (role: 'all' | 'api' | 'worker') => spawnCentralProcess(role, centralEnv, setup.form, nodeArgs);
      centrals = [];
      if (setup.split) {
        const worker = spawnRole('worker');
        centrals.push(worker);
        await worker.waitForLog('Central worker running', 180_000);
      }
      const api = spawnRole(setup.split ? 'api' : 'all');
      centrals.push(api);
      mine.centrals = centrals.map((process) => process.child.pid!);
      lastCentralOutput = () => centrals.map((process) => process.output()).join('\n');
      return (await api.waitForLog('HTTP server listening', 180_000)).url as string;
    };
    const url = await launchCentral(SHIPPED, Boolean(PROFILE_DIR));
    const [mainCentral] = mine.centrals as [number];
    const stack: ReachableStack = { url, temporalAddress: services.temporalAddress, outbox: messages.outbox };
    say(`Central process (${FORM}${CENTRAL_NODE_FLAGS.length ? `, ${CENTRAL_NODE_FLAGS.join(' ')}` : ''}) at ${url}.`);

    // The tenant straight through the stores, as an operator's CLI would make it; everything after goes over HTTP.
    const tenants = new TenantsStore(database.db);
    const msp = await tenants.createMsp('Bench MSP');
    const client = await tenants.createClient(msp.id, 'Bench MSP client', {
      requireSmsPin: false,
      resetsPerHour: 100,
      // Thousands of texts a run (enrolment codes, passwords): past the default daily ceiling, resets would fail.
      smsPerDay: 1_000_000,
    });
    assert.notEqual(client, 'duplicate');
    if (client === 'duplicate') return;
    const key = await new ApiKeysStore(database.db, new Secrets(Buffer.from(masterKey, 'base64'))).issue(
      { mspId: msp.id, clientId: null },
      'bench',
    );
    const tenant: Tenant = { mspId: msp.id, apiKey: key.token, clientId: client.id };

    // Its own process, as at a client site; the same helper the fault tests kill agents with.
    const agent = await spawnAgentProcess(
      stack,
      tenant,
      dc,
      {},
      {
        compiledMain: FORM === 'compiled' ? join(ROOT, AGENT_MAIN) : undefined,
      },
    );
    mine.agent = agent.child.pid;
    cleanups.push(() => killAgentProcess(agent));

    const connection = await Connection.connect({ address: services.temporalAddress });
    cleanups.push(() => connection.close());
    const temporal = new TemporalClient({ connection, namespace: loadTemporalSettings().namespace });

    say(`Enrolling ${USERS} directory users through the pages…`);
    const users = await mapLimit(Array.from({ length: USERS }), 4, () => enrolledDirectoryUser(stack, tenant, dc));
    const dns = users.map((user) => user.dn);

    say('Warming up…');
    await e2eResets(stack, tenant.clientId, users, 1, WARMUP);
    await bareResets(dc, dns, 1, WARMUP);
    await sleep(SETTLE_MS);
    const idle = { central: memoryMbOf(mainCentral).rssMb, agent: memoryMbOf(mine.agent!).rssMb };

    // The bare write and the reset take turns, so that a drift of the machine's speed during the run (other work,
    // the host's) weighs on both alike rather than on whichever ran later.
    const runs = {
      bare1: [] as LanesResult[],
      bare8: [] as LanesResult[],
      e2e1: [] as LanesResult[],
      e2e8: [] as LanesResult[],
    };
    const bareCpu = new Map<string, number>();
    const e2eCpu = new Map<string, number>();
    const threads = new Map<string, number>();
    let peakMb = 0;
    let parts: Array<[string, Stats]> = [];
    const window = { fromUs: 0, toUs: 0 };
    for (let turn = 1; turn <= TURNS; turn++) {
      const [c1, c8] = [ROUNDS_C1 / TURNS, ROUNDS_C8 / TURNS];
      say(`Turn ${turn} of ${TURNS}: ${c1} bare writes and ${c1} resets at concurrency 1, ${c8} of each at 8…`);
      runs.bare1.push(await bareResets(dc, dns, 1, c1));
      runs.e2e1.push(await e2eResets(stack, tenant.clientId, users, 1, c1));
      // Each user's last reset is then one at c=1.
      if (turn === TURNS) parts = await breakdown(temporal, tenant.clientId, users);
      const bare8 = await measureCpu(groupOf, () => bareResets(dc, dns, 8, c8));
      runs.bare8.push(bare8.result);
      addInto(bareCpu, bare8.cpu);
      window.fromUs = monotonicMicros();
      const e2e8 = await measureCpu(groupOf, () =>
        measureThreads(
          () => peakRssWhile([mainCentral], () => e2eResets(stack, tenant.clientId, users, 8, c8)),
          mainCentral,
        ),
      );
      window.toUs = monotonicMicros();
      runs.e2e8.push(e2e8.result.result.result);
      peakMb = Math.max(peakMb, e2e8.result.result.peakMb);
      addInto(e2eCpu, e2e8.cpu);
      addInto(threads, e2e8.result.threads);
    }
    const [bare1, bare8, e2e1, e2e8] = [pooled(runs.bare1), pooled(runs.bare8), pooled(runs.e2e1), pooled(runs.e2e8)];
    const memory = { centralIdleMb: idle.central, centralPeakC8Mb: peakMb, agentIdleMb: idle.agent };

    const [bare1Stats, e2e1Stats] = [stats(bare1.samples), stats(e2e1.samples)];
    const rows: Array<[string, Stats]> = [
      ['bare unicodePwd replace, c=1', bare1Stats],
      ['bare unicodePwd replace, c=8', stats(bare8.samples)],
      ['reset end to end, c=1', e2e1Stats],
      ['reset end to end, c=8', stats(e2e8.samples)],
    ];
    console.log(`\nform: ${FORM}; central node flags: ${CENTRAL_NODE_FLAGS.join(' ') || '(none)'}`);
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
    const perReset = (cpu: Map<string, number>, group: string, n: number) => ((cpu.get(group) ?? 0) * 1000) / n;
    for (const group of groups) {
      const cell = (cpu: Map<string, number>, n: number) => perReset(cpu, group, n).toFixed(1).padStart(8);
      console.log(`${group.padEnd(34)}  ${cell(bareCpu, bare8.samples.length)}  ${cell(e2eCpu, e2e8.samples.length)}`);
    }
    const total = [...e2eCpu.values()].reduce((sum, seconds) => sum + seconds, 0);
    console.log(
      `${'all of them'.padEnd(34)}  ${''.padStart(8)}  ${((total * 1000) / e2e8.samples.length).toFixed(1).padStart(8)}`,
    );

    console.log(`\nof which the central process, by thread (ms per reset at c=8):`);
    for (const [group, seconds] of threads) {
      console.log(`  ${group.padEnd(32)}  ${((seconds * 1000) / e2e8.samples.length).toFixed(1).padStart(8)}`);
    }
    console.log(
      `\nmemory (resident, MB): central idle ${memory.centralIdleMb.toFixed(0)}, central peak at c=8 ${memory.centralPeakC8Mb.toFixed(0)}, agent idle ${memory.agentIdleMb.toFixed(0)}`,
    );

    const ratio = {
      p50: e2e1Stats.p50 / bare1Stats.p50,
      p99: e2e1Stats.p99 / bare1Stats.p99,
      throughput: e2e8.throughput / bare8.throughput,
    };
    const cpuMsPerReset = Object.fromEntries(
      groups.map((group) => [group, perReset(e2eCpu, group, e2e8.samples.length)]),
    );
    const centralThreadsMsPerReset = Object.fromEntries(
      [...threads].map(([group, seconds]) => [group, (seconds * 1000) / e2e8.samples.length]),
    );
    const file = writeResults('reset', {
      form: FORM,
      centralNodeFlags: CENTRAL_NODE_FLAGS,
      cpus: cpus().length,
      rows: Object.fromEntries(rows),
      parts: Object.fromEntries(parts),
      throughput: { bare1: bare1.throughput, bare8: bare8.throughput, e2e1: e2e1.throughput, e2e8: e2e8.throughput },
      cpuMsPerReset,
      centralThreadsMsPerReset,
      memory,
      ratio,
    });
    console.log(`\nresults: ${file}`);
    if (PROFILE_DIR) {
      // --cpu-prof writes when the process exits: stop it now, then cut what it wrote to the c=8 phase.
      await stopCentrals();
      for (const profile of cutCpuProfiles(PROFILE_DIR, window.fromUs, window.toUs))
        console.log(`CPU profile of the central process at c=8: ${profile}`);
    }
    if (VARIANT_ROUNDS > 0) {
      const setups = await compareSetups(SETUPS, VARIANT_ROUNDS, CENTRAL_GROUP, async (setup) => {
        await agentSeenOnline(await launchCentral(setup), tenant);
        await e2eResets(stack, tenant.clientId, users, 8, VARIANT_WARMUP); // The JIT and the pools, after the restart.
        const {
          result: { result, peakMb },
          cpu,
        } = await measureCpu(groupOf, () =>
          peakRssWhile(mine.centrals, () => e2eResets(stack, tenant.clientId, users, 8, SETUP_ROUNDS)),
        );
        return {
          resets: result.samples.length,
          throughput: result.throughput,
          cpuSecondsByGroup: cpu,
          centralPeakMb: peakMb,
        };
      });
      printSetups(setups, VARIANT_ROUNDS, bare8.throughput);
      console.log(`results of the setups: ${writeResults('reset-setups', setups)}`);
    }
    console.log(
      `reset e2e/bare: p50 ${ratio.p50.toFixed(2)} p99 ${ratio.p99.toFixed(2)} throughput ${ratio.throughput.toFixed(2)}`,
    );
  } catch (error) {
    // The central process's own account of a failure, which it logs rather than answers.
    const tail = lastCentralOutput?.().split('\n').slice(-40).join('\n');
    if (tail) console.error(`[latchkey] the central process's last output:\n${tail}`);
    throw error;
  } finally {
    await cleanups.run();
    say(`Bench finished in ${((performance.now() - benchStarted) / 1000).toFixed(1)} s.`);
  }
}

runBench('bench:reset', cleanups, 30 * 60_000, run);
