import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildCentral, CENTRAL_BUNDLE } from '../../scripts/build-central';
import { Secrets } from '../../common/crypto/secrets';
import { ApiKeysStore } from '../../server/db/api-keys.store';
import { TenantsStore } from '../../server/db/tenants.store';
import { startFakeTwilio, type FakeTwilio } from '../fakes/fake-twilio';
import { startSmtpReceiver, type SmtpReceiver } from '../fakes/smtp-receiver';
import { spawnCentralProcess, type CentralProcess } from '../support/central-process';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { codeIn, linkIn } from '../support/enrollment-flow';
import { apiClient, BrowserSession } from '../support/http';
import { key32 } from '../support/stack';
import { testEnv } from '../support/env';
import { vendorFakesEnv } from '../support/vendor-fakes-env';

/**
 * The deployment that docs/architecture.md promises: an API process and a worker process, each the compiled
 * `server/main.ts` (npm run build) with its own role, sharing only PostgreSQL and Temporal. Messages go out through real
 * protocols (SMTP to a loopback receiver, the twilio SDK to a fake of Twilio), because the in-memory outbox
 * would live in the worker process, out of the test's reach.
 */
const ROOT = join(__dirname, '..', '..');

describe('an API process and a worker process, apart', () => {
  const masterKey = key32();
  let database: TestDatabase;
  let smtp: SmtpReceiver;
  let twilio: FakeTwilio;
  let worker: CentralProcess;
  let api: CentralProcess;
  let url: string;

  const envFor = (extra: Record<string, string> = {}): Record<string, string> => ({
    LATCHKEY_MASTER_KEY: masterKey,
    LATCHKEY_CODEC_KEYS: `split1:${key32()}`,
    LATCHKEY_CODEC_ADMIN_TOKEN: randomBytes(24).toString('base64url'),
    LATCHKEY_PUBLIC_URL: 'http://localhost',
    LATCHKEY_HTTP_PORT: '0',
    LATCHKEY_LOG_LEVEL: 'info',
    DATABASE_URL: database.url,
    TEMPORAL_ADDRESS: testEnv().temporalAddress,
    // A namespace of this file's own: the processes use temporal.yaml's queue names, as a deployment does.
    TEMPORAL_NAMESPACE: `latchkey-split-${randomUUID().slice(0, 8)}`,
    ...vendorFakesEnv(smtp, twilio, 'fake-auth-token'),
    ...extra,
  });

  before(async () => {
    database = await createTestDatabase();
    smtp = await startSmtpReceiver();
    twilio = await startFakeTwilio({ accountSid: 'AC00000000000000000000000000000002', authToken: 'fake-auth-token' });
    // Production's form (npm run build): compiled by tsc, with the workflows bundled ahead of time.
    await buildCentral(ROOT);
    const env = envFor();
    // The worker first: it migrates the schema, so the API process then finds it current.
    worker = spawnCentralProcess('worker', env, 'compiled');
    const health = await worker.waitForLog('Central worker running', 120_000);
    assert.deepEqual(health.health, { database: 'ok', temporal: 'ok', worker: 'ok' });
    api = spawnCentralProcess('api', env, 'compiled');
    url = (await api.waitForLog('HTTP server listening', 60_000)).url as string;
  });

  after(async () => {
    await api?.stop();
    await worker?.stop();
    await twilio?.close();
    await smtp?.close();
    await database?.drop();
  });

  it('each process runs only its role', async () => {
    assert.doesNotMatch(worker.output(), /HTTP server listening/);
    assert.doesNotMatch(api.output(), /Central worker running/);
    const health = await fetch(`${url}/healthz`);
    assert.equal(health.status, 200);
  });

  it('runs the compiled build: the worker loads the prebuilt bundle, which seals workflow failures', async () => {
    assert.doesNotMatch(worker.output(), /Workflow bundle created/, 'no bundling at start-up');
    // The sandbox takes its failure converter from the bundle: without it, workflow failures would leave in clear.
    const bundle = readFileSync(join(ROOT, CENTRAL_BUNDLE), 'utf8');
    assert.match(bundle, /__temporal_custom_failure_converter/);
    assert.match(bundle, /encodeCommonAttributes: true/);
  });

  it('enrolls a user: activation through the API, email and texts from the worker', async () => {
    const secrets = new Secrets(Buffer.from(masterKey, 'base64'));
    const msp = await new TenantsStore(database.db).createMsp('Split MSP');
    const client = await new TenantsStore(database.db).createClient(msp.id, 'Split client', { requireSmsPin: false });
    assert.notEqual(client, 'duplicate');
    if (client === 'duplicate') return;
    const key = await new ApiKeysStore(database.db, secrets).issue({ mspId: msp.id, clientId: null }, 'test');
    const call = apiClient(url, key.token);

    const user = await call('POST', `/clients/${client.id}/users`, { username: 'split', email: 'split@example.com' });
    assert.equal(user.status, 201, JSON.stringify(user.body));
    const activated = await call('POST', `/clients/${client.id}/users/${user.body.id}/activate`);
    assert.equal(activated.status, 202, JSON.stringify(activated.body));

    const mail = await smtp.waitForMessage((m) => m.envelope.to.includes('split@example.com'), 30_000);
    const link = linkIn(mail);
    const browser = new BrowserSession(url);
    assert.equal((await browser.get(link)).status, 200);
    assert.match((await browser.submit(link, {})).html, /Your cell number/);
    assert.match((await browser.submit('/enroll/phone', { phone: '+14155552673' })).html, /Enter the code/);
    const sms = await twilio.waitForMessage((m) => m.to === '+14155552673', 30_000);
    await browser.submit('/enroll/code', { code: codeIn(sms.body) });
    assert.match((await browser.submit('/enroll/method', { method: 'sms' })).html, /all set/);
    await twilio.waitForMessage((m) => /text RESET/.test(m.body), 30_000);
    assert.equal((await call('GET', `/clients/${client.id}/users/${user.body.id}`)).body.status, 'enrolled_sms');
  });

  it('refuses to run the API or the worker alone on the embedded PGlite database', async () => {
    const onPglite: Record<string, string> = envFor();
    delete onPglite.DATABASE_URL;
    const alone = spawnCentralProcess('api', onPglite);
    assert.equal(await alone.exited, 1);
    assert.match(alone.output(), /--role=api needs DATABASE_URL/);
  });
});
