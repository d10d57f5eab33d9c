import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { NativeConnection, Worker } from '@temporalio/worker';
import { sharedCodecKeys } from '../common/temporal/codec-keys';
import { createDataConverter } from '../common/temporal/data-converter';
import { say } from '../scripts/lib/say';
import { normalisePhoneNumber } from '../server/services/phone-number';
import { linkIn, reachCodeStep } from '../test/support/enrollment-flow';
import { apiClient, type BrowserSession } from '../test/support/http';
import { createTenant, startTestStack, type TestStack } from '../test/support/stack';
import { Cleanups } from '../scripts/lib/cleanups';
import { runBench, writeResults } from './support/bench-run';
import { startTestServices } from '../scripts/lib/test-services';
import { ms, printTable, stats, type Stats } from './support/stats';
import { memoryMbOf } from './support/process-footprint';
import {
  ENROLL_STEPS,
  historyShape,
  measureEnrollmentLoad,
  PAGE_STEPS,
  worstPageP99,
  type EnrollmentLoadResult,
  type EnrollStep,
} from './enrollment-load';
import { mapLimit } from '../server/services/map-limit';
import { bareFinishSignal, bareUpdate, bareUpdateWorkflow, bareWorkflow } from './bare.workflow';
import { temporalConnectionOptions } from '../common/temporal/connection';

/**
 * `npm run bench`: activation throughput, code-submission latency and enrollment through the pages under load
 * (bench/enrollment-load.ts, on PostgreSQL and on PGlite) against the real stack (a Temporal dev server, the
 * whole app in this process), with bare Temporal round trips measured in the same run so that the app's numbers
 * can be read relative to what Temporal alone costs on this machine, and the central process's RSS.
 */

const USERS = 1_000;
const ACTIVATE_BATCH = 250;
const ENROLLMENTS = 200;
// The first round trips of each kind pay for JIT compilation, connection set-up and workflow-cache misses.
const WARMUP = 10;
const PREP_CONCURRENCY = 4;
const BARE_ROUNDS = 200;
// Generous: on a machine shared with other work, 1,000 activations have taken over 100 s.
const ACTIVATION_TIMEOUT_MS = 240_000;
// Issue 13's case: a client's staff enrolling through the pages at once, on each store.
const LOAD_USERS = 100;
const LOAD_CONCURRENCY = 25;
// A hung phase should fail the run, not hold the machine; the whole bench normally takes well under this.
const WATCHDOG_MS = 12 * 60_000;

const seconds = (startedAt: number) => ((performance.now() - startedAt) / 1000).toFixed(2);

/**
 * Distinct numbers per enrollment, because the daily SMS limit also counts per phone number. 555-01xx is
 * reserved for fiction, but libphonenumber's metadata accepts these as FIXED_LINE_OR_MOBILE, which is all the
 * enrollment page asks; the (201) 2xx range is the fallback should a metadata update start refusing them.
 */
