import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { apiClient, type BrowserSession } from '../../../test/support/http';
import { createTenant, startTestStack, type TestStack } from '../../../test/support/stack';
import { createTechnician, signInToConsole } from '../../../test/support/technician';

const TOKEN = /lk_[A-Za-z0-9_-]{12}_[A-Za-z0-9_-]{43}/;

describe("the console's API keys: listed to any role, issued and revoked by admins, for the technician's MSP only", () => {
  let stack: TestStack;
  let acme: Awaited<ReturnType<typeof createTenant>>;
  let globex: Awaited<ReturnType<typeof createTenant>>;
  let adminId: string;
  let admin: BrowserSession;
  let helpdesk: BrowserSession;
  let reader: BrowserSession;
  let globexAdmin: BrowserSession;

  before(async () => {
    stack = await startTestStack();
    acme = await createTenant(stack, 'Acme IT');
    globex = await createTenant(stack, 'Globex IT');
    const adminTech = await createTechnician(stack, acme.mspId, 'admin', 'Ada Admin');
    adminId = adminTech.id;
    admin = await signInToConsole(stack, adminTech);
    helpdesk = await signInToConsole(stack, await createTechnician(stack, acme.mspId, 'helpdesk'));
    reader = await signInToConsole(stack, await createTechnician(stack, acme.mspId, 'read_only'));
    globexAdmin = await signInToConsole(stack, await createTechnician(stack, globex.mspId, 'admin'));
  });
  after(async () => {
    await stack?.stop();
  });

  const keyRow = (id: string) => stack.runtime.db('api_keys').where({ id }).first();
  const auditOf = (action: string, apiKeyId: string) =>
    stack.runtime.db('audit_events').where({ action }).whereRaw("detail->>'apiKeyId' = ?", [apiKeyId]);
  /** Issues a key as `browser` would from the form: the list page first, for its CSRF token. */
  const issue = async (browser: BrowserSession, fields: Record<string, string>) => {
    await browser.get('/console/api-keys');
    return browser.post('/console/api-keys', { name: '', role: 'read_only', clientId: '', expires: '', ...fields });
  };

  it('issues a key to an admin and shows its token once, never in the list; the token works on the API', async () => {
    const issued = await issue(admin, {
      name: 'PSA sync',
      role: 'helpdesk',
      clientId: acme.clientId,
      expires: new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10),
    });
    assert.equal(issued.status, 200, issued.html);
    const token = TOKEN.exec(issued.html)?.[0];
    assert.ok(token, 'the token is on the page that answers the form');
    assert.match(issued.html, /Shown once/);
    assert.match(issued.html, /Acme IT client/, 'the scope is named');

    const listed = await admin.get('/console/api-keys');
    assert.equal(listed.status, 200);
    assert.match(listed.html, /PSA sync/);
    assert.doesNotMatch(listed.html, TOKEN, 'no token on the list');
    const rows = await stack.runtime.db('api_keys').where({ msp_id: acme.mspId, name: 'PSA sync' });
    assert.equal(rows.length, 1);
    assert.ok(!listed.html.includes(rows[0].secret_hash), 'nor the hash');
    assert.equal(rows[0].client_id, acme.clientId);
    assert.equal(rows[0].role, 'helpdesk');
    assert.ok(rows[0].expires_at, 'the expiry is kept');

    const api = apiClient(stack.url, token);
    assert.equal((await api('GET', `/clients/${acme.clientId}/users`)).status, 200, 'the new key authenticates');
    assert.equal((await api('GET', `/clients/${globex.clientId}/users`)).status, 404);
    const [audited] = await auditOf('api_key.issued', rows[0].id);
    assert.equal(audited?.actor, `technician:${adminId}`);
    assert.ok(!JSON.stringify(await stack.runtime.db('audit_events').select('*')).includes(token));
  });

  it('revokes a key for an admin: the token stops working, and the revocation is audited once', async () => {
    const created = await apiClient(stack.url, acme.apiKey)('POST', '/api-keys', { name: 'old', role: 'read_only' });
    assert.equal(created.status, 201);
    await admin.get('/console/api-keys');
    assert.match(admin.lastHtml, new RegExp(`/console/api-keys/${created.body.id}/revoke`), 'a Revoke button');
    const revoked = await admin.post(`/console/api-keys/${created.body.id}/revoke`, {});
    assert.equal(revoked.status, 303, revoked.html);
    assert.equal(revoked.location, '/console/api-keys?done=revoked');
    assert.match((await admin.get(revoked.location!)).html, /The key was revoked/);
    assert.equal((await apiClient(stack.url, created.body.token)('GET', '/api-keys')).status, 401);
    assert.equal((await admin.post(`/console/api-keys/${created.body.id}/revoke`, {})).status, 303, 'again: no-op');
    const audited = await auditOf('api_key.revoked', created.body.id);
    assert.equal(audited.length, 1);
    assert.equal(audited[0].actor, `technician:${adminId}`);
    assert.equal(audited[0].detail.self, false);
  });

  for (const role of ['helpdesk', 'read_only'] as const) {
    it(`shows a ${role} technician the list without buttons, and refuses their posts (403)`, async () => {
      const browser = role === 'helpdesk' ? helpdesk : reader;
      const target = await apiClient(stack.url, acme.apiKey)('POST', '/api-keys', { name: `kept-${role}`, role });
      const page = await browser.get('/console/api-keys');
      assert.equal(page.status, 200);
      assert.match(page.html, new RegExp(`kept-${role}`));
      assert.doesNotMatch(page.html, /Revoke<\/button>|Issue key/, 'no buttons offered');
      const refusedIssue = await issue(browser, { name: `sneaky-${role}`, role: 'admin' });
      assert.equal(refusedIssue.status, 403);
      assert.match(refusedIssue.html, /Only a technician with the admin role may issue API keys/);
      await browser.get('/console/api-keys');
      const refusedRevoke = await browser.post(`/console/api-keys/${target.body.id}/revoke`, {});
      assert.equal(refusedRevoke.status, 403);
      assert.equal((await keyRow(target.body.id)).revoked_at, null, 'untouched');
      assert.equal((await stack.runtime.db('api_keys').where({ name: `sneaky-${role}` })).length, 0);
      const audited = (await stack.runtime
        .db('audit_events')
        .whereIn('action', ['api_key.issued', 'api_key.revoked'])) as Array<{
        action: string;
        detail: { name?: string; apiKeyId?: string };
      }>;
      assert.ok(
        !audited.some(
          ({ action, detail }) =>
            detail.name === `sneaky-${role}` || (action === 'api_key.revoked' && detail.apiKeyId === target.body.id),
        ),
        'nothing audited',
      );
    });
  }

  it("shows one MSP's admin nothing of another MSP's keys, and answers their ids and clients 404", async () => {
    const acmeKey = await apiClient(stack.url, acme.apiKey)('POST', '/api-keys', { name: 'acme-only', role: 'admin' });
    const page = await globexAdmin.get('/console/api-keys');
    assert.doesNotMatch(page.html, /acme-only|Acme/);
    assert.equal((await globexAdmin.post(`/console/api-keys/${acmeKey.body.id}/revoke`, {})).status, 404);
    assert.equal((await keyRow(acmeKey.body.id)).revoked_at, null);
    await globexAdmin.get('/console/api-keys');
    assert.equal((await globexAdmin.post(`/console/api-keys/${randomUUID()}/revoke`, {})).status, 404);
    await globexAdmin.get('/console/api-keys');
    assert.equal((await globexAdmin.post('/console/api-keys/not-a-uuid/revoke', {})).status, 404);
    const otherClient = await issue(globexAdmin, { name: 'reach', clientId: acme.clientId });
    assert.equal(otherClient.status, 404);
    assert.equal((await stack.runtime.db('api_keys').where({ name: 'reach' })).length, 0, 'nothing written');
  });

  it('refuses a post without the CSRF token (403), and writes nothing', async () => {
    await admin.get('/console/api-keys');
    const refused = await admin.post('/console/api-keys', { name: 'no-csrf', role: 'admin' }, { csrf: null });
    assert.equal(refused.status, 403);
    assert.equal((await stack.runtime.db('api_keys').where({ name: 'no-csrf' })).length, 0);
    const target = await apiClient(stack.url, acme.apiKey)('POST', '/api-keys', { name: 'csrf-target', role: 'admin' });
    assert.equal((await admin.post(`/console/api-keys/${target.body.id}/revoke`, {}, { csrf: null })).status, 403);
    assert.equal((await keyRow(target.body.id)).revoked_at, null);
  });

  it('refuses bad input with a clear 400 page naming the field, and writes nothing', async () => {
    for (const [fields, message] of [
      [{ name: '' }, /form\.name/],
      [{ name: 'bad role', role: 'root' }, /form\.role/],
      [{ name: 'bad client', clientId: 'acme' }, /form\.clientId/],
      [{ name: 'bad day', expires: '2027-02-30' }, /form\.expires: is not a date in the calendar/],
      [{ name: 'past', expires: '2020-01-01' }, /form\.expiresAt: must be in the future/],
    ] as const) {
      const refused = await issue(admin, fields);
      assert.equal(refused.status, 400, JSON.stringify(fields));
      assert.match(refused.html, message);
    }
    const written = await stack.runtime.db('api_keys').whereIn('name', ['bad role', 'bad client', 'bad day', 'past']);
    assert.equal(written.length, 0);
  });

  it("refuses to revoke the MSP's last usable MSP-wide admin key, with a clear page (409)", async () => {
    const lone = await createTenant(stack, 'Lone IT');
    const loneAdmin = await signInToConsole(stack, await createTechnician(stack, lone.mspId, 'admin'));
    const [only] = await stack.runtime.db('api_keys').where({ msp_id: lone.mspId }).select('id');
    await loneAdmin.get('/console/api-keys');
    const refused = await loneAdmin.post(`/console/api-keys/${only.id}/revoke`, {});
    assert.equal(refused.status, 409);
    assert.match(refused.html, /last usable MSP-wide admin key; issue another admin key before revoking it/);
    assert.equal((await apiClient(stack.url, lone.apiKey)('GET', '/api-keys')).status, 200, 'it still works');
  });
});
