import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { say } from '../scripts/lib/say';
import { mapLimit } from '../server/services/map-limit';
import { codeIn } from '../test/support/enrollment-flow';
import { BrowserSession } from '../test/support/http';
import type { TestStack } from '../test/support/stack';
import { measureCpu, type ProcessInfo } from './support/cpu-usage';
import { profiled } from './support/in-process-profile';
import { stats, type Stats } from './support/stats';

/**
 * The issue-13 case: users enroll through the real pages over HTTP, many at once, as a new client's staff would
 * on the morning the MSP activates them. Every request a browser makes is timed on its own, so a slow step
 * shows which one it is; the wait for the text is timed too, though no page waits on it.
 */

export const ENROLL_STEPS = [
  'GET /activate/:token',
  'POST /activate/:token',
  'GET /enroll (phone)',
  'POST /enroll/phone',
  'GET /enroll (code)',
  'text in the outbox',
  'POST /enroll/code',
  'GET /enroll (method)',
  'POST /enroll/method',
  'GET /enroll (done)',
] as const;
export type EnrollStep = (typeof ENROLL_STEPS)[number];

/** Page steps: the requests a user waits on (the text's arrival is not a page). */
export const PAGE_STEPS = ENROLL_STEPS.filter((step) => step !== 'text in the outbox');

export interface EnrollmentLoadResult {
  users: number;
  concurrency: number;
  seconds: number;
  steps: Record<EnrollStep, Stats>;
  samplesMs: Record<EnrollStep, number[]>;
  /** Database statements per enrollment, all of them (HTTP, activities), and per statement shape. */
  queriesPerEnrollment: number;
  /** Callers waiting for a database connection (knex's pool), sampled every 10 ms: the queueing suspect. */
  connectionWaits: { mean: number; max: number; busyShare: number } | undefined;
  queryShapes: Record<string, number>;
  /** CPU seconds per group (this process, this run's Temporal dev server) while the users enrolled. */
  cpuSeconds: Record<string, number>;
}

/**
 * Only processes of this run: other work on the machine (other benches, test suites with dev servers of their
 * own) must not count. PostgreSQL is left out for that reason: its server is shared, and a backend cannot be
 * told apart by its process.
 */
function groupOf(found: ProcessInfo): string | undefined {
  if (found.pid === process.pid) return 'latchkey (API + central worker + bench client)';
  if (found.comm === 'temporal' && found.descendsFrom(process.pid)) return 'Temporal dev server';
  return undefined;
}

/** Enrolls every link's user for SMS, `concurrency` users at a time, each through all the pages. */
export async function measureEnrollmentLoad(
  stack: TestStack,
  links: string[],
  phones: string[],
  concurrency: number,
  label: string,
): Promise<EnrollmentLoadResult> {
  assert.ok(phones.length >= links.length, 'one phone number per user');
  const samples = Object.fromEntries(ENROLL_STEPS.map((step) => [step, [] as number[]])) as Record<
    EnrollStep,
    number[]
  >;
  // Counted rather than timed: a query count does not move with the machine's load, so it compares across runs.
  const queries = new Map<string, number>();
  const countQuery = (query: { sql: string }) => {
    const shape = query.sql.replace(/\s+/g, ' ').slice(0, 120);
    queries.set(shape, (queries.get(shape) ?? 0) + 1);
  };
  stack.runtime.db.on('query', countQuery);
  const waits = sampleConnectionWaits(stack);
  const startedAt = performance.now();
  let done = 0;
  const { cpu } = await measureCpu(groupOf, () =>
    profiled(
      () =>
        mapLimit([...links.entries()], concurrency, async ([index, link]) => {
          await enrollThroughPages(stack, link, phones[index]!, (step, elapsed) => samples[step].push(elapsed)).catch(
            (error: unknown) => {
              // What the app logged as going wrong says more than the page did; the logs carry no secrets.
              const problems = stack.logs.filter((line) => /"level":"(warn|error)"/.test(line)).slice(-10);
              throw new Error(`enrollment ${index} failed; the app's last warnings:\n${problems.join('\n')}`, {
                cause: error,
              });
            },
          );
          if (++done % 25 === 0)
            say(`  ${done}/${links.length} enrolled (${((performance.now() - startedAt) / 1000).toFixed(2)} s)`);
        }),
      label,
    ),
  );
  const seconds = (performance.now() - startedAt) / 1000;
  stack.runtime.db.removeListener('query', countQuery);
  const connectionWaits = waits.stop();
  const queryCount = [...queries.values()].reduce((sum, count) => sum + count, 0);
  return {
    queriesPerEnrollment: queryCount / links.length,
    connectionWaits,
    queryShapes: Object.fromEntries(
      [...queries].sort((a, b) => b[1] - a[1]).map(([sql, count]) => [sql, count / links.length]),
    ),
    users: links.length,
    concurrency,
    seconds,
    steps: Object.fromEntries(ENROLL_STEPS.map((step) => [step, stats(samples[step])])) as Record<EnrollStep, Stats>,
    samplesMs: samples,
    cpuSeconds: Object.fromEntries(cpu),
  };
}

