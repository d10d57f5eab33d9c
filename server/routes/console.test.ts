import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { ApiKeyRole } from '../../common/domain/api-key-roles';
import { totpAt } from '../../common/secrets/totp';
import { apiClient, BrowserSession } from '../../test/support/http';
import { createTenant, startTestStack, type TestStack } from '../../test/support/stack';
import { TechnicianAccountsService } from '../services/technician-accounts.service';

interface TestTechnician {
  id: string;
  email: string;
  password: string;
  totpSecret: string;
}

describe('console sign-in, sessions and role gating', () => {
  let stack: TestStack;
  let accounts: TechnicianAccountsService;
  let acme: Awaited<ReturnType<typeof createTenant>>;
  let globex: Awaited<ReturnType<typeof createTenant>>;
  let acmeUserId: string;

  before(async () => {
    stack = await startTestStack();
    accounts = new TechnicianAccountsService({
      technicians: stack.runtime.stores.technicians,
      audit: stack.runtime.stores.audit,
      secrets: stack.runtime.secrets,
    });
    acme = await createTenant(stack, 'Acme IT');
    globex = await createTenant(stack, 'Globex IT');
    const user = await apiClient(stack.url, acme.apiKey)('POST', `/clients/${acme.clientId}/users`, {
      username: 'ann',
      email: 'ann@acme.test',
    });
    assert.equal(user.status, 201, JSON.stringify(user.body));
    acmeUserId = (user.body as { id: string }).id;
  });
  after(async () => {
    await stack?.stop();
  });

  const technician = async (mspId: string, role: ApiKeyRole): Promise<TestTechnician> => {
    const email = `${role}-${randomUUID().slice(0, 8)}@msp.test`;
    const created = await accounts.create({ mspId, email, role }, 'test');
    assert.notEqual(created, 'duplicate');
    if (created === 'duplicate') throw new Error('duplicate');
    return { id: created.technician.id, email, password: created.password, totpSecret: created.totpSecret };
  };
  /** A code of the step `offset` steps from now: each sign-in of one account must use a later step than the last. */
  const codeOf = (tech: TestTechnician, offset = 0) => totpAt(tech.totpSecret, Date.now() + offset * 30_000);

  const passwordStep = async (browser: BrowserSession, tech: TestTechnician, password = tech.password) => {
    await browser.get('/console/sign-in');
    return browser.post('/console/sign-in', { email: tech.email, password });
  };
  const signIn = async (tech: TestTechnician, offset: number | string = 0) => {
    const browser = new BrowserSession(stack.url);
    const first = await passwordStep(browser, tech);
    assert.equal(first.status, 303, first.html);
    assert.equal(first.location, '/console/sign-in/code');
    await browser.get('/console/sign-in/code');
    const code = typeof offset === 'string' ? offset : codeOf(tech, offset);
    const second = await browser.post('/console/sign-in/code', { code });
    assert.equal(second.status, 303, second.html);
    assert.equal(second.location, '/console');
    return browser;
  };
  const auditOf = (action: string) =>
    stack.runtime
      .db('audit_events')
      .where({ action })
      .orderBy('created_at', 'desc')
      .select('actor', 'msp_id', 'detail');

  it('signs in with the password and a TOTP code, and shows the MSP dashboard', async () => {
    const admin = await technician(acme.mspId, 'admin');
    const browser = await signIn(admin);
    const dashboard = await browser.get('/console');
    assert.equal(dashboard.status, 200);
    assert.match(dashboard.html, /Acme IT client/);
    assert.match(dashboard.html, /0 \/ 1/, 'users enrolled out of total');
    assert.doesNotMatch(dashboard.html, /Globex/);
    const signedIn = await auditOf('technician.signed_in');
    assert.ok(signedIn.some((row) => row.actor === `technician:${admin.id}` && row.msp_id === acme.mspId));
  });

  it('counts resets and unlocks this week, users locked out now and agents offline, per client', async () => {
    const tenant = await createTenant(stack, 'Initech IT');
    const api = apiClient(stack.url, tenant.apiKey);
    const users: string[] = [];
    for (const username of ['a', 'b', 'c'])
      users.push(
        (
          (await api('POST', `/clients/${tenant.clientId}/users`, { username, email: `${username}@i.test` })).body as {
            id: string;
          }
        ).id,
      );
    const db = stack.runtime.db;
    await db('users').where({ id: users[0] }).update({ status: 'enrolled_sms' });
    const reset = (userId: string, createdAt: unknown) => ({
      id: randomUUID(),
      user_id: userId,
      client_id: tenant.clientId,
      channel: 'sms',
      requested_by: 'user',
      status: 'completed',
      created_at: createdAt,
    });
    await db('password_resets').insert([
      reset(users[0]!, db.fn.now()),
      reset(users[0]!, db.raw("now() - interval '2 days'")),
      reset(users[0]!, db.raw("now() - interval '8 days'")),
    ]);
    // One user's lockouts differ in their start (unique per user): each row begins an hour before the last.
    let hoursAgo = 0;
    const lockout = (userId: string, status: string, endedAt: unknown = null) => ({
      client_id: tenant.clientId,
      user_id: userId,
      workflow_id: `lockout-${randomUUID()}`,
      locked_at: db.raw(`now() - interval '${++hoursAgo} hours'`),
      status,
      ended_at: endedAt,
    });
    // Unlocks: two this week; one eight days ago, and lockouts that ended otherwise, are not counted.
    await db('lockouts').insert([
      lockout(users[0]!, 'open'),
      lockout(users[1]!, 'unlocked', db.fn.now()),
      lockout(users[1]!, 'unlocked', db.raw("now() - interval '6 days'")),
      lockout(users[1]!, 'unlocked', db.raw("now() - interval '8 days'")),
      lockout(users[2]!, 'expired', db.fn.now()),
      lockout(users[2]!, 'reset', db.fn.now()),
    ]);
    const agent = (lastSeen: unknown, revoked: unknown = null) => ({
      client_id: tenant.clientId,
      name: 'agent',
      token_id: randomUUID(),
      token_hash: 'x',
      last_seen_at: lastSeen,
      revoked_at: revoked,
    });
    await db('agents').insert([
      agent(db.fn.now()),
      agent(db.raw("now() - interval '10 minutes'")),
      agent(null),
      agent(null, db.fn.now()),
    ]);
    const browser = await signIn(await technician(tenant.mspId, 'read_only'));
    const page = await browser.get('/console');
    const row = new RegExp(`data-client-id="${tenant.clientId}"[\\s\\S]*?</tr>`).exec(page.html)![0];
    const cells = [...row.matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((match) => match[1]!.replace(/<[^>]+>/g, ''));
    assert.deepEqual(cells, ['Initech IT client', '1 / 3', '2', '2', '1', '2 / 3']);
  });

  it('sets the session cookie HttpOnly, SameSite=Lax, and changes its value at the second step', async () => {
    const admin = await technician(acme.mspId, 'admin');
    const browser = new BrowserSession(stack.url);
    const first = await passwordStep(browser, admin);
    const halfway = browser.cookie('lk_console');
    const cookie = first.setCookies.find((header) => header.startsWith('lk_console='))!;
    assert.match(cookie, /HttpOnly/i);
    assert.match(cookie, /SameSite=Lax/i);
    assert.match(cookie, /Path=\//);
    // Half signed in is not signed in.
    assert.equal((await browser.get('/console')).location, '/console/sign-in');
    await browser.get('/console/sign-in/code');
    await browser.post('/console/sign-in/code', { code: codeOf(admin) });
    assert.ok(browser.cookie('lk_console'));
    assert.notEqual(browser.cookie('lk_console'), halfway);
    // The stored row is named by a keyed hash; the cookie's value is nowhere in the database.
    const rows = await stack.runtime.db('technician_sessions').where({ technician_id: admin.id }).select('token_hash');
    assert.ok(rows.every((row) => row.token_hash !== browser.cookie('lk_console')));
  });

  it('refuses a wrong password, and gives no session', async () => {
    const admin = await technician(acme.mspId, 'admin');
    const browser = new BrowserSession(stack.url);
    const refused = await passwordStep(browser, admin, 'not the password');
    assert.equal(refused.status, 401);
    assert.match(refused.html, /do not match an account/);
    assert.equal(browser.cookie('lk_console'), undefined);
    const unknown = await passwordStep(browser, { ...admin, email: 'nobody@msp.test' });
    assert.equal(unknown.status, 401);
    assert.match(unknown.html, /do not match an account/, 'an unknown email gets the same answer');
    const audited = await auditOf('technician.sign_in_refused');
    assert.ok(audited.some((row) => row.actor === 'anonymous' && row.detail.technicianId === admin.id));
  });

  it('refuses a wrong code and a replayed one', async () => {
    const admin = await technician(acme.mspId, 'admin');
    const wrong = new BrowserSession(stack.url);
    await passwordStep(wrong, admin);
    await wrong.get('/console/sign-in/code');
    const right = codeOf(admin, 1);
    const refused = await wrong.post('/console/sign-in/code', { code: right === '000000' ? '111111' : '000000' });
    assert.equal(refused.status, 401);
    assert.match(refused.html, /not right/);
    assert.equal((await wrong.get('/console')).location, '/console/sign-in');

    await signIn(admin, right);
    // The same code again, in another browser, within its 90 seconds: refused.
    const replay = new BrowserSession(stack.url);
    await passwordStep(replay, admin);
    await replay.get('/console/sign-in/code');
    const replayed = await replay.post('/console/sign-in/code', { code: right });
    assert.equal(replayed.status, 401);
    assert.match(replayed.html, /used already/);
    // So is an earlier step's code: accepted steps only move forward.
    await replay.get('/console/sign-in/code');
    assert.equal((await replay.post('/console/sign-in/code', { code: codeOf(admin, 0) })).status, 401);
  });

  it('refuses forms without the CSRF token, or sent from another site', async () => {
    const admin = await technician(acme.mspId, 'admin');
    const browser = new BrowserSession(stack.url);
    await browser.get('/console/sign-in');
    const noToken = await browser.post(
      '/console/sign-in',
      { email: admin.email, password: admin.password },
      { csrf: null },
    );
    assert.equal(noToken.status, 403);
    await browser.get('/console/sign-in');
    const crossSite = await browser.post(
      '/console/sign-in',
      { email: admin.email, password: admin.password },
      { headers: { 'sec-fetch-site': 'cross-site' } },
    );
    assert.equal(crossSite.status, 403);

    await browser.get('/console/sign-in');
    const unboundToken = browser.csrf();
    const signedIn = await signIn(admin);
    await signedIn.get('/console');
    assert.equal((await signedIn.post('/console/sign-out', {}, { csrf: null })).status, 403);
    // A token from another session (a sign-in page's, bound to none) does not do either.
    assert.equal((await signedIn.post('/console/sign-out', {}, { csrf: unboundToken })).status, 403);
    assert.equal((await signedIn.get('/console')).status, 200, 'still signed in');
  });

  it('signs out, and the old cookie no longer works', async () => {
    const admin = await technician(acme.mspId, 'admin');
    const browser = await signIn(admin);
    const cookie = browser.cookie('lk_console')!;
    await browser.get('/console');
    const out = await browser.post('/console/sign-out', {});
    assert.equal(out.status, 303);
    assert.equal(out.location, '/console/sign-in');
    const copied = new BrowserSession(stack.url);
    copied.setCookie('lk_console', cookie);
    assert.equal((await copied.get('/console')).location, '/console/sign-in');
    assert.ok((await auditOf('technician.signed_out')).some((row) => row.actor === `technician:${admin.id}`));
  });

  it('ends a session after 30 idle minutes, after 12 hours in all, and a half sign-in after 5 minutes', async () => {
    const admin = await technician(acme.mspId, 'admin');
    const db = stack.runtime.db;
    const idle = await signIn(admin, -1);
    assert.equal((await idle.get('/console')).status, 200);
    await db('technician_sessions')
      .where({ technician_id: admin.id, stage: 'active' })
      .whereNull('ended_at')
      .update({ last_seen_at: db.raw("now() - interval '31 minutes'") });
    assert.equal((await idle.get('/console')).location, '/console/sign-in');

    const old = await signIn(admin, 0);
    await db('technician_sessions')
      .where({ technician_id: admin.id, stage: 'active' })
      .whereNull('ended_at')
      .update({ created_at: db.raw("now() - interval '12 hours 1 minute'") });
    assert.equal((await old.get('/console')).location, '/console/sign-in', 'however active it was');

    const half = new BrowserSession(stack.url);
    await passwordStep(half, admin);
    await db('technician_sessions')
      .where({ technician_id: admin.id, stage: 'password' })
      .whereNull('ended_at')
      .update({ created_at: db.raw("now() - interval '6 minutes'") });
    assert.equal((await half.get('/console/sign-in/code')).location, '/console/sign-in');
  });

  it('keeps the password, the TOTP secret, the code and the cookie out of the database and the logs', async () => {
    const admin = await technician(acme.mspId, 'admin');
    const code = codeOf(admin);
    const browser = await signIn(admin, code);
    const cookie = browser.cookie('lk_console')!;
    const db = stack.runtime.db;
    const tables = ['technicians', 'technician_sessions', 'audit_events', 'rate_limit_buckets'];
    const dump = JSON.stringify(await Promise.all(tables.map((table) => db(table).select('*'))));
    const logs = stack.logs.join('\n');
    for (const secret of [admin.password, admin.totpSecret, cookie]) {
      assert.ok(!dump.includes(secret), 'not in the database');
      assert.ok(!logs.includes(secret), 'not in the logs');
    }
    assert.ok(!logs.includes(`code=${code}`) && !logs.includes(`"code":"${code}"`), 'the code is not logged');
  });

  describe('roles, through the API permission table', () => {
    it('lets an admin disable a technician and refuses a helpdesk technician (403)', async () => {
      const admin = await signIn(await technician(acme.mspId, 'admin'));
      const helpdesk = await signIn(await technician(acme.mspId, 'helpdesk'));
      const target = await technician(acme.mspId, 'read_only');
      const targetBrowser = await signIn(target);

      await helpdesk.get('/console/technicians');
      assert.doesNotMatch(helpdesk.lastHtml, /Disable/, 'the button is not offered');
      const refused = await helpdesk.post(`/console/technicians/${target.id}/disable`, {});
      assert.equal(refused.status, 403);
      assert.match(refused.html, /Only a technician with the admin role may add or disable technicians/);
      assert.equal((await targetBrowser.get('/console')).status, 200, 'the target is untouched');

      await admin.get('/console/technicians');
      const done = await admin.post(`/console/technicians/${target.id}/disable`, {});
      assert.equal(done.status, 303);
      assert.equal((await targetBrowser.get('/console')).location, '/console/sign-in', 'their session ended');
      const disabled = await auditOf('technician.disabled');
      assert.ok(disabled.some((row) => row.detail.technicianId === target.id));
      // And they cannot sign in again.
      const again = new BrowserSession(stack.url);
      assert.equal((await passwordStep(again, target)).status, 401);
    });

    it('lets a helpdesk technician activate a user and refuses a read-only one (403)', async () => {
      const readOnlyTech = await technician(acme.mspId, 'read_only');
      const readOnly = await signIn(readOnlyTech);
      assert.equal((await readOnly.get('/console')).status, 200, 'read-only may read the dashboard');
      const path = `/console/clients/${acme.clientId}/users/${acmeUserId}/activate`;
      const refused = await readOnly.post(path, {});
      assert.equal(refused.status, 403);
      assert.match(refused.html, /Only a technician with the admin or helpdesk role may activate/);

      const helpdeskTech = await technician(acme.mspId, 'helpdesk');
      const helpdesk = await signIn(helpdeskTech);
      await helpdesk.get('/console');
      const activated = await helpdesk.post(path, {});
      assert.equal(activated.status, 303, activated.html);
      assert.equal(activated.location, `/console/clients/${acme.clientId}/users/${acmeUserId}?done=activated`);
      assert.match((await helpdesk.get(activated.location!)).html, /Activation sent/);
      const audited = await stack.runtime.db('audit_events').where({ action: 'user.activated', user_id: acmeUserId });
      assert.equal(audited[0]?.actor, `technician:${helpdeskTech.id}`);
    });

    it("keeps the MSP's last active admin (409)", async () => {
      const lone = await createTenant(stack, 'Lone IT');
      const tech = await technician(lone.mspId, 'admin');
      const browser = await signIn(tech);
      await browser.get('/console/technicians');
      const refused = await browser.post(`/console/technicians/${tech.id}/disable`, {});
      assert.equal(refused.status, 409);
      assert.match(refused.html, /last active admin/);
    });

    it("shows one MSP's technician nothing of another MSP's (404)", async () => {
      const acmeTarget = await technician(acme.mspId, 'helpdesk');
      const globexAdmin = await signIn(await technician(globex.mspId, 'admin'));
      const dashboard = await globexAdmin.get('/console');
      assert.match(dashboard.html, /Globex IT client/);
      assert.doesNotMatch(dashboard.html, /Acme/);
      const technicians = await globexAdmin.get('/console/technicians');
      assert.doesNotMatch(technicians.html, new RegExp(acmeTarget.email));
      assert.equal((await globexAdmin.post(`/console/technicians/${acmeTarget.id}/disable`, {})).status, 404);
      await globexAdmin.get('/console');
      const activate = await globexAdmin.post(`/console/clients/${acme.clientId}/users/${acmeUserId}/activate`, {});
      assert.equal(activate.status, 404);
      const row = await stack.runtime.stores.technicians.get(acme.mspId, acmeTarget.id);
      assert.equal(row?.disabled_at, null);
      await globexAdmin.get('/console');
      assert.equal((await globexAdmin.post('/console/technicians/not-a-uuid/disable', {})).status, 404);
    });

    it('refuses a console form post without a session (401), and sends a page request to sign in', async () => {
      const anonymous = new BrowserSession(stack.url);
      assert.equal((await anonymous.get('/console')).location, '/console/sign-in');
      const post = await anonymous.post(
        `/console/clients/${acme.clientId}/users/${acmeUserId}/activate`,
        {},
        { csrf: null },
      );
      assert.equal(post.status, 401);
    });
  });

  it('refuses a passkey sign-in with a forged or replayed assertion (401), or without the CSRF token (403)', async () => {
    const browser = new BrowserSession(stack.url);
    await browser.get('/console/sign-in');
    const csrf = browser.csrf();
    const send = (path: string, body: unknown) =>
      fetch(`${stack.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie: `lk_csrf=${browser.cookie('lk_csrf')!}` },
        body: JSON.stringify(body),
      });
    const options = await send('/console/sign-in/passkey/options', { _csrf: csrf });
    assert.equal(options.status, 200);
    const { challenge } = (await options.json()) as { challenge: string };
    const clientDataJSON = Buffer.from(
      JSON.stringify({ type: 'webauthn.get', challenge, origin: 'http://localhost' }),
    ).toString('base64url');
    const forged = {
      id: 'AAAA',
      rawId: 'AAAA',
      type: 'public-key',
      response: { clientDataJSON, authenticatorData: 'AAAA', signature: 'AAAA' },
      clientExtensionResults: {},
    };
    const refused = await send('/console/sign-in/passkey', { _csrf: csrf, credential: forged });
    assert.equal(refused.status, 401);
    assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'unauthenticated');
    assert.equal(refused.headers.getSetCookie().filter((c) => c.startsWith('lk_console')).length, 0);
    // The challenge was spent by the first try.
    assert.equal(
      await stack.runtime
        .db('console_passkey_challenges')
        .count('* as n')
        .first()
        .then((r) => Number(r!.n)),
      0,
    );
    assert.equal((await send('/console/sign-in/passkey', { credential: forged })).status, 403);
    assert.equal((await send('/console/sign-in/passkey/options', {})).status, 403);
  });

  describe('wrong-guess limits', () => {
    it('locks an account after 5 wrong passwords, even for the right one', async () => {
      const admin = await technician(acme.mspId, 'admin');
      const browser = new BrowserSession(stack.url);
      for (let attempt = 0; attempt < 5; attempt++)
        assert.equal((await passwordStep(browser, admin, `wrong-${attempt}`)).status, 401);
      const limited = await passwordStep(browser, admin);
      assert.equal(limited.status, 429);
      assert.match(limited.html, /Too many wrong sign-in attempts/);
      // Wrong codes count against the same account: another account is not affected.
      const other = await technician(acme.mspId, 'admin');
      await signIn(other);
    });

    // Last in this file: it spends this address's allowance, which every test above shares.
    it('refuses an address after 30 wrong tries over many accounts', async () => {
      const browser = new BrowserSession(stack.url);
      let status = 0;
      let attempts = 0;
      while (attempts < 40) {
        attempts++;
        status = (
          await passwordStep(browser, { id: '', email: `guess-${attempts}@msp.test`, password: 'x', totpSecret: '' })
        ).status;
        if (status === 429) break;
      }
      assert.equal(status, 429);
      assert.ok(attempts <= 31, `limited after ${attempts} attempts`);
      const admin = await technician(acme.mspId, 'admin');
      assert.equal((await passwordStep(browser, admin)).status, 429, 'a right password from that address too');
    });
  });
});
