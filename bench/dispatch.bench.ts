import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import * as nexus from 'nexus-rpc';
import { DAY_MS } from '../common/duration';
import { ensureAgentTarget } from '../common/temporal/agent-target';
import { ensureNamespace } from '../common/temporal/namespace';
import { loadTemporalSettings } from '../common/temporal/settings';
import { Cleanups } from '../scripts/lib/cleanups';
import { runBench, writeResults } from './support/bench-run';
import { say } from '../scripts/lib/say';
import { ensureTemporalCli } from '../scripts/lib/temporal-cli';
import { startThrowawayDevServer, type DevServerOptions } from '../scripts/lib/temporal-dev-server';
import { activityProbe, bareProbe, nexusProbe } from './dispatch.workflow';
import { cpuMsOf } from './support/process-footprint';
import { probeService } from './support/probe-service';
import { eventMs, type HistoryEvent as Event } from './support/history-time';
import { measureResetDispatch } from './support/reset-dispatch';
import { printTable, stats, type Stats } from './support/stats';

/**
 * `npm run bench:dispatch [KEY=VALUE …] [--reset]`: how long Temporal takes to hand a remote call to an idle
 * worker, at concurrency 1. Each round runs, one after the other, a bare workflow (the baseline round trip), a workflow that
 * calls a no-op activity on another worker's queue, and one that calls a no-op Nexus operation whose endpoint
 * targets another worker in another namespace (as a reset reaches a client's agent). The dispatch share is
 * timed from the history's Scheduled event to the handler's first line (a wall-clock timestamp with
 * sub-millisecond resolution; server and bench share the machine's clock).
 *
 * The first variant is the dev server as temporal.yaml configures it. Each KEY=VALUE argument adds a variant with
 * that dynamic-config value on top (JSON values: `history.x=true`, `matching.y=4`, `z="1ms"`; `&` joins values
 * that only make sense together), each on a fresh dev server, measured in the same run, so that knobs can be
 * compared one at a time. `--reset` then times the real reset's Nexus call the same way, for each variant, on the
 * whole stack (PostgreSQL, Samba, an agent in this process whose reset command notes when it starts).
 */
const ROUNDS = Number(process.env.LATCHKEY_BENCH_ROUNDS ?? 150);
const WARMUP = 10;
const RESET_ROUNDS = Number(process.env.LATCHKEY_BENCH_RESET_ROUNDS ?? 40);
const HANDLER_NAMESPACE = 'latchkey-dispatch-probe';
const ENDPOINT = 'latchkey-dispatch-probe';
const CALLER_QUEUE = 'dispatch-probe-caller';
const ACTIVITY_QUEUE = 'dispatch-probe-activities';
const NEXUS_QUEUE = 'dispatch-probe-nexus';
const cleanups = new Cleanups();

const wallClockMs = () => performance.timeOrigin + performance.now();

/** When each probe's handler started, by probe id: filled by the activity and the Nexus handler below. */
const entered = new Map<string, number>();

function firstEvent(events: Event[], has: (event: Event) => unknown): Event {
  const event = events.find(has);
  assert.ok(event, 'expected event missing from the history');
  return event;
}

interface Variant {
  name: string;
  overrides: DynamicConfig;
}

type DynamicConfig = DevServerOptions['dynamicConfig'];

/** A value as JSON when it parses as a string, number or boolean, else the raw text (a duration like 1ms). */
function configValue(raw: string): DynamicConfig[string] {
  try {
    const value: unknown = JSON.parse(raw);
    if (['string', 'number', 'boolean'].includes(typeof value)) return value as DynamicConfig[string];
  } catch {
    // Not JSON: the text itself.
  }
  return raw;
}

function parseVariants(args: string[]): Variant[] {
  const variants: Variant[] = [{ name: 'temporal.yaml', overrides: {} }];
  for (const arg of args) {
    const overrides: DynamicConfig = {};
    for (const pair of arg.split('&')) {
      const at = pair.indexOf('=');
      if (at <= 0) throw new Error(`expected KEY=VALUE[&KEY=VALUE…], got ${arg}`);
      overrides[pair.slice(0, at)] = configValue(pair.slice(at + 1));
    }
    variants.push({ name: arg, overrides });
  }
  return variants;
}

