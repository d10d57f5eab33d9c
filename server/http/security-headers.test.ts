import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { apiClient, BrowserSession, rawRequest } from '../../test/support/http';
import { activateNewUser } from '../../test/support/enrollment-flow';
import { createTenant, startTestStack, type TestStack } from '../../test/support/stack';
import { testEnv } from '../../test/support/env';
import { totpAt } from '../../common/secrets/totp';
import { TechnicianAccountsService } from '../services/technician-accounts.service';

const HSTS = 'max-age=31536000';

/** One of each kind of response the server gives: pages, API answers, errors, the codec, the outbox, health. */
async function everyKindOfResponse(stack: TestStack, apiKey: string, clientId: string) {
  const url = stack.url;
  const api = apiClient(url, apiKey);
  const issued = await api('POST', `/clients/${clientId}/agents`, { name: 'headers agent' });
  assert.equal(issued.status, 201, JSON.stringify(issued.body));
  assert.ok(issued.body.token, 'the response carries the agent token');
  const agentConfig = await fetch(`${url}/agent/v1/config`, {
    headers: { authorization: `Bearer ${issued.body.token as string}` },
  });
  assert.equal(agentConfig.status, 200);
  return {
    'the agent token, POST /clients/{id}/agents': issued.headers,
    'the agent config': agentConfig.headers,
    'an API list': (await api('GET', '/clients')).headers,
    'the OpenAPI document': (await fetch(`${url}/api/v1/openapi.json`)).headers,
    'an API error (401)': (await fetch(`${url}/api/v1/clients`)).headers,
    'a link page (404)': (await fetch(`${url}/activate/${'x'.repeat(43)}`)).headers,
    'an enrollment page (401)': (await fetch(`${url}/enroll`)).headers,
    'the codec refusal (401)': (await fetch(`${url}/codec/decode`, { method: 'POST' })).headers,
    'the codec decode answer': (
      await fetch(`${url}/codec/decode`, {
        method: 'POST',
        headers: { authorization: `Bearer ${stack.config.codecAdminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ payloads: [] }),
      })
    ).headers,
    'the outbox': (await fetch(`${url}/outbox`)).headers,
    'the outbox messages': (await fetch(`${url}/outbox/messages.json`)).headers,
    'the text-the-service-number form': (await fetch(`${url}/outbox/inbound`)).headers,
    '/healthz': (await fetch(`${url}/healthz`)).headers,
    'a page that is not there': (await fetch(`${url}/nothing-here`)).headers,
    'a misdirected request (421)': new Headers(
      Object.entries((await rawRequest(`${url}/enroll`, { headers: { host: 'evil.example' } })).headers).map(
        ([name, value]) => [name, String(value)] as [string, string],
      ),
    ),
  };
}

describe('headers on an https public URL (F17, F18)', () => {
  let stack: TestStack;
  let tenant: Awaited<ReturnType<typeof createTenant>>;
  before(async () => {
    stack = await startTestStack({ env: { LATCHKEY_PUBLIC_URL: 'https://reset.example.test' } });
    tenant = await createTenant(stack);
  });
  after(async () => {
    await stack?.stop();
  });

  it('sends HSTS and Cache-Control: no-store on every page and API response, the agent token included', async () => {
    const responses = await everyKindOfResponse(stack, tenant.apiKey, tenant.clientId);
    for (const [what, headers] of Object.entries(responses)) {
      assert.equal(headers.get('cache-control'), 'no-store', what);
      assert.equal(headers.get('strict-transport-security'), HSTS, what);
    }
  });

  it('names every cookie __Host-, Secure and for path /, and reads no unprefixed one a sibling could plant', async () => {
    const { link } = await activateNewUser(stack, tenant);
    const browser = new BrowserSession(stack.url);
    const landing = await browser.get(link);
    const started = await browser.post(link, {});
    assert.equal(started.status, 303);
    const setCookies = [...landing.setCookies, ...started.setCookies];
    const names = setCookies.map((header) => header.split('=')[0]).sort();
    assert.deepEqual(names, ['__Host-lk_csrf', '__Host-lk_enroll']);
    for (const header of setCookies) {
      assert.match(header, /; Path=\/(;|$)/, header.split('=')[0]);
      assert.match(header, /; Secure/, header.split('=')[0]);
      assert.doesNotMatch(header, /Domain=/i, header.split('=')[0]);
    }
    // The same session under the unprefixed name, as a sibling subdomain can set it, opens nothing.
    const session = browser.cookie('__Host-lk_enroll')!;
    const tossed = await fetch(`${stack.url}/enroll`, { headers: { cookie: `lk_enroll=${session}` } });
    assert.equal(tossed.status, 401);
    const own = await fetch(`${stack.url}/enroll`, { headers: { cookie: `__Host-lk_enroll=${session}` } });
    assert.equal(own.status, 200);
  });

  it("names the console's session cookie __Host-, Secure, HttpOnly and for path /", async () => {
    const accounts = new TechnicianAccountsService({
      technicians: stack.runtime.stores.technicians,
      audit: stack.runtime.stores.audit,
      secrets: stack.runtime.secrets,
    });
    const created = await accounts.create(
      { mspId: tenant.mspId, email: 'https-admin@msp.test', role: 'admin' },
      'test',
    );
    if (created === 'duplicate') throw new Error('duplicate');
    const browser = new BrowserSession(stack.url);
    await browser.get('/console/sign-in');
    const first = await browser.post('/console/sign-in', {
      email: created.technician.email,
      password: created.password,
    });
    assert.equal(first.status, 303, first.html);
    await browser.get('/console/sign-in/code');
    const second = await browser.post('/console/sign-in/code', { code: totpAt(created.totpSecret, Date.now()) });
    assert.equal(second.location, '/console');
    for (const header of [...first.setCookies, ...second.setCookies].filter((h) => h.includes('lk_console'))) {
      assert.match(header, /^__Host-lk_console=/);
      assert.match(header, /; Path=\/(;|$)/);
      assert.match(header, /; Secure/);
      assert.match(header, /; HttpOnly/);
      assert.match(header, /; SameSite=Lax/);
      assert.doesNotMatch(header, /Domain=/i);
    }
    const session = browser.cookie('__Host-lk_console')!;
    const tossed = await fetch(`${stack.url}/console`, {
      headers: { cookie: `lk_console=${session}` },
      redirect: 'manual',
    });
    assert.equal(tossed.headers.get('location'), '/console/sign-in', 'the unprefixed name opens nothing');
  });
});

describe('headers on a loopback http public URL', () => {
  let stack: TestStack;
  let tenant: Awaited<ReturnType<typeof createTenant>>;
  before(async () => {
    stack = await startTestStack();
    tenant = await createTenant(stack);
  });
  after(async () => {
    await stack?.stop();
  });

  it('sends no-store everywhere but no HSTS, and plain cookie names, over http', async () => {
    const responses = await everyKindOfResponse(stack, tenant.apiKey, tenant.clientId);
    for (const [what, headers] of Object.entries(responses)) {
      assert.equal(headers.get('cache-control'), 'no-store', what);
      assert.equal(headers.get('strict-transport-security'), null, what);
    }
    const form = await fetch(`${stack.url}/outbox/inbound`);
    const [cookie] = form.headers.getSetCookie();
    assert.match(cookie!, /^lk_csrf=/);
    assert.doesNotMatch(cookie!, /Secure/);
  });
});

describe('a public URL that is http:// off loopback (F17)', () => {
  it('is refused at start unless LATCHKEY_BEHIND_TLS_PROXY says a TLS proxy serves it', async () => {
    await assert.rejects(
      startTestStack({ env: { LATCHKEY_PUBLIC_URL: 'http://reset.example.test' } }),
      /LATCHKEY_PUBLIC_URL: must be https:\/\/ anywhere but localhost.*LATCHKEY_BEHIND_TLS_PROXY=true/s,
    );
    const stack = await startTestStack({
      env: { LATCHKEY_PUBLIC_URL: 'http://reset.example.test', LATCHKEY_BEHIND_TLS_PROXY: 'true' },
    });
    try {
      assert.equal((await fetch(`${stack.url}/healthz`)).status, 200);
    } finally {
      await stack.stop();
    }
  });
});

describe('/healthz (F19)', () => {
  let stack: TestStack;
  let tenant: Awaited<ReturnType<typeof createTenant>>;
  let admin: pg.Client;
  before(async () => {
    stack = await startTestStack();
    tenant = await createTenant(stack);
    admin = new pg.Client({ connectionString: testEnv().postgresUrl });
    await admin.connect();
  });
  after(async () => {
    await admin?.query(`alter database "${stack.database.name}" with allow_connections true`).catch(() => undefined);
    await admin?.end();
    await stack?.stop();
  });

  const health = (headers: Record<string, string> = {}) =>
    fetch(`${stack.url}/healthz`, { headers }).then(async (response) => ({
      status: response.status,
      text: await response.text(),
    }));

  it('tells an anonymous caller only "degraded" while the database is down, and the log why', async () => {
    const name = stack.database.name;
    await admin.query(`alter database "${name}" with allow_connections false`);
    await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1', [name]);
    try {
      const down = await health();
      assert.equal(down.status, 503);
      assert.deepEqual(JSON.parse(down.text), { status: 'degraded' });
      // A key cannot even be checked with the database down: the answer stays the anonymous one.
      const withKey = await health({ authorization: `Bearer ${tenant.apiKey}` });
      assert.deepEqual(JSON.parse(withKey.text), { status: 'degraded' });
      const logged = stack.logs.find((line) => line.includes('Health check degraded'));
      assert.ok(logged, 'the reason is in the log');
      assert.match(JSON.parse(logged).checks.database, /\S/);
      assert.equal(JSON.parse(logged).checks.temporal, 'ok');
    } finally {
      await admin.query(`alter database "${name}" with allow_connections true`);
    }
    let back = await health();
    for (let tries = 0; back.status !== 200 && tries < 20; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      back = await health();
    }
    assert.deepEqual(JSON.parse(back.text), { status: 'ok' });
    assert.ok(stack.logs.some((line) => line.includes('Health check ok again')));
  });

  it('shows the checks to an MSP-wide API key only', async () => {
    const mspWide = await health({ authorization: `Bearer ${tenant.apiKey}` });
    assert.deepEqual(JSON.parse(mspWide.text), {
      status: 'ok',
      checks: { database: 'ok', temporal: 'ok', worker: 'ok' },
    });
    const clientKey = await stack.runtime.stores.apiKeys.issue(
      { mspId: tenant.mspId, clientId: tenant.clientId },
      'psa',
    );
    for (const token of [clientKey.token, 'lk_not_a_real_key', tenant.apiKey.slice(0, -2) + 'xx']) {
      const answer = await health({ authorization: `Bearer ${token}` });
      assert.deepEqual(JSON.parse(answer.text), { status: 'ok' }, token.slice(0, 6));
    }
  });
});
