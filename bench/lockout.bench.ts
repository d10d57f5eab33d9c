import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import { Attribute, Change, Client as LdapClient } from 'ldapts';
import { DEFAULT_LOCKOUT_POLL_MS } from '../common/domain/lockout';
import { makeLockoutWatchWorkflowId } from '../common/domain/workflow-ids';
import { say } from '../scripts/lib/say';
import { buildAgentPackage } from '../scripts/build-agent-package';
import { Cleanups } from '../scripts/lib/cleanups';
import { runBench, writeResults } from './support/bench-run';
import { startTestServices } from '../scripts/lib/test-services';
import { ActiveDirectoryProvider } from '../plugins/directory/active-directory';
import { USER_FILTER } from '../plugins/directory/active-directory/user-entry';
import { killAgentProcess, spawnAgentProcess } from '../test/support/agent-process';
import { startFakePushService, type FakePushService } from '../test/fakes/fake-push-service';
import { enrolledAppUser } from '../test/support/app-user';
import { deviceClient } from '../test/support/device';
import type { Tenant } from '../test/support/reset-setup';
import { directoryConfigOf, startSambaDc, type SambaDc } from '../test/support/samba';
import { createTenant, startTestStack, type TestStack } from '../test/support/stack';
import { describeFootprint, footprintOf, cpuMsOf, type Footprint } from './support/process-footprint';
import { startBulkDomain } from './support/samba-domain-cache';
import { printTable, stats, type Stats } from './support/stats';

/**
 * `npm run bench:lockout`: how fast the watch sees a lockout, beside a plain `(lockoutTime>=1)` poll every 5 s
 * (the JumpCloud-style baseline) in the same run, and what one watch cycle costs the DC beside one bare
 * `(lockoutTime>=1)` search, idle and under background changes. Lockouts are real wrong binds against Samba.
 *
 * The measured point is the watch's report reaching Latchkey (the `lockout.detected` audit row that the report
 * activity writes, timed by PostgreSQL's clock), from the return of the bind that locked the account.
 *
 * From CACHED_DOMAIN_FROM users up, the domain is a cached snapshot (bench/support/samba-domain-cache.ts), built
 * on the first run at that size and restored in seconds afterwards; smaller domains are filled over LDAP each run.
 *
 * Knobs: LOCKOUT_BENCH_USERS (domain size, default 5000), LOCKOUT_BENCH_ROUNDS (lockouts, default 60; the issue
 * asks for 200), LOCKOUT_BENCH_CYCLES (idle watch cycles, default 200), LOCKOUT_BENCH_FOOTPRINT_SECONDS (each window
 * of the agent's footprint, default 60), LOCKOUT_BENCH_AGENT (`compiled`, the default, or `source` for tsx),
 * LOCKOUT_BENCH_POLL_MS (the agent's watch interval, LATCHKEY_AGENT_LOCKOUT_POLL_MS; the agent's default unless set).
 */
const DOMAIN_USERS = Number(process.env.LOCKOUT_BENCH_USERS ?? 5000);
const ROUNDS = Number(process.env.LOCKOUT_BENCH_ROUNDS ?? 60);
const IDLE_CYCLES = Number(process.env.LOCKOUT_BENCH_CYCLES ?? 200);
/** Over LDAP, 5,000 users take under a minute but 50,000 over 20 (Samba -M single slows as the directory grows). */
const CACHED_DOMAIN_FROM = 20_000;
const LOCKABLE_USERS = 24;
const CONTROL_USERS = 4;
const UNLOCK_ROUNDS = Number(process.env.LOCKOUT_BENCH_UNLOCKS ?? 20);
/** Each of the agent's footprint windows (idle, churn, no watch); the per-hour figure wants 3600. */
const FOOTPRINT_SECONDS = Number(process.env.LOCKOUT_BENCH_FOOTPRINT_SECONDS ?? 60);
const AGENT_WARMUP_MS = 20_000;
/** The interval the agent polls at, and the one the directory-cost cycles under churn are spaced by. */
const POLL_MS = Number(process.env.LOCKOUT_BENCH_POLL_MS ?? DEFAULT_LOCKOUT_POLL_MS);
/** The production form by default: the agent as `npm run build:agent` compiles it, run by plain node. */
const AGENT_FORM = process.env.LOCKOUT_BENCH_AGENT === 'source' ? 'source' : 'compiled';
const AGENT_ENTRY_DESCRIPTION =
  AGENT_FORM === 'compiled'
    ? 'node dist/agent-package/agent/main.js, compiled by npm run build:agent'
    : 'node --import tsx agent/main.ts';