/** The probe's own namespace and endpoint, as a client's agent has: created the way Latchkey creates those. */
async function provisionHandlerTarget(connection: Connection): Promise<void> {
  await ensureNamespace(connection, HANDLER_NAMESPACE, DAY_MS);
  await ensureAgentTarget(
    connection,
    { namespace: HANDLER_NAMESPACE, endpoint: ENDPOINT, taskQueue: NEXUS_QUEUE },
    DAY_MS,
  );
}

type Samples = Record<string, number[]>;

async function measureVariant(cliPath: string, variant: Variant, logFile: string) {
  const settings = loadTemporalSettings();
  const server = await startThrowawayDevServer(cliPath, logFile, variant.overrides);
  const connection = await Connection.connect({ address: server.address });
  const native = await NativeConnection.connect({ address: server.address });
  const stopped = new Cleanups();
  stopped.push(() => server.stop());
  stopped.push(() => connection.close());
  stopped.push(() => native.close());
  try {
    await provisionHandlerTarget(connection);
    const client = new Client({ connection, namespace: settings.namespace });
    const workers = await Promise.all([
      Worker.create({
        connection: native,
        namespace: settings.namespace,
        taskQueue: CALLER_QUEUE,
        workflowsPath: require.resolve('./dispatch.workflow'),
      }),
      Worker.create({
        connection: native,
        namespace: settings.namespace,
        taskQueue: ACTIVITY_QUEUE,
        activities: {
          async touch(probeId: string) {
            entered.set(probeId, wallClockMs());
            return 'ok';
          },
        },
      }),
      Worker.create({
        connection: native,
        namespace: HANDLER_NAMESPACE,
        taskQueue: NEXUS_QUEUE,
        nexusServices: [
          nexus.serviceHandler(probeService, {
            touch: async (_ctx, probeId) => {
              entered.set(probeId, wallClockMs());
              return 'ok';
            },
          }),
        ],
      }),
    ]);
    const running = workers.map((worker) => worker.run());
    stopped.push(async () => {
      for (const worker of workers) worker.shutdown();
      await Promise.allSettled(running);
    });

    const samples: Samples = {};
    const add = (name: string, value: number) => (samples[name] ??= []).push(value);
    const history = async (workflowId: string) =>
      (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
    const firstWftDispatch = (events: Event[]) =>
      eventMs(firstEvent(events, (e) => e.workflowTaskStartedEventAttributes)) -
      eventMs(firstEvent(events, (e) => e.workflowTaskScheduledEventAttributes));

    let failures = 0;
    /** A call lost to a stalled machine is counted and skipped, not allowed to end a run of hundreds. */
    const attempt = async (call: () => Promise<unknown>): Promise<boolean> => {
      try {
        await call();
        return true;
      } catch (error) {
        failures++;
        say(`  a probe failed (${(error as Error).message}); skipping its round`);
        return false;
      }
    };

    /** Runs one probe workflow to its end: its history and when its handler started, or undefined if it failed. */
    const probe = async (
      kind: 'activity' | 'Nexus',
      workflow: typeof activityProbe | typeof nexusProbe,
      args: (id: string) => [string, string],
      record: (name: string, value: number) => void,
    ): Promise<{ events: Event[]; handler: number } | undefined> => {
      const id = `${kind}-${randomUUID()}`;
      const t0 = performance.now();
      if (
        !(await attempt(() =>
          client.workflow.execute(workflow, { taskQueue: CALLER_QUEUE, workflowId: id, args: args(id) }),
        ))
      )
        return undefined;
      record(`${kind} workflow: start + result`, performance.now() - t0);
      const handler = entered.get(id);
      assert.ok(handler !== undefined, `the ${kind} probe's handler never ran`);
      entered.delete(id);
      return { events: await history(id), handler };
    };

    say(`[${variant.name}] ${WARMUP} warm-up + ${ROUNDS} rounds of bare / activity / Nexus, one at a time…`);
    // The server's CPU is read from the end of the warm-up, over the rounds that completed.
    let cpuBefore: number | undefined;
    let measuredRounds = 0;
    for (let round = 0; round < WARMUP + ROUNDS; round++) {
      if (round === WARMUP) cpuBefore = cpuMsOf(server.process.pid!);
      const record = round >= WARMUP ? add : () => undefined;

      const bareId = `bare-${randomUUID()}`;
      let t0 = performance.now();
      if (!(await attempt(() => client.workflow.execute(bareProbe, { taskQueue: CALLER_QUEUE, workflowId: bareId }))))
        continue;
      record('bare workflow: start + result', performance.now() - t0);
      record('bare workflow: first workflow task scheduled → started', firstWftDispatch(await history(bareId)));

      const activity = await probe('activity', activityProbe, (id) => [ACTIVITY_QUEUE, id], record);
      if (!activity) continue;
      {
        const { events, handler } = activity;
        const scheduled = eventMs(firstEvent(events, (e) => e.activityTaskScheduledEventAttributes));
        const started = eventMs(firstEvent(events, (e) => e.activityTaskStartedEventAttributes));
        const completed = eventMs(firstEvent(events, (e) => e.activityTaskCompletedEventAttributes));
        record('activity: scheduled → handler start', handler - scheduled);
        record('activity: scheduled → started event (server)', started - scheduled);
        record('activity: handler start → completed event', completed - handler);
      }

      const nexusCall = await probe('Nexus', nexusProbe, (id) => [ENDPOINT, id], record);
      if (!nexusCall) continue;
      {
        const { events, handler } = nexusCall;
        const scheduled = eventMs(firstEvent(events, (e) => e.nexusOperationScheduledEventAttributes));
        const completed = eventMs(firstEvent(events, (e) => e.nexusOperationCompletedEventAttributes));
        record('Nexus: scheduled → handler start', handler - scheduled);
        record('Nexus: handler start → completed event', completed - handler);
      }
      if (round >= WARMUP) measuredRounds++;
    }
    const serverCpuMsPerRound = (cpuMsOf(server.process.pid!) - cpuBefore!) / measuredRounds;
    return { samples, serverCpuMsPerRound, failures };
  } finally {
    await stopped.run();
  }
}

async function run(): Promise<void> {
  const started = performance.now();
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const args = process.argv.slice(2);
  const withReset = args.includes('--reset');
  const variants = parseVariants(args.filter((arg) => arg !== '--reset'));
  const cliPath = await ensureTemporalCli(loadTemporalSettings().cli, say);
  const scratch = join(__dirname, '..', '.tmp');
  mkdirSync(scratch, { recursive: true });
  const results: Record<string, { rows: Record<string, Stats>; serverCpuMsPerRound: number; failures: number }> = {};
  try {
    for (const variant of variants) {
      const { samples, serverCpuMsPerRound, failures } = await measureVariant(
        cliPath,
        variant,
        join(scratch, 'dispatch-bench-temporal.log'),
      );
      const rows = Object.entries(samples).map(([name, values]) => [name, stats(values)] as [string, Stats]);
      console.log(`\n${variant.name}`);
      printTable(rows, 'ms');
      const byName = Object.fromEntries(rows);
      const bare = byName['bare workflow: start + result']!;
      for (const name of ['activity: scheduled → handler start', 'Nexus: scheduled → handler start']) {
        const row = byName[name]!;
        console.log(
          `${name} / bare round trip: p50 ${(row.p50 / bare.p50).toFixed(2)} p99 ${(row.p99 / bare.p99).toFixed(2)}`,
        );
      }
      console.log(`Temporal server CPU: ${serverCpuMsPerRound.toFixed(1)} ms per round (three workflows)`);
      if (failures) console.log(`failed probes (rounds skipped): ${failures}`);
      results[variant.name] = { rows: byName, serverCpuMsPerRound, failures };
    }
    const resets: Record<string, Record<string, Stats | number>> = {};
    for (const variant of withReset ? variants : []) {
      const stack = new Cleanups();
      cleanups.push(() => stack.run());
      const { rows, throughputC8 } = await measureResetDispatch(stack, variant.overrides, RESET_ROUNDS, WARMUP);
      await stack.run();
      console.log(`\nthe real reset, ${variant.name}`);
      printTable(rows, 'ms');
      console.log(`c=8 reset throughput: ${throughputC8.toFixed(1)} resets/s`);
      const reset = Object.fromEntries(rows);
      resets[variant.name] = { ...reset, throughputC8 };
      const probe = results[variant.name]!.rows['Nexus: scheduled → handler start']!;
      const real = reset['reset Nexus call: scheduled → agent command start']!;
      console.log(
        `reset Nexus dispatch / the bare probe's: p50 ${(real.p50 / probe.p50).toFixed(2)} p99 ${(real.p99 / probe.p99).toFixed(2)}`,
      );
    }
    console.log(`\nresults: ${writeResults('dispatch', { rounds: ROUNDS, results, resets })}`);
  } finally {
    await cleanups.run();
    say(`Bench finished in ${((performance.now() - started) / 1000).toFixed(1)} s.`);
  }
}

runBench('bench:dispatch', cleanups, 20 * 60_000, run);