async function enrollThroughPages(
  stack: TestStack,
  link: string,
  phone: string,
  record: (step: EnrollStep, elapsed: number) => void,
): Promise<void> {
  const browser = new BrowserSession(stack.url);
  const timed = async <T>(step: EnrollStep, request: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    const result = await request();
    record(step, performance.now() - started);
    return result;
  };
  const expectPage = (page: { status: number; html: string }, pattern: RegExp) => {
    assert.equal(page.status, 200, page.html.slice(0, 500));
    assert.match(page.html, pattern);
  };
  const expectRedirect = (posted: { status: number; html: string; location: string | null }, to: string) => {
    assert.equal(posted.status, 303, posted.html.slice(0, 500));
    assert.equal(posted.location, to);
  };

  expectPage(await timed('GET /activate/:token', () => browser.get(link)), /Set up password reset/);
  expectRedirect(await timed('POST /activate/:token', () => browser.post(link, {})), '/enroll');
  expectPage(await timed('GET /enroll (phone)', () => browser.get('/enroll')), /Your cell number/);

  const seen = new Set(stack.outbox.list({ channel: 'sms' }).map((message) => message.id));
  const text = stack.outbox.waitFor(
    (message) => message.channel === 'sms' && message.to === phone && !seen.has(message.id),
    30_000,
  );
  const phonePosted = performance.now();
  // Timed when it lands, not when awaited: the code page's load would otherwise count as the text's delay.
  const arrived = text.then((message) => ({ message, at: performance.now() }));
  expectRedirect(await timed('POST /enroll/phone', () => browser.post('/enroll/phone', { phone })), '/enroll');
  expectPage(await timed('GET /enroll (code)', () => browser.get('/enroll')), /Enter the code/);
  const { message: sms, at } = await arrived;
  record('text in the outbox', at - phonePosted);

  expectRedirect(
    await timed('POST /enroll/code', () => browser.post('/enroll/code', { code: codeIn(sms) })),
    '/enroll',
  );
  expectPage(await timed('GET /enroll (method)', () => browser.get('/enroll')), /How do you want to reset/);
  expectRedirect(
    await timed('POST /enroll/method', () => browser.post('/enroll/method', { method: 'sms' })),
    '/enroll',
  );
  expectPage(await timed('GET /enroll (done)', () => browser.get('/enroll')), /You are all set/);
}

interface PoolProbe {
  numPendingAcquires(): number;
  numUsed(): number;
  max: number;
}

/**
 * Samples knex's pool while the users enroll: how many callers wait for a connection, and how often every
 * connection is in use (PGlite has one; PostgreSQL has connectDatabase's default of 10).
 */
function sampleConnectionWaits(stack: TestStack) {
  const pool = (stack.runtime.db.client as { pool?: PoolProbe }).pool;
  let samples = 0;
  let waiting = 0;
  let max = 0;
  let saturated = 0;
  const timer = setInterval(() => {
    if (!pool) return;
    const pending = pool.numPendingAcquires();
    samples++;
    waiting += pending;
    max = Math.max(max, pending);
    if (pool.numUsed() >= pool.max) saturated++;
  }, 10);
  return {
    stop() {
      clearInterval(timer);
      // knex-pglite serialises inside PGlite rather than in a knex pool, so there is nothing to sample there.
      if (!pool) return undefined;
      return { mean: waiting / Math.max(samples, 1), max, busyShare: saturated / Math.max(samples, 1) };
    },
  };
}

export interface HistoryShape {
  runs: number;
  /** Per enrollment run, from activation to its end: what the Temporal server stored and dispatched. */
  events: number;
  workflowTasks: number;
  activities: number;
  localActivities: number;
}

/**
 * What the enrolled users' workflows cost the Temporal server, counted from their histories: like the statement
 * count, a figure that the machine's load does not move. Each regular activity is a task through the server;
 * each local activity a marker in the workflow's own task.
 */
export async function historyShape(stack: TestStack, sample = 10): Promise<HistoryShape> {
  const rows: Array<{ workflow_id: string }> = await stack.runtime
    .db('enrollments')
    .select('workflow_id')
    .where({ status: 'enrolled_sms' })
    .limit(sample);
  const totals = { events: 0, workflowTasks: 0, activities: 0, localActivities: 0 };
  for (const { workflow_id: workflowId } of rows) {
    const handle = stack.runtime.temporal.workflow.getHandle(workflowId);
    await handle.result();
    const { events } = await handle.fetchHistory();
    for (const event of events ?? []) {
      totals.events++;
      if (event.workflowTaskCompletedEventAttributes) totals.workflowTasks++;
      if (event.activityTaskScheduledEventAttributes) totals.activities++;
      if (event.markerRecordedEventAttributes?.markerName === 'core_local_activity') totals.localActivities++;
    }
  }
  const per = (total: number) => total / Math.max(rows.length, 1);
  return {
    runs: rows.length,
    events: per(totals.events),
    workflowTasks: per(totals.workflowTasks),
    activities: per(totals.activities),
    localActivities: per(totals.localActivities),
  };
}

/** The slowest page step's p99, the figure the target (≤ 1 s) is about. */
export function worstPageP99(result: EnrollmentLoadResult): { step: EnrollStep; p99: number } {
  return PAGE_STEPS.map((step) => ({ step, p99: result.steps[step].p99 })).sort((a, b) => b.p99 - a.p99)[0]!;
}