/** Builds the agent package as an MSP would get it and returns its entry point, run in place from dist/. */
function compiledAgentMain(): string {
  const root = join(__dirname, '..');
  buildAgentPackage(root);
  return join(root, 'dist', 'agent-package', 'agent', 'main.js');
}
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const DEVICE_PIN = '482915';
/** Between two lockouts: each user comes round again after LOCKABLE_USERS × this, well past the 5 s baseline poll. */
const SPACING_MS = 700;
const BASELINE_INTERVAL_MS = 5_000;
const CHURN_PER_SECOND = 10;
const cleanups = new Cleanups();

async function bound(dc: SambaDc, dn: string, password: string): Promise<LdapClient> {
  const client = new LdapClient({ url: dc.url, tlsOptions: { ca: [dc.caPem], servername: dc.serverName } });
  await client.bind(dn, password);
  return client;
}

const replace = (type: string, value: string) =>
  new Change({ operation: 'replace', modification: new Attribute({ type, values: [value] }) });

/** Disabled accounts without a password: as many entries for the DC to scan, without the cost of hashing. */
async function populate(dc: SambaDc, admin: LdapClient, count: number): Promise<string[]> {
  const ou = `OU=Bulk,${dc.baseDn}`;
  await admin.add(ou, { objectClass: ['top', 'organizationalUnit'], ou: 'Bulk' });
  const dns: string[] = [];
  const lanes = 8;
  await Promise.all(
    Array.from({ length: lanes }, async (_, lane) => {
      for (let i = lane; i < count; i += lanes) {
        const name = `bulk${i}`;
        const dn = `CN=${name},${ou}`;
        await admin.add(dn, {
          objectClass: ['top', 'person', 'organizationalPerson', 'user'],
          sAMAccountName: name,
          userAccountControl: '514',
        });
        dns.push(dn);
      }
    }),
  );
  return dns;
}

interface CycleCost {
  wall: Stats;
  entries: number;
  dcCpuMsPerCycle: number;
}

async function measureCycles(dcPid: number, cycles: number, one: () => Promise<number>): Promise<CycleCost> {
  const walls: number[] = [];
  let entries = 0;
  const cpuBefore = cpuMsOf(dcPid);
  for (let i = 0; i < cycles; i++) {
    const t0 = performance.now();
    entries += await one();
    walls.push(performance.now() - t0);
  }
  return { wall: stats(walls), entries: entries / cycles, dcCpuMsPerCycle: (cpuMsOf(dcPid) - cpuBefore) / cycles };
}