function phoneNumbers(count: number): string[] {
  const candidates = (prefix: string) =>
    Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(4, '0')}`);
  for (const prefix of ['+1415555', '+1201255']) {
    const phones = candidates(prefix);
    try {
      if (phones.every((phone) => normalisePhoneNumber(phone, 'US') === phone)) return phones;
    } catch {
      // Try the next range.
    }
  }
  throw new Error('no range of test phone numbers passes normalisePhoneNumber');
}

interface ActivationResult {
  imported: number;
  importSeconds: number;
  emails: number;
  acceptedSeconds: number;
  seconds: number;
  emailsPerSecond: number;
  links: Map<string, string>;
}

async function measureActivation(stack: TestStack, count = USERS): Promise<ActivationResult> {
  const tenant = await createTenant(stack, 'Bench MSP');
  const api = apiClient(stack.url, tenant.apiKey);
  const runId = randomUUID().slice(0, 8);
  const users = Array.from({ length: count }, (_, i) => ({
    username: `bench${i}`,
    email: `bench${i}.${runId}@example.com`,
    displayName: `Bench User ${i}`,
  }));

  say(`Importing ${count} users through POST /users/import…`);
  const importStarted = performance.now();
  const imported = await api<{ created: number; items: Array<{ id: string; email: string }> }>(
    'POST',
    `/clients/${tenant.clientId}/users/import`,
    { users },
  );
  const importSeconds = (performance.now() - importStarted) / 1000;
  assert.equal(imported.status, 201, JSON.stringify(imported.body).slice(0, 500));
  assert.equal(imported.body.created, count);
  say(`  imported ${imported.body.created} users in ${importSeconds.toFixed(2)} s`);

  const userIds = imported.body.items.map((user) => user.id);
  const batches: string[][] = [];
  for (let start = 0; start < userIds.length; start += ACTIVATE_BATCH)
    batches.push(userIds.slice(start, start + ACTIVATE_BATCH));

  // Watch the outbox as messages land rather than polling it, so the finish time is exact.
  const baseline = stack.outbox.count('email');
  let seen = 0;
  let finishedAt = 0;
  const startedAt = performance.now();
  const allDelivered = stack.outbox.waitFor((message) => {
    if (message.channel !== 'email') return false;
    seen++;
    if (seen % 250 === 0) say(`  ${seen}/${count} activation emails in the outbox (${seconds(startedAt)} s)`);
    if (seen < baseline + count) return false;
    finishedAt = performance.now();
    return true;
  }, ACTIVATION_TIMEOUT_MS);

  say(`Activating ${count} users: ${batches.length} concurrent POST /users/activate of ${ACTIVATE_BATCH}…`);
  const responses = await Promise.all(
    batches.map((batch) =>
      api<{ results: Array<{ outcome: string }> }>('POST', `/clients/${tenant.clientId}/users/activate`, {
        userIds: batch,
      }),
    ),
  );
  const acceptedSeconds = (performance.now() - startedAt) / 1000;
  for (const response of responses) {
    assert.equal(response.status, 202, JSON.stringify(response.body).slice(0, 500));
    const refused = response.body.results.filter((result) => result.outcome !== 'activated');
    assert.equal(refused.length, 0, `unexpected outcomes: ${JSON.stringify(refused.slice(0, 5))}`);
  }
  say(`  all activate requests answered 202 after ${acceptedSeconds.toFixed(2)} s`);
  await allDelivered;
  const emails = stack.outbox.count('email') - baseline;
  assert.equal(emails, count, `expected ${count} activation emails, the outbox has ${emails}`);
  const elapsed = (finishedAt - startedAt) / 1000;

  const links = new Map<string, string>();
  for (const message of stack.outbox.list({ channel: 'email' })) links.set(message.to, linkIn(message));
  const byUser = new Map(users.map((user) => [user.email, links.get(user.email)!]));
  return {
    imported: imported.body.created,
    importSeconds,
    emails,
    acceptedSeconds,
    seconds: elapsed,
    emailsPerSecond: emails / elapsed,
    links: byUser,
  };
}

/**
 * The users were activated in the first phase, so each enrollment starts from its activation email. Reaching
 * the code step runs a few lanes at a time to keep the bench short; the code posts then go one at a time with
 * nothing else in flight, so that their latency is comparable with the sequential bare baselines rather than
 * inflated by queueing on a two-core machine.
 */
async function measureCodeSubmission(stack: TestStack, links: string[], phones: string[]) {
  say(`Taking ${links.length} users to the code step (${PREP_CONCURRENCY} at a time)…`);
  const prepStarted = performance.now();
  const prepared = await mapLimit([...links.entries()], PREP_CONCURRENCY, async ([index, link]) => {
    const step = await reachCodeStep(stack, link, phones[index]!);
    if ((index + 1) % 50 === 0) say(`  ${index + 1}/${links.length} at the code step (${seconds(prepStarted)} s)`);
    return step;
  });

  say(`Submitting ${links.length} codes one at a time (first ${WARMUP} are warm-up)…`);
  const samples: number[] = [];
  for (const [index, step] of prepared.entries()) {
    const elapsed = await timeCodePost(step.browser, step.code);
    if (index >= WARMUP) samples.push(elapsed);
  }
  return { samples, prepSeconds: (performance.now() - prepStarted) / 1000 };
}

async function timeCodePost(browser: BrowserSession, code: string): Promise<number> {
  const started = performance.now();
  const response = await browser.post('/enroll/code', { code });
  const elapsed = performance.now() - started;
  assert.equal(response.status, 303, response.html.slice(0, 500));
  assert.equal(response.location, '/enroll');
  return elapsed;
}

/**
 * Same client, connection and data converter (with its encryption codec) as the app, on a queue of its own, so
 * the only thing the bare numbers leave out is Latchkey's own work.
 */
async function measureBare(stack: TestStack, temporalAddress: string) {
  const taskQueue = `bench-bare-${randomUUID()}`;
  const connection = await NativeConnection.connect(
    temporalConnectionOptions(temporalAddress, stack.config.temporalTransport),
  );
  const worker = await Worker.create({
    connection,
    namespace: stack.runtime.namespace,
    taskQueue,
    workflowsPath: require.resolve('./bare.workflow'),
    dataConverter: createDataConverter(sharedCodecKeys(stack.config.codecKeys)),
  });
  const running = worker.run();
  const client = stack.runtime.temporal;
  try {
    say(`Bare start-and-wait round trips: ${WARMUP} warm-up + ${BARE_ROUNDS}, one at a time…`);
    const start: number[] = [];
    for (let i = 0; i < WARMUP + BARE_ROUNDS; i++) {
      const started = performance.now();
      const result = await client.workflow.execute(bareWorkflow, {
        taskQueue,
        workflowId: `bench-bare-${randomUUID()}`,
      });
      const elapsed = performance.now() - started;
      assert.equal(result, 'ok');
      if (i >= WARMUP) start.push(elapsed);
    }

    say(`Bare Workflow Update round trips: ${WARMUP} warm-up + ${BARE_ROUNDS} on one running workflow…`);
    const handle = await client.workflow.start(bareUpdateWorkflow, {
      taskQueue,
      workflowId: `bench-bare-update-${randomUUID()}`,
    });
    const update: number[] = [];
    for (let i = 0; i < WARMUP + BARE_ROUNDS; i++) {
      const started = performance.now();
      const result = await handle.executeUpdate(bareUpdate);
      const elapsed = performance.now() - started;
      assert.equal(result, 'ok');
      if (i >= WARMUP) update.push(elapsed);
    }
    await handle.signal(bareFinishSignal);
    assert.equal(await handle.result(), WARMUP + BARE_ROUNDS);
    return { start, update };
  } finally {
    worker.shutdown();
    await running.catch(() => undefined);
    await connection.close();
  }
}

const cleanups = new Cleanups();

const STACK_ENV = {
  LATCHKEY_LOG_LEVEL: 'info',
  RATE_LIMIT_PER_IP_PER_MINUTE: '100000',
  SMS_DAILY_LIMIT_PER_USER: '1000',
  SMS_RESEND_INTERVAL: '0s',
};

/** Starts a stack and registers its stop; the stop may also be called early, and then runs once. */
async function startBenchStack(env: Record<string, string> = {}): Promise<TestStack> {
  // Production's log level: formatting debug lines would be CPU the app does not spend in production.
  const stack = await startTestStack({ logLevel: 'info', env: { ...STACK_ENV, ...env } });
  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= stack.stop());
  cleanups.push(stop);
  return { ...stack, stop };
}

/** Resident memory of this process, the central process of the bench (API, central worker, bench client). */
const rssMb = () => Math.round(memoryMbOf(process.pid).rssMb);

async function run(): Promise<void> {
  const benchStarted = performance.now();
  try {
    const { temporalAddress } = await startTestServices(cleanups);
    const phones = phoneNumbers(WARMUP + ENROLLMENTS + LOAD_USERS);
    const loadPhones = phones.slice(WARMUP + ENROLLMENTS);
    say('Starting Latchkey in-process on a fresh PostgreSQL database…');
    const stack = await startBenchStack();
    say(`Setup took ${seconds(benchStarted)} s.`);

    const rssBeforeActivation = rssMb();
    const activation = await measureActivation(stack);
    const rssWithRunningEnrollments = rssMb();
    say(
      `activation: ${activation.emails} emails in ${activation.seconds.toFixed(2)} s (${activation.emailsPerSecond.toFixed(1)}/s); RSS ${rssBeforeActivation} → ${rssWithRunningEnrollments} MB`,
    );

    const allLinks = [...activation.links.values()];
    const enrollLinks = allLinks.slice(0, WARMUP + ENROLLMENTS);
    const code = await measureCodeSubmission(stack, enrollLinks, phones);

    const loadLinks = allLinks.slice(WARMUP + ENROLLMENTS, WARMUP + ENROLLMENTS + LOAD_USERS);
    say(`Enrolling ${LOAD_USERS} users through the pages, ${LOAD_CONCURRENCY} at a time (PostgreSQL)…`);
    const loadPostgres = await measureEnrollmentLoad(stack, loadLinks, loadPhones, LOAD_CONCURRENCY, 'enroll-postgres');

    const historyPostgres = await historyShape(stack);
    const bare = await measureBare(stack, temporalAddress);
    await stack.stop();

    say('Starting Latchkey in-process on a fresh embedded PGlite store (as npm start runs)…');
    const pgliteDir = mkdtempSync(join(tmpdir(), 'latchkey-bench-pglite-'));
    cleanups.push(async () => rmSync(pgliteDir, { recursive: true, force: true }));
    const embedded = await startBenchStack({ DATABASE_URL: '', LATCHKEY_DATA_DIR: pgliteDir });
    const embeddedActivation = await measureActivation(embedded, LOAD_USERS);
    say(`Enrolling ${LOAD_USERS} users through the pages, ${LOAD_CONCURRENCY} at a time (PGlite)…`);
    const loadPglite = await measureEnrollmentLoad(
      embedded,
      [...embeddedActivation.links.values()],
      loadPhones,
      LOAD_CONCURRENCY,
      'enroll-pglite',
    );
    const historyPglite = await historyShape(embedded);
    await embedded.stop();

    const codeStats = stats(code.samples);
    const startStats = stats(bare.start);
    const updateStats = stats(bare.update);
    const ratios = {
      vsBareUpdate: { p50: codeStats.p50 / updateStats.p50, p99: codeStats.p99 / updateStats.p99 },
      vsBareStart: { p50: codeStats.p50 / startStats.p50, p99: codeStats.p99 / startStats.p99 },
    };

    console.log('');
    printTable([
      ['POST /enroll/code', codeStats],
      ['bare Workflow Update', updateStats],
      ['bare start + result', startStats],
    ]);
    for (const [store, load, history] of [
      ['PostgreSQL', loadPostgres, historyPostgres],
      ['PGlite', loadPglite, historyPglite],
    ] as const) {
      console.log('');
      printLoadTable(`${store}: ${load.users} users, ${load.concurrency} in parallel (ms)`, load, updateStats);
      const worst = worstPageP99(load);
      console.log(
        `${store}: ${load.users} enrollments in ${load.seconds.toFixed(2)} s; slowest page step p99 ${ms(worst.p99)} ms (${worst.step}); ${load.queriesPerEnrollment.toFixed(1)} SQL statements per enrollment; CPU ms per enrollment: ${formatCpu(load.cpuSeconds, load.users)}`,
      );
      const waits = load.connectionWaits;
      console.log(
        waits
          ? `${store}: callers waiting for a database connection: mean ${waits.mean.toFixed(2)}, max ${waits.max}; every connection busy ${(100 * waits.busyShare).toFixed(0)}% of the time`
          : `${store}: no knex pool to sample (PGlite queues inside itself)`,
      );
      console.log(
        `${store}: per enrollment run (${history.runs} read): ${history.events} history events, ${history.workflowTasks} workflow tasks, ${history.activities} activities, ${history.localActivities} local activities`,
      );
    }
    console.log('');
    console.log(`import: ${activation.imported} users in ${activation.importSeconds.toFixed(2)} s`);
    console.log(
      `activation: ${activation.emails} emails in ${activation.seconds.toFixed(2)} s (${activation.emailsPerSecond.toFixed(1)}/s); requests answered after ${activation.acceptedSeconds.toFixed(2)} s`,
    );
    console.log(
      `central RSS: ${rssBeforeActivation} MB before activation, ${rssWithRunningEnrollments} MB with ${USERS} enrollment workflows running (${(rssWithRunningEnrollments / rssBeforeActivation).toFixed(2)}×)`,
    );
    console.log(`code submission p50 ${ms(codeStats.p50)} ms p99 ${ms(codeStats.p99)} ms`);
    console.log(`bare update p50 ${ms(updateStats.p50)} ms p99 ${ms(updateStats.p99)} ms`);
    console.log(`bare start p50 ${ms(startStats.p50)} ms p99 ${ms(startStats.p99)} ms`);
    console.log(
      `code-submit/bare-update: p50 ${ratios.vsBareUpdate.p50.toFixed(2)} p99 ${ratios.vsBareUpdate.p99.toFixed(2)}`,
    );
    console.log(
      `code-submit/bare-start: p50 ${ratios.vsBareStart.p50.toFixed(2)} p99 ${ratios.vsBareStart.p99.toFixed(2)}`,
    );
    console.log(`load: ${loadAverage()}`);

    const finishedAt = new Date();
    const round = (values: number[]) => values.map((value) => Math.round(value * 1000) / 1000);
    const loadReport = (load: EnrollmentLoadResult) => ({
      users: load.users,
      concurrency: load.concurrency,
      seconds: load.seconds,
      cpuSeconds: load.cpuSeconds,
      cpuMsPerEnrollment: Object.fromEntries(
        Object.entries(load.cpuSeconds).map(([group, used]) => [group, (used * 1000) / load.users]),
      ),
      queriesPerEnrollment: load.queriesPerEnrollment,
      connectionWaits: load.connectionWaits,
      queryShapes: load.queryShapes,
      slowestPageP99: worstPageP99(load),
      steps: Object.fromEntries(
        ENROLL_STEPS.map((step) => [
          step,
          {
            ...load.steps[step],
            p50VsBareUpdate: load.steps[step].p50 / updateStats.p50,
            p99VsBareUpdate: load.steps[step].p99 / updateStats.p99,
            samplesMs: round(load.samplesMs[step]),
          },
        ]),
      ),
    });
    const report = {
      finishedAt: finishedAt.toISOString(),
      machine: {
        node: process.version,
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model,
        memoryMb: Math.round(totalmem() / 2 ** 20),
        loadAverage: loadavg(),
      },
      settings: {
        users: USERS,
        activateBatch: ACTIVATE_BATCH,
        enrollments: ENROLLMENTS,
        warmup: WARMUP,
        prepConcurrency: PREP_CONCURRENCY,
        bareRounds: BARE_ROUNDS,
        loadUsers: LOAD_USERS,
        loadConcurrency: LOAD_CONCURRENCY,
      },
      activation: {
        emails: activation.emails,
        seconds: activation.seconds,
        emailsPerSecond: activation.emailsPerSecond,
        requestsAnsweredSeconds: activation.acceptedSeconds,
        importSeconds: activation.importSeconds,
      },
      memory: {
        rssBeforeActivationMb: rssBeforeActivation,
        rssWithRunningEnrollmentsMb: rssWithRunningEnrollments,
        runningEnrollments: USERS,
      },
      codeSubmission: { ...codeStats, prepSeconds: code.prepSeconds, samplesMs: round(code.samples) },
      enrollmentLoad: {
        postgres: { ...loadReport(loadPostgres), history: historyPostgres },
        pglite: { ...loadReport(loadPglite), history: historyPglite },
      },
      bareUpdate: { ...updateStats, samplesMs: round(bare.update) },
      bareStart: { ...startStats, samplesMs: round(bare.start) },
      ratios: { codeSubmitVsBareUpdate: ratios.vsBareUpdate, codeSubmitVsBareStart: ratios.vsBareStart },
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      totalSeconds: (performance.now() - benchStarted) / 1000,
    };
    console.log(`\nresults: ${writeResults('activation', report, finishedAt)}`);
  } finally {
    say('Stopping the stack and the Temporal dev server…');
    await cleanups.run();
    say(`Bench finished in ${seconds(benchStarted)} s.`);
  }
}

/** Each page step's latency, beside the bare Update round trip measured in the same run. */
function printLoadTable(title: string, load: EnrollmentLoadResult, bareUpdate: Stats) {
  printTable(
    ENROLL_STEPS.map((step) => [step, load.steps[step]]),
    title,
  );
  const ratio = (step: EnrollStep) =>
    `${(load.steps[step].p50 / bareUpdate.p50).toFixed(1)}× / ${(load.steps[step].p99 / bareUpdate.p99).toFixed(1)}×`;
  console.log(`  vs bare Update (p50 / p99): ${PAGE_STEPS.map((step) => `${step} ${ratio(step)}`).join('; ')}`);
}

const formatCpu = (cpu: Record<string, number>, users: number) =>
  Object.entries(cpu)
    .map(([group, secondsUsed]) => `${group} ${((secondsUsed * 1000) / users).toFixed(0)}`)
    .join(', ');

const loadAverage = () =>
  `load average ${loadavg()
    .map((value) => value.toFixed(2))
    .join(', ')} on ${cpus().length} cores`;

runBench('bench', cleanups, WATCHDOG_MS, run);
