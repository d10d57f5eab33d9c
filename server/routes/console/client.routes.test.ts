import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { BrowserSession } from '../../../test/support/http';
import { apiClient } from '../../../test/support/http';
import { createTenant, startTestStack, type TestStack } from '../../../test/support/stack';
import { createTechnician, signInToConsole } from '../../../test/support/technician';

describe("the console's client page", () => {
  let stack: TestStack;
  let acme: Awaited<ReturnType<typeof createTenant>>;
  let globex: Awaited<ReturnType<typeof createTenant>>;
  let admin: BrowserSession;
  let adminId: string;
  let helpdesk: BrowserSession;
  let helpdeskId: string;
  let readOnly: BrowserSession;
  let globexAdmin: BrowserSession;
  const userIds = new Map<string, string>();

  before(async () => {
    stack = await startTestStack();
    acme = await createTenant(stack, 'Acme IT');
    globex = await createTenant(stack, 'Globex IT');
    const api = apiClient(stack.url, acme.apiKey);
    const imported = await api('POST', `/clients/${acme.clientId}/users/import`, {
      users: [
        { username: 'ann', email: 'ann@acme.test', displayName: 'Ann Archer' },
        { username: 'bob', email: 'bob@acme.test', displayName: 'Bob 100% Real' },
        { username: 'cy', email: 'cy@acme.test' },
        { username: 'dee', email: 'dee@elsewhere.test' },
      ],
    });
    assert.equal(imported.status, 201, JSON.stringify(imported.body));
    for (const user of (imported.body as { items: Array<{ id: string; username: string }> }).items)
      userIds.set(user.username, user.id);
    const adminTech = await createTechnician(stack, acme.mspId, 'admin');
    adminId = adminTech.id;
    admin = await signInToConsole(stack, adminTech);
    const helpdeskTech = await createTechnician(stack, acme.mspId, 'helpdesk');
    helpdeskId = helpdeskTech.id;
    helpdesk = await signInToConsole(stack, helpdeskTech);
    readOnly = await signInToConsole(stack, await createTechnician(stack, acme.mspId, 'read_only'));
    globexAdmin = await signInToConsole(stack, await createTechnician(stack, globex.mspId, 'admin'));
  });
  after(async () => {
    await stack?.stop();
  });

  const page = (query = '') => `/console/clients/${acme.clientId}${query}`;
  const rowsOf = (html: string) => [...html.matchAll(/<tr data-user-id="([^"]+)"/g)].map((match) => match[1]);
  const auditRows = (action: string, actor: string) =>
    stack.runtime.db('audit_events').where({ action, actor }).select('user_id', 'client_id', 'detail');
  const csv = (text: string) => new Blob([text], { type: 'text/csv' });

  it('lists the users with search, status, method and locked filters, and links each to its user page', async () => {
    const all = await readOnly.get(page());
    assert.equal(all.status, 200, all.html);
    assert.equal(rowsOf(all.html).length, 4);
    assert.match(all.html, new RegExp(`href="/console/clients/${acme.clientId}/users/${userIds.get('ann')}"`));
    assert.deepEqual(rowsOf((await readOnly.get(page('?q=ARCHER'))).html), [userIds.get('ann')]);
    assert.deepEqual(rowsOf((await readOnly.get(page('?q=elsewhere'))).html), [userIds.get('dee')]);
    // A LIKE wildcard in the search is a literal: "%" finds only the name that has one.
    assert.deepEqual(rowsOf((await readOnly.get(page('?q=%25'))).html), [userIds.get('bob')]);

    const db = stack.runtime.db;
    await db('users')
      .where({ id: userIds.get('cy') })
      .update({ status: 'enrolled_sms', enrollment_method: 'sms' });
    await db('lockouts').insert({
      client_id: acme.clientId,
      user_id: userIds.get('cy'),
      workflow_id: `lockout-${randomUUID()}`,
      locked_at: new Date(),
      status: 'open',
    });
    assert.deepEqual(rowsOf((await readOnly.get(page('?status=enrolled_sms'))).html), [userIds.get('cy')]);
    assert.deepEqual(rowsOf((await readOnly.get(page('?method=sms'))).html), [userIds.get('cy')]);
    const locked = await readOnly.get(page('?locked=yes'));
    assert.deepEqual(rowsOf(locked.html), [userIds.get('cy')]);
    assert.match(locked.html, /since \d{4}-\d\d-\d\d/);
    assert.equal(rowsOf((await readOnly.get(page('?locked=no&method='))).html).length, 3);
    assert.equal((await readOnly.get(page('?status=retired'))).status, 400, 'an unknown status is a clear 400');
  });

  it('pages through the users 50 at a time, keeping the filters', async () => {
    const tenant = await createTenant(stack, 'Paging IT');
    const api = apiClient(stack.url, tenant.apiKey);
    const users = Array.from({ length: 55 }, (_, i) => ({ username: `p${i}`, email: `p${i}@paging.test` }));
    assert.equal((await api('POST', `/clients/${tenant.clientId}/users/import`, { users })).status, 201);
    const browser = await signInToConsole(stack, await createTechnician(stack, tenant.mspId, 'read_only'));
    const first = await browser.get(`/console/clients/${tenant.clientId}?q=p`);
    assert.equal(rowsOf(first.html).length, 50);
    const next = /href="([^"]+)" id="next-page"/.exec(first.html)!;
    const second = await browser.get(next[1]!.replace(/&amp;/g, '&').replace(/&#x3D;/g, '='));
    assert.equal(rowsOf(second.html).length, 5);
    assert.equal(new Set([...rowsOf(first.html), ...rowsOf(second.html)]).size, 55);
    assert.doesNotMatch(second.html, /id="next-page"/);
  });

  it('shows a read-only technician no buttons, and refuses each of their posts with a 403', async () => {
    const shown = await readOnly.get(page());
    for (const control of ['/users/actions"', '/users/import"', '/policy"', '/agents"', 'Save policy', 'Revoke'])
      assert.ok(
        !shown.html.includes(`action="/console/clients/${acme.clientId}${control}`) &&
          !shown.html.includes(`>${control}<`),
        control,
      );
    assert.doesNotMatch(shown.html, /type="checkbox"/);
    const posts: Array<[string, Record<string, string>]> = [
      ['/users/actions', { action: 'activate', userId: userIds.get('ann')! }],
      ['/policy', { resetsPerHour: '1' }],
      ['/agents', { name: 'dc01' }],
    ];
    const written = async () => ({
      audit: (await stack.runtime.db('audit_events').where({ client_id: acme.clientId })).length,
      ann: (
        await stack.runtime
          .db('users')
          .where({ id: userIds.get('ann')! })
          .first()
      ).status as string,
      settings: JSON.stringify((await stack.runtime.db('clients').where({ id: acme.clientId }).first()).settings),
    });
    const before = await written();
    for (const [path, fields] of posts) {
      await readOnly.get(page());
      const refused = await readOnly.post(page(path), fields);
      assert.equal(refused.status, 403, path);
      assert.match(refused.html, /Only a technician with the admin/);
    }
    await readOnly.get(page());
    assert.equal(
      (await readOnly.postMultipart(page('/users/import'), { file: csv('username,email\nx,x@a.test') })).status,
      403,
    );
    assert.equal(await stack.runtime.db('users').where({ username: 'x' }).first(), undefined);
    assert.equal((await stack.runtime.db('agents').where({ client_id: acme.clientId })).length, 0);
    assert.deepEqual(await written(), before, 'no user, policy or audit row changed');
  });

  it('lets a helpdesk technician activate, resend and deactivate a selection, audited under their name', async () => {
    const shown = await helpdesk.get(page());
    assert.match(shown.html, /name="userId"/);
    assert.doesNotMatch(shown.html, /Save policy|Issue agent credential|Import users from CSV/);
    const [ann, bob] = [userIds.get('ann')!, userIds.get('bob')!];
    const globexUser = (
      await apiClient(stack.url, globex.apiKey)('POST', `/clients/${globex.clientId}/users`, {
        username: 'gus',
        email: 'gus@globex.test',
      })
    ).body as { id: string };
    const activated = await helpdesk.post(page('/users/actions'), {
      action: 'activate',
      userId: [ann, bob, globexUser.id],
    });
    assert.equal(activated.status, 200, activated.html);
    assert.match(activated.html, /Ann Archer \(ann\)<\/a><\/td><td data-label="Outcome">Activation email sent/);
    assert.match(activated.html, new RegExp(`${globexUser.id}</a></td><td data-label="Outcome" class="bad">Not found`));
    const audited = await auditRows('user.activated', `technician:${helpdeskId}`);
    assert.deepEqual(audited.map((row) => row.user_id).sort(), [ann, bob].sort());
    assert.equal((await stack.runtime.db('users').where({ id: globexUser.id }).first()).status, 'inactive');

    await helpdesk.get(page());
    const resent = await helpdesk.post(page('/users/actions'), { action: 'resend', userId: ann });
    assert.equal(resent.status, 200, resent.html);
    assert.match(resent.html, /Activation email sent again/);
    assert.equal((await auditRows('user.activation_resent', `technician:${helpdeskId}`))[0]?.user_id, ann);

    await helpdesk.get(page());
    const deactivated = await helpdesk.post(page('/users/actions'), { action: 'deactivate', userId: bob });
    assert.match(deactivated.html, /Deactivated/);
    assert.equal((await auditRows('user.deactivated', `technician:${helpdeskId}`))[0]?.user_id, bob);
    assert.equal((await stack.runtime.db('users').where({ id: bob }).first()).status, 'deactivated');

    await helpdesk.get(page());
    const none = await helpdesk.post(page('/users/actions'), { action: 'activate' });
    assert.equal(none.status, 400);
    assert.match(none.html, /select at least one user/);

    for (const [path, fields] of [
      ['/policy', { resetsPerHour: '1' }],
      ['/agents', { name: 'dc01' }],
    ] as const) {
      await helpdesk.get(page());
      const refused = await helpdesk.post(page(path), fields);
      assert.equal(refused.status, 403, path);
    }
    await helpdesk.get(page());
    const importRefused = await helpdesk.postMultipart(page('/users/import'), {
      file: csv('username,email\nx,x@a.test'),
    });
    assert.equal(importRefused.status, 403);
    assert.match(importRefused.html, /Only a technician with the admin role may create or import users/);
  });

  it('imports a CSV upload for an admin, and for a bad file shows each error by row and column and writes nothing', async () => {
    await admin.get(page());
    const bad = await admin.postMultipart(page('/users/import'), {
      file: csv(
        '\uFEFFUsername,Email,Display Name\r\n' +
          'eve,eve@acme.test,Eve\r\n' +
          'fay,not-an-email,Fay\r\n' +
          '"gil,bert",gil@acme.test,"Gil ""G"" Bert"\r\n' +
          'eve,eve2@acme.test,\r\n' +
          'ann,ann2@acme.test,Ann again\r\n' +
          'short,row\r\n',
      ),
    });
    assert.equal(bad.status, 400, bad.html);
    const errors = [
      ...bad.html.matchAll(
        /<tr><td>(Row \d+)<\/td><td data-label="Column">([^<]*)<\/td><td data-label="Problem">([^<]*)<\/td>/g,
      ),
    ].map((match) => [match[1], match[2], match[3]]);
    assert.deepEqual(errors, [
      ['Row 3', 'Email', 'must be an email address'],
      ['Row 4', 'Username', 'contains a character that Active Directory does not allow in a username'],
      ['Row 5', 'Username', 'repeats the username of row 2'],
      ['Row 7', '—', 'has 2 fields; the header has 3'],
    ]);
    assert.match(bad.html, /Nothing was imported/);
    assert.equal(await stack.runtime.db('users').where({ username: 'eve' }).first(), undefined, 'nothing half-written');

    // An existing username is found by the import's own transaction, and named by its row too.
    await admin.get(page());
    const conflict = await admin.postMultipart(page('/users/import'), {
      file: csv('username,email\nhal,hal@acme.test\nANN,ann3@acme.test\n'),
    });
    assert.equal(conflict.status, 400);
    assert.match(
      conflict.html,
      /Row 3<\/td><td data-label="Column">username<\/td><td data-label="Problem">ANN: a user with this username already exists/,
    );
    assert.equal(await stack.runtime.db('users').where({ username: 'hal' }).first(), undefined);

    await admin.get(page());
    const header = await admin.postMultipart(page('/users/import'), { file: csv('user,email,phone\n') });
    assert.equal(header.status, 400);
    assert.match(header.html, /Row 1<\/td><td data-label="Column">user<\/td><td data-label="Problem">is not a column/);

    await admin.get(page());
    const done = await admin.postMultipart(page('/users/import'), {
      file: csv('username,email,displayName\nivy,ivy@acme.test,Ivy Green\njon,jon@acme.test,\n'),
    });
    assert.equal(done.status, 303, done.html);
    const after = await admin.get(done.location!);
    assert.match(after.html, /Imported 2 user\(s\)/);
    const created = await stack.runtime.db('users').whereIn('username', ['ivy', 'jon']).select('id', 'display_name');
    assert.equal(created.length, 2);
    const audited = await auditRows('user.created', `technician:${adminId}`);
    assert.deepEqual(audited.map((row) => row.user_id).sort(), created.map((row) => row.id).sort());
  });

  it('refuses an import file over 1 MB with a clear 413 page, and one without its CSRF token', async () => {
    await admin.get(page());
    const big = await admin.postMultipart(page('/users/import'), {
      file: csv(`username,email\n${'a,a@a.test\n'.repeat(120_000)}`),
    });
    assert.equal(big.status, 413);
    assert.match(big.html, /An import file may be at most 1 MB/);
    await admin.get(page());
    const forged = await admin.postMultipart(
      page('/users/import'),
      { file: csv('username,email\nkim,k@a.test') },
      { csrf: null },
    );
    assert.equal(forged.status, 403);
    assert.equal(await stack.runtime.db('users').where({ username: 'kim' }).first(), undefined);
  });

  it('lets an admin edit the policy, audited with the value before and after, and refuses a bad value whole', async () => {
    const shown = await admin.get(page());
    assert.match(shown.html, /Save policy/);
    const refused = await admin.post(page('/policy'), {
      resetsPerHour: '500',
      passwordLength: 'twelve',
      requireSmsPin: 'true',
    });
    assert.equal(refused.status, 400);
    assert.match(refused.html, /must be a whole number/);
    assert.match(refused.html, /Number must be less than or equal to 100/);
    assert.match(refused.html, /value="500"/, 'what was typed is kept');
    const unchanged = await stack.runtime.stores.tenants.getClient(
      { mspId: acme.mspId, clientId: null },
      acme.clientId,
    );
    assert.deepEqual(unchanged!.settings, { requireSmsPin: false });

    await admin.get(page());
    const saved = await admin.post(page('/policy'), {
      resetsPerHour: '3',
      requireSmsPin: 'true',
      smsCountries: 'us, ca',
      mustChangeAtNextLogon: '',
    });
    assert.equal(saved.status, 303, saved.html);
    assert.match((await admin.get(saved.location!)).html, /The policy was saved/);
    const client = await stack.runtime.stores.tenants.getClient({ mspId: acme.mspId, clientId: null }, acme.clientId);
    assert.deepEqual(client!.settings, { resetsPerHour: 3, requireSmsPin: true, smsCountries: ['US', 'CA'] });
    const [audit] = await auditRows('client.settings_changed', `technician:${adminId}`);
    assert.deepEqual(audit!.detail, {
      before: { requireSmsPin: false },
      after: { resetsPerHour: 3, requireSmsPin: true, smsCountries: ['US', 'CA'] },
    });
  });

  it('issues an agent credential shown once with its install steps, lists its health, and revokes it', async () => {
    await admin.get(page());
    const issued = await admin.post(page('/agents'), { name: 'dc01' });
    assert.equal(issued.status, 200, issued.html);
    const token = /id="agent-token">(lka_[^<]+)</.exec(issued.html)![1]!;
    assert.match(issued.html, /Shown once/);
    assert.match(issued.html, new RegExp(`&quot;LATCHKEY_AGENT_TOKEN&quot;: &quot;${token}&quot;`));
    assert.match(issued.html, /latchkey-agent check --config/);
    const [agent] = await stack.runtime.db('agents').where({ client_id: acme.clientId });
    // The secret is the last 43 characters: the public token id before it may itself hold an underscore.
    assert.ok(!JSON.stringify(agent).includes(token.slice(-43)), 'only a hash of the secret is stored');
    const [audit] = await auditRows('agent.created', `technician:${adminId}`);
    assert.equal(audit!.detail.agentId, agent.id);

    await stack.runtime.db('agents').where({ id: agent.id }).update({ version: '0.0.1', last_seen_at: new Date() });
    const listed = await admin.get(page());
    assert.doesNotMatch(listed.html, new RegExp(token), 'the token is never shown again');
    const row = new RegExp(`data-agent-id="${agent.id}"[\\s\\S]*?</tr>`).exec(listed.html)![0];
    assert.match(row, /online/);
    assert.match(row, /0\.0\.1 <span class="badge warn"[^>]*>outdated/);

    const revoked = await admin.post(page(`/agents/${agent.id}/revoke`), {});
    assert.equal(revoked.status, 303);
    assert.notEqual((await stack.runtime.db('agents').where({ id: agent.id }).first()).revoked_at, null);
    assert.equal((await auditRows('agent.revoked', `technician:${adminId}`)).length, 1);
    await admin.get(page());
    assert.equal((await admin.post(page(`/agents/${randomUUID()}/revoke`), {})).status, 404);
  });

  it("answers 404 to another MSP's technician for the page and every post, and changes nothing", async () => {
    assert.equal((await globexAdmin.get(page())).status, 404);
    assert.equal((await globexAdmin.get('/console/clients/not-a-uuid')).status, 404);
    const posts: Array<[string, Record<string, string>]> = [
      ['/users/actions', { action: 'deactivate', userId: userIds.get('dee')! }],
      ['/policy', { resetsPerHour: '1' }],
      ['/agents', { name: 'rogue' }],
      [`/agents/${randomUUID()}/revoke`, {}],
    ];
    for (const [path, fields] of posts) {
      await globexAdmin.get('/console');
      assert.equal((await globexAdmin.post(page(path), fields)).status, 404, path);
    }
    await globexAdmin.get('/console');
    assert.equal(
      (await globexAdmin.postMultipart(page('/users/import'), { file: csv('username,email\nrog,r@g.test') })).status,
      404,
    );
    assert.equal(
      (
        await stack.runtime
          .db('users')
          .where({ id: userIds.get('dee') })
          .first()
      ).status,
      'inactive',
    );
    assert.equal((await stack.runtime.db('agents').where({ name: 'rogue' })).length, 0);
    assert.equal(await stack.runtime.db('users').where({ username: 'rog' }).first(), undefined);
  });

  it('refuses every post without the CSRF token (403)', async () => {
    for (const [path, fields] of [
      ['/users/actions', { action: 'activate', userId: userIds.get('dee')! }],
      ['/policy', { resetsPerHour: '1' }],
      ['/agents', { name: 'csrf' }],
    ] as const) {
      await admin.get(page());
      assert.equal((await admin.post(page(path), fields, { csrf: null })).status, 403, path);
    }
    assert.equal((await stack.runtime.db('agents').where({ name: 'csrf' })).length, 0);
    const [agent] = await stack.runtime.stores.agents.issue(acme.clientId, 'kept').then((issued) => [issued.agent]);
    await admin.get(page());
    assert.equal((await admin.post(page(`/agents/${agent!.id}/revoke`), {}, { csrf: null })).status, 403);
    assert.equal((await stack.runtime.db('agents').where({ id: agent!.id }).first()).revoked_at, null);
  });
});