/** Background changes at a steady rate, as a busy domain sees them (description writes on bulk users). */
function churn(admin: LdapClient, dns: string[]): { stop(): Promise<void> } {
  let stopped = false;
  let n = 0;
  const loop = (async () => {
    while (!stopped) {
      const started = performance.now();
      await admin.modify(dns[n++ % dns.length]!, [replace('description', `churn ${n}`)]);
      await new Promise((resolve) =>
        setTimeout(resolve, Math.max(0, 1000 / CHURN_PER_SECOND - (performance.now() - started))),
      );
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

async function highestUsn(client: LdapClient): Promise<number> {
  const result = await client.search('', { scope: 'base', attributes: ['highestCommittedUSN'] });
  return Number(result.searchEntries[0]?.highestCommittedUSN);
}

async function directoryCost(dc: SambaDc, admin: LdapClient, bulk: string[]) {
  const dcPid = dc.pid!;
  const provider = new ActiveDirectoryProvider({ id: 'bench', ...directoryConfigOf(dc) });
  const service = await bound(dc, dc.serviceAccount.dn, dc.serviceAccount.password);
  try {
    let { cursor } = await provider.watchLockouts({ cursor: null, waitMs: 0 });
    const watchCycle = async () => {
      const result = await provider.watchLockouts({ cursor, waitMs: 0 });
      cursor = result.cursor;
      return result.stats.entries;
    };
    const bareSearch = async () => {
      const result = await service.search(dc.baseDn, {
        scope: 'sub',
        filter: `(&${USER_FILTER}(lockoutTime>=1))`,
        attributes: ['objectGUID', 'sAMAccountName', 'lockoutTime', 'msDS-User-Account-Control-Computed'],
        paged: { pageSize: 500 },
      });
      return result.searchEntries.length;
    };
    const reconcile = async () => (await provider.watchLockouts({ cursor: null, waitMs: 0 })).stats.entries;

    // An open question from the research: does a wrong bind alone (badPwdCount, not replicated) move the USN?
    const probe = await dc.createUser(`probe${randomUUID().slice(0, 6)}`, `Probe!${randomUUID().slice(0, 8)}1`);
    const usnBefore = await highestUsn(service);
    await dc.bind(probe.userPrincipalName, 'Wrong-probe').catch(() => undefined);
    const usnMovesOnWrongBind = (await highestUsn(service)) > usnBefore;
    await dc.bind(probe.userPrincipalName, 'Wrong-probe').catch(() => undefined);
    await dc.bind(probe.userPrincipalName, 'Wrong-probe').catch(() => undefined);
    cursor = (await provider.watchLockouts({ cursor, waitMs: 0 })).cursor;
    await admin.modify(probe.dn, [replace('lockoutTime', '0')]);

    // Why the delta asks for USN equalities: the same span as a range and as equalities, on the same DC.
    const usnNow = await highestUsn(service);
    const span = 8;
    const timed = async (filter: string) => {
      const walls: number[] = [];
      for (let i = 0; i < 20; i++) {
        const t0 = performance.now();
        await service.search(dc.baseDn, { scope: 'sub', filter, attributes: ['sAMAccountName'] });
        walls.push(performance.now() - t0);
      }
      return stats(walls);
    };
    const equalities = Array.from({ length: span }, (_, i) => `(uSNChanged=${usnNow - i})`).join('');
    const deltaFilters = {
      range: await timed(`(&${USER_FILTER}(uSNChanged>=${usnNow - span + 1}))`),
      equalities: await timed(`(&${USER_FILTER}(|${equalities}))`),
    };

    say(`Directory cost: ${IDLE_CYCLES} idle watch cycles, bare searches and reconciles…`);
    const idle = await measureCycles(dcPid, IDLE_CYCLES, watchCycle);
    const bareIdle = await measureCycles(dcPid, 30, bareSearch);
    const reconcileIdle = await measureCycles(dcPid, 20, reconcile);

    say(`… and under ${CHURN_PER_SECOND} background changes a second`);
    const background = churn(admin, bulk);
    const churnWindowMs = 10_000;
    // The churn's own cost to the DC, measured alone first, is taken off the cycles' share.
    const churnOnlyBefore = cpuMsOf(dcPid);
    await new Promise((resolve) => setTimeout(resolve, churnWindowMs));
    const churnOnlyMs = cpuMsOf(dcPid) - churnOnlyBefore;
    const cycles = churnWindowMs / POLL_MS;
    const busyStarted = performance.now();
    const busyCpuBefore = cpuMsOf(dcPid);
    const walls: number[] = [];
    let entries = 0;
    for (let i = 0; i < cycles; i++) {
      const t0 = performance.now();
      entries += await watchCycle();
      walls.push(performance.now() - t0);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, POLL_MS - (performance.now() - t0))));
    }
    const busyWindowMs = performance.now() - busyStarted;
    const busyCpu = cpuMsOf(dcPid) - busyCpuBefore - churnOnlyMs * (busyWindowMs / churnWindowMs);
    const busy: CycleCost = { wall: stats(walls), entries: entries / cycles, dcCpuMsPerCycle: busyCpu / cycles };
    const bareBusy = await measureCycles(dcPid, 30, bareSearch);
    await background.stop();
    // What a second of watching costs the DC, against one bare search every 5 s (the baseline's rate).
    const perSecond = {
      watchIdle: idle.dcCpuMsPerCycle * (1000 / POLL_MS),
      watchBusy: busyCpu / (busyWindowMs / 1000),
      baselineIdle: bareIdle.dcCpuMsPerCycle / (BASELINE_INTERVAL_MS / 1000),
      baselineBusy: bareBusy.dcCpuMsPerCycle / (BASELINE_INTERVAL_MS / 1000),
    };
    return { idle, bareIdle, reconcileIdle, busy, bareBusy, perSecond, usnMovesOnWrongBind, deltaFilters };
  } finally {
    await service.unbind().catch(() => undefined);
    await provider.close();
  }
}

interface Lockout {
  userId: string | null;
  upn: string;
  dn: string;
  lockedAt: number;
}

/** Three wrong binds; the time is when the one that locked the account returned. */
async function lockOut(dc: SambaDc, upn: string): Promise<number> {
  for (let attempt = 1; attempt <= 3; attempt++) {
    await dc.bind(upn, `Wrong-${attempt}-${randomUUID()}`).then(
      () => {
        throw new Error(`a wrong password was accepted for ${upn}`);
      },
      () => undefined,
    );
  }
  return Date.now();
}

/** The JumpCloud-style baseline: every 5 s one `(lockoutTime>=1)` search, the computed flag deciding. */
function baselinePoller(dc: SambaDc, service: LdapClient, pending: Map<string, number>, seen: number[]) {
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const started = performance.now();
      const result = await service.search(dc.baseDn, {
        scope: 'sub',
        filter: `(&${USER_FILTER}(lockoutTime>=1))`,
        attributes: ['userPrincipalName', 'msDS-User-Account-Control-Computed'],
        paged: { pageSize: 500 },
      });
      const now = Date.now();
      for (const entry of result.searchEntries) {
        const upn = String(entry.userPrincipalName ?? '');
        const lockedAt = pending.get(upn);
        if (lockedAt !== undefined && (Number(entry['msDS-User-Account-Control-Computed']) & 0x10) !== 0) {
          seen.push(now - lockedAt);
          pending.delete(upn);
        }
      }
      const wait = BASELINE_INTERVAL_MS - (performance.now() - started);
      for (let waited = 0; waited < wait && !stopped; waited += 100) await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

async function latency(stack: TestStack, dc: SambaDc, admin: LdapClient, tenant: Tenant, push: FakePushService) {
  const vapidKey = (await deviceClient(stack.url)('GET', '/config')).body.vapidPublicKey as string;
  // App users paired through the real pages, each with a web-push subscription at the fake push service: the
  // clock stops when the lockout's push arrives there, encrypted and VAPID-signed by the real web-push library.
  const lockable: Array<{ userId: string; upn: string; dn: string }> = [];
  const userOfEndpoint = new Map<string, string>();
  for (let i = 0; i < LOCKABLE_USERS; i++) {
    const subscription = push.subscribe({ applicationServerKey: vapidKey });
    const user = await enrolledAppUser(stack, tenant, dc, { pin: DEVICE_PIN, push: subscription });
    lockable.push({ userId: user.userId, upn: user.upn, dn: user.dn });
    userOfEndpoint.set(subscription.endpoint, user.userId);
  }
  const controls: Array<{ upn: string; dn: string }> = [];
  for (let i = 0; i < CONTROL_USERS; i++) {
    const created = await dc.createUser(`ctl${i}${randomUUID().slice(0, 6)}`, `Control!${randomUUID().slice(0, 8)}1`);
    controls.push({ upn: created.userPrincipalName, dn: created.dn });
  }
  await new Promise((resolve) => setTimeout(resolve, 3_000));

  const service = await bound(dc, dc.serviceAccount.dn, dc.serviceAccount.password);
  const baselinePending = new Map<string, number>();
  const baselineSeen: number[] = [];
  const baseline = baselinePoller(dc, service, baselinePending, baselineSeen);
  const lockouts: Lockout[] = [];
  const startedAt = new Date();
  say(`Latency: ${ROUNDS} lockouts by real wrong binds, ${SPACING_MS} ms apart, with the 5 s baseline polling…`);
  for (let round = 0; round < ROUNDS; round++) {
    const roundStarted = performance.now();
    const control = round % 10 === 9;
    const target: { userId?: string; upn: string; dn: string } = control
      ? controls[round % CONTROL_USERS]!
      : lockable[round % LOCKABLE_USERS]!;
    // Unlocked first, as a technician would have: the next lockout of the same account is a new one.
    await admin.modify(target.dn, [replace('lockoutTime', '0')]);
    const lockedAt = await lockOut(dc, target.upn);
    lockouts.push({ userId: target.userId ?? null, upn: target.upn, dn: target.dn, lockedAt });
    if (!control) baselinePending.set(target.upn, lockedAt);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, SPACING_MS - (performance.now() - roundStarted))));
  }
  await new Promise((resolve) => setTimeout(resolve, BASELINE_INTERVAL_MS + 3_000));
  await baseline.stop();
  await service.unbind().catch(() => undefined);

  const detectedRows: Array<{ user_id: string; created_at: Date; detail: { lockedAt?: string } }> = await stack.database
    .db('audit_events')
    .where({ action: 'lockout.detected' })
    .andWhere('created_at', '>=', startedAt);
  const pushes = push.received
    .filter((received) => (JSON.parse(received.plaintext) as { t?: string }).t === 'lockout')
    .map((received) => ({ user_id: userOfEndpoint.get(received.endpoint) ?? null, atMs: received.receivedAtMs }));
  const detection: number[] = [];
  const samples: number[] = [];
  let missed = 0;
  let duplicate = 0;
  const matched = new Set<(typeof pushes)[number]>();
  for (const [index, lockout] of lockouts.entries()) {
    if (!lockout.userId) continue;
    const next = lockouts.slice(index + 1).find((later) => later.userId === lockout.userId);
    // Its push arrives after the locking bind returned and before the same account's next lockout.
    const mine = pushes.filter(
      (received) =>
        received.user_id === lockout.userId &&
        received.atMs >= lockout.lockedAt &&
        (!next || received.atMs < next.lockedAt),
    );
    for (const received of mine) matched.add(received);
    if (mine.length === 0) missed += 1;
    if (mine.length > 1) duplicate += mine.length - 1;
    const first = mine.sort((x, y) => x.atMs - y.atMs)[0];
    if (first) samples.push(first.atMs - lockout.lockedAt);
    const report = detectedRows.find(
      (row) =>
        row.user_id === lockout.userId &&
        Date.parse(row.detail.lockedAt ?? '') >= lockout.lockedAt - 2_000 &&
        Date.parse(row.detail.lockedAt ?? '') <= lockout.lockedAt + 50,
    );
    if (report) detection.push(new Date(report.created_at).getTime() - lockout.lockedAt);
  }
  // A push that matches no lockout we caused, or any push at all for the control (not enrolled) accounts.
  const falsePositives = pushes.filter((received) => !matched.has(received)).length;
  const baselineMissed = [...baselinePending.keys()].length;
  return {
    watch: stats(samples),
    detection: stats(detection),
    baseline: stats(baselineSeen),
    counters: { lockouts: lockouts.filter((l) => l.userId).length, missed, duplicate, false: falsePositives },
    baselineMissed,
  };
}

/**
 * Unlock end to end: a fresh app user locked by real wrong binds, the lockout's push received, then the clock runs
 * from the app's signed, PIN-approved POST …/unlock to a bind with the user's own password that succeeds. Beside
 * it, the bare lockoutTime=0 write on the same DC. A fresh user each round, since three lockouts in a while turn
 * Unlock off and recommend a reset.
 */
async function unlockLatency(stack: TestStack, dc: SambaDc, admin: LdapClient, tenant: Tenant, push: FakePushService) {
  const vapidKey = (await deviceClient(stack.url)('GET', '/config')).body.vapidPublicKey as string;
  const call = deviceClient(stack.url);
  const unlocks: number[] = [];
  const bare: number[] = [];
  say(`Unlock: ${UNLOCK_ROUNDS} app unlocks, each beside a bare lockoutTime=0 write…`);
  for (let round = 0; round < UNLOCK_ROUNDS; round++) {
    const subscription = push.subscribe({ applicationServerKey: vapidKey });
    const user = await enrolledAppUser(stack, tenant, dc, { pin: DEVICE_PIN, push: subscription });
    await lockOut(dc, user.upn);
    const notice = await push.waitFor(
      (received) =>
        received.endpoint === subscription.endpoint &&
        (JSON.parse(received.plaintext) as { t?: string }).t === 'lockout',
      30_000,
    );
    const { id } = JSON.parse(notice.plaintext) as { id: string };
    const challenge = await call('POST', '/challenges', { action: 'unlock', subject: id }, user.device.auth);
    const signature = await user.device.phone.sign({ action: 'unlock', subject: id, ...challenge.body });
    const started = performance.now();
    const answer = await call(
      'POST',
      `/lockouts/${id}/unlock`,
      { challengeId: challenge.body.challengeId, signature, pin: DEVICE_PIN },
      user.device.auth,
    );
    if (answer.status !== 200) throw new Error(`unlock answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    const client = await bound(dc, user.dn, user.password);
    unlocks.push(performance.now() - started);
    await client.unbind().catch(() => undefined);

    await lockOut(dc, user.upn);
    const bareStarted = performance.now();
    await admin.modify(user.dn, [replace('lockoutTime', '0')]);
    bare.push(performance.now() - bareStarted);
  }
  return { unlock: stats(unlocks), bare: stats(bare) };
}

async function run() {
  const benchStarted = performance.now();
  try {
    await startTestServices(cleanups);
    const dcOptions = { maximumRuntimeSeconds: 3600 };
    let dc: SambaDc;
    let bulk: string[];
    let admin: LdapClient;
    let domainHow: string;
    if (DOMAIN_USERS >= CACHED_DOMAIN_FROM) {
      const domain = await startBulkDomain(DOMAIN_USERS, dcOptions, say);
      dc = domain.dc;
      cleanups.push(() => dc.stop());
      bulk = domain.bulk;
      domainHow = domain.how;
      admin = await bound(dc, dc.adminDn, dc.adminPassword);
      cleanups.push(() => admin.unbind().catch(() => undefined));
    } else {
      say('Provisioning a Samba AD DC…');
      dc = await startSambaDc(dcOptions);
      cleanups.push(() => dc.stop());
      admin = await bound(dc, dc.adminDn, dc.adminPassword);
      cleanups.push(() => admin.unbind().catch(() => undefined));
      say(`Adding ${DOMAIN_USERS} users…`);
      const populateStarted = performance.now();
      bulk = await populate(dc, admin, DOMAIN_USERS);
      domainHow = `filled over LDAP in ${((performance.now() - populateStarted) / 1000).toFixed(1)} s`;
    }
    say(`Domain ready: ${domainHow}`);
    await dc.setLockoutPolicy({ threshold: 3, durationMinutes: 1 });

    const cost = await directoryCost(dc, admin, bulk);

    const push = await startFakePushService();
    cleanups.push(() => push.close());
    const stack = await startTestStack({
      logLevel: 'warn',
      env: { LATCHKEY_LOG_LEVEL: 'warn', PUSH_PROVIDER: 'web-push', LATCHKEY_WEB_PUSH_ALLOWED_HOSTS: '127.0.0.1' },
      pushAgent: push.agent({ keepAlive: true }),
    });
    cleanups.push(() => stack.stop());
    const tenant = await createTenant(stack, 'Lockout Bench MSP');
    const compiledMain = AGENT_FORM === 'compiled' ? compiledAgentMain() : undefined;
    const agent = await spawnAgentProcess(
      stack,
      tenant,
      dc,
      {},
      { compiledMain, env: { LATCHKEY_AGENT_LOCKOUT_POLL_MS: String(POLL_MS) } },
    );
    cleanups.push(() => killAgentProcess(agent));
    const agentPid = agent.child.pid!;
    // The agent's start (module loading, JIT, the first reconcile) is not part of what it costs to run.
    say(`Agent footprint: ${AGENT_WARMUP_MS / 1000} s of warm-up, then ${FOOTPRINT_SECONDS} s of an idle watch…`);
    await sleep(AGENT_WARMUP_MS);
    const agentIdle = await footprintOf(agentPid, () => sleep(FOOTPRINT_SECONDS * 1000));
    say(`Agent footprint: ${FOOTPRINT_SECONDS} s of the watch under ${CHURN_PER_SECOND} changes/s…`);
    const background = churn(admin, bulk);
    const agentChurn = await footprintOf(agentPid, () => sleep(FOOTPRINT_SECONDS * 1000)).finally(() =>
      background.stop(),
    );
    const busyRun = await footprintOf(agentPid, () => latency(stack, dc, admin, tenant, push));
    const measured = busyRun.result;
    const unlocked = await unlockLatency(stack, dc, admin, tenant, push);
    // The same agent doing nothing: its client's watch ended, only the Temporal worker's own polling left. The
    // pause lets a long poll already running on the agent run out first.
    say(`Agent footprint: the watch terminated, ${FOOTPRINT_SECONDS} s of the agent doing nothing…`);
    await stack.runtime.temporal.workflow
      .getHandle(makeLockoutWatchWorkflowId(tenant.clientId))
      .terminate('bench: the agent without a watch');
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    const agentNoWatch = await footprintOf(agentPid, () => sleep(FOOTPRINT_SECONDS * 1000));
    const withoutResult = ({ result: _result, ...footprint }: { result: unknown } & Footprint): Footprint => footprint;
    const agentFootprint = {
      idle: withoutResult(agentIdle),
      churn: withoutResult(agentChurn),
      lockouts: withoutResult(busyRun),
      noWatch: withoutResult(agentNoWatch),
    };

    console.log(
      `\nDomain: ${DOMAIN_USERS} users (+ the bench's own), Samba -M single on this machine; ${domainHow}.\n`,
    );
    console.log('Directory cost per cycle');
    const costRows: Array<[string, CycleCost]> = [
      ['watch cycle, idle (rootDSE only)', cost.idle],
      ['bare (lockoutTime>=1) search, idle', cost.bareIdle],
      ['reconcile (cursor-less watch cycle), idle', cost.reconcileIdle],
      [`watch cycle, ${CHURN_PER_SECOND} changes/s, every ${POLL_MS} ms`, cost.busy],
      [`bare (lockoutTime>=1) search, ${CHURN_PER_SECOND} changes/s`, cost.bareBusy],
    ];
    printTable(
      costRows.map(([name, c]) => [name, c.wall]),
      'wall time (ms)',
    );
    console.log('');
    for (const [name, c] of costRows) {
      console.log(`${name}: ${c.entries.toFixed(2)} entries, DC CPU ${c.dcCpuMsPerCycle.toFixed(2)} ms per cycle`);
    }
    const ps = cost.perSecond;
    console.log(
      `DC CPU per second of watching (ms/s): watch idle ${ps.watchIdle.toFixed(1)}, busy ${ps.watchBusy.toFixed(1)}; 5 s baseline idle ${ps.baselineIdle.toFixed(1)}, busy ${ps.baselineBusy.toFixed(1)}`,
    );
    printTable(
      [
        ['delta of 8 USNs as a range (uSNChanged>=N)', cost.deltaFilters.range],
        ['delta of 8 USNs as equalities (|(uSNChanged=N)…)', cost.deltaFilters.equalities],
      ],
      'delta search wall time (ms)',
    );
    console.log(`a wrong bind alone moves highestCommittedUSN: ${cost.usnMovesOnWrongBind ? 'yes' : 'no'}`);
    console.log('\nLockout → push, from the return of the locking bind');
    printTable(
      [
        ['push received by the fake push service', measured.watch],
        ['  of which: report reached Latchkey (lockout.detected)', measured.detection],
        ['baseline: (lockoutTime>=1) every 5 s, seen', measured.baseline],
      ],
      'latency (ms)',
    );
    console.log(
      `counters: ${measured.counters.lockouts} lockouts of enrolled users; missed ${measured.counters.missed}, duplicate ${measured.counters.duplicate}, false ${measured.counters.false}; baseline missed ${measured.baselineMissed}`,
    );

    console.log("\nUnlock, from the signed POST …/unlock to a successful bind with the user's password");
    printTable(
      [
        ['app unlock end to end', unlocked.unlock],
        ['bare lockoutTime=0 write', unlocked.bare],
      ],
      'latency (ms)',
    );
    console.log(
      `unlock e2e/bare: p50 ${(unlocked.unlock.p50 / unlocked.bare.p50).toFixed(1)} p99 ${(unlocked.unlock.p99 / unlocked.bare.p99).toFixed(1)}`,
    );
    console.log(`\nThe agent process (${AGENT_ENTRY_DESCRIPTION}, watch polling every ${POLL_MS} ms):`);
    console.log(`  idle watch: ${describeFootprint(agentFootprint.idle)}`);
    console.log(`  watch under ${CHURN_PER_SECOND} changes/s: ${describeFootprint(agentFootprint.churn)}`);
    console.log(`  during the lockouts: ${describeFootprint(agentFootprint.lockouts)}`);
    console.log(`  no watch (its workflow terminated): ${describeFootprint(agentFootprint.noWatch)}`);
    const file = writeResults('lockout', {
      domainUsers: DOMAIN_USERS,
      rounds: ROUNDS,
      pollMs: POLL_MS,
      cost,
      measured,
      unlocked,
      agentFootprint,
    });
    console.log(`results: ${file}`);
    say(`Bench finished in ${((performance.now() - benchStarted) / 1000).toFixed(1)} s.`);
    const { watch, baseline, counters } = measured;
    console.log(
      `lockout push: p50 ${watch.p50.toFixed(0)} p99 ${watch.p99.toFixed(0)} baseline p99 ${baseline.p99.toFixed(0)} missed ${counters.missed} duplicate ${counters.duplicate} false ${counters.false}`,
    );
  } finally {
    await cleanups.run();
  }
}

// Building an uncached domain dominates a big run: 50,000 users took 16 minutes on a quiet machine and 69 on a
// loaded one (12 users/s), which outran the earlier 60 ms a user. The four footprint windows come on top.
runBench('bench:lockout', cleanups, 20 * 60_000 + DOMAIN_USERS * 120 + 4 * FOOTPRINT_SECONDS * 1000, run);
