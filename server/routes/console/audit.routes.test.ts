import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { apiClient, BrowserSession } from '../../../test/support/http';
import { createTenant, startTestStack, type TestStack } from '../../../test/support/stack';
import { createTechnician, signInToConsole } from '../../../test/support/technician';

const EVIL_CLIENT = '=HYPERLINK("http://evil.test/","open me")';

describe("the console's audit log: filters, paging and the CSV export, for the technician's MSP only", () => {
  let stack: TestStack;
  let acme: Awaited<ReturnType<typeof createTenant>>;
  let globex: Awaited<ReturnType<typeof createTenant>>;
  let evilClientId: string;
  let pagedClientId: string;
  let evilUserId: string;
  let helpdeskId: string;
  let reader: BrowserSession;

  before(async () => {
    stack = await startTestStack();
    acme = await createTenant(stack, 'Acme IT');
    globex = await createTenant(stack, 'Globex IT');
    const tenants = stack.runtime.stores.tenants;
    const evil = await tenants.createClient(acme.mspId, EVIL_CLIENT, {});
    const paged = await tenants.createClient(acme.mspId, 'Paged Co', {});
    assert.ok(evil !== 'duplicate' && paged !== 'duplicate');
    evilClientId = evil.id;
    pagedClientId = paged.id;
    const user = await apiClient(stack.url, acme.apiKey)('POST', `/clients/${evilClientId}/users`, {
      username: '@SUM(1+1)',
      email: 'sum@acme.test',
    });
    assert.equal(user.status, 201, JSON.stringify(user.body));
    evilUserId = user.body.id;
    helpdeskId = (await createTechnician(stack, acme.mspId, 'helpdesk', 'Hal Desk')).id;
    const row = (clientId: string, mspId: string, action: string, actor: string, at: string, userId?: string) => ({
      msp_id: mspId,
      client_id: clientId,
      user_id: userId ?? null,
      actor,
      action,
      detail: JSON.stringify({ marker: `${action}@${at}` }),
      created_at: new Date(at),
    });
    await stack.runtime
      .db('audit_events')
      .insert([
        row(acme.clientId, acme.mspId, 'client.settings_changed', 'api-key:jan', '2026-01-10T09:00:00Z'),
        row(
          evilClientId,
          acme.mspId,
          'reset.requested',
          `technician:${helpdeskId}`,
          '2026-02-15T10:00:00Z',
          evilUserId,
        ),
        row(globex.clientId, globex.mspId, 'client.settings_changed', 'api-key:globex', '2026-02-16T10:00:00Z'),
        ...Array.from({ length: 60 }, (_, i) =>
          row(
            pagedClientId,
            acme.mspId,
            'agent.revoked',
            'api-key:paged',
            `2026-03-01T00:${String(i).padStart(2, '0')}:00Z`,
          ),
        ),
      ]);
    reader = await signInToConsole(stack, await createTechnician(stack, acme.mspId, 'read_only', 'Rita Reader'));
  });
  after(async () => {
    await stack?.stop();
  });

  const markersOf = (html: string) => [...html.matchAll(/marker&quot;:&quot;([^&]+)&quot;/g)].map((m) => m[1]);

  it("lists the MSP's own events newest first, to any role, and never another MSP's", async () => {
    const page = await reader.get('/console/audit');
    assert.equal(page.status, 200, page.html);
    assert.doesNotMatch(page.html, /api-key:globex|Globex/);
    const markers = markersOf(page.html);
    assert.equal(markers[0], 'agent.revoked@2026-03-01T00:59:00Z', 'the newest first');
    assert.match(page.html, /Hal Desk/, 'a technician actor is shown by name');
    assert.ok(
      page.html.includes(`/console/clients/${evilClientId}/users/${evilUserId}`),
      'a user row links to the user',
    );
    assert.match(page.html, /Export these rows as CSV/);
  });

  it('filters by client, actor, action and an inclusive date range', async () => {
    const only = async (query: string) => markersOf((await reader.get(`/console/audit?${query}`)).html);
    assert.deepEqual(await only(`client=${evilClientId}`), ['reset.requested@2026-02-15T10:00:00Z']);
    assert.deepEqual(await only(`actor=technician:${helpdeskId}`), ['reset.requested@2026-02-15T10:00:00Z']);
    assert.deepEqual(await only('action=client.settings_changed'), ['client.settings_changed@2026-01-10T09:00:00Z']);
    assert.deepEqual(await only('from=2026-01-01&to=2026-02-15'), [
      'reset.requested@2026-02-15T10:00:00Z',
      'client.settings_changed@2026-01-10T09:00:00Z',
    ]);
    assert.deepEqual(await only('from=2026-02-16&to=2026-02-28'), [], "the 16th's event is another MSP's");
    // An empty field is the form's "any".
    assert.deepEqual(
      await only('client=&actor=&action=&from=&to='),
      markersOf((await reader.get('/console/audit')).html),
    );
  });

  it('pages by a cursor, with the filters kept, and no row twice', async () => {
    const first = await reader.get(`/console/audit?client=${pagedClientId}`);
    const firstMarkers = markersOf(first.html);
    assert.equal(firstMarkers.length, 50);
    const older = /id="older" href="([^"]+)"/
      .exec(first.html)?.[1]
      ?.replace(/&amp;/g, '&')
      .replace(/&#x3D;/g, '=');
    assert.ok(older, 'an Older entries link');
    assert.match(older, new RegExp(`client=${pagedClientId}`));
    const second = markersOf((await reader.get(older)).html);
    assert.equal(second.length, 10);
    assert.equal(new Set([...firstMarkers, ...second]).size, 60);
    assert.equal(second.at(-1), 'agent.revoked@2026-03-01T00:00:00Z');
  });

  it("refuses a bad filter with a clear 400 page, and another MSP's client with a 404", async () => {
    for (const [query, message] of [
      ['from=2026-02-30', /query\.from: is not a date in the calendar/],
      ['to=last-week', /query\.to: must be a date such as 2026-01-31/],
      ['action=user.hacked', /query\.action: is not an action the audit log records/],
      ['client=not-a-uuid', /query\.client/],
      ['from=2026-03-01&to=2026-02-01', /query\.from: is after query\.to/],
      ['sort=desc', /Unrecognized key/],
    ] as const) {
      const refused = await reader.get(`/console/audit?${query}`);
      assert.equal(refused.status, 400, query);
      assert.match(refused.html, message);
    }
    assert.equal((await reader.get(`/console/audit?client=${globex.clientId}`)).status, 404);
    assert.equal((await reader.get(`/console/audit.csv?client=${globex.clientId}`)).status, 404);
  });

  it('exports the filtered rows as CSV, with formula-like cells defused', async () => {
    const response = await fetch(`${stack.url}/console/audit.csv?client=${evilClientId}`, {
      headers: { cookie: `lk_console=${reader.cookie('lk_console')!}` },
    });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/csv/);
    assert.match(response.headers.get('content-disposition') ?? '', /^attachment; filename="latchkey-audit-/);
    const lines = (await response.text()).replace(/^\uFEFF/, '').split('\r\n');
    assert.equal(lines[0], 'time,client,client_id,user,user_id,actor,actor_name,action,detail');
    const rows = lines.slice(1).filter(Boolean);
    const reset = rows.find((line) => line.includes('reset.requested'))!;
    assert.ok(reset, rows.join('\n'));
    assert.ok(reset.startsWith(`2026-02-15T10:00:00.000Z,"'=HYPERLINK(""http://evil.test/"",""open me"")"`), reset);
    assert.ok(reset.includes(`,'@SUM(1+1),${evilUserId},`), 'the username is defused too');
    assert.ok(reset.includes(',Hal Desk,reset.requested,'));
    assert.ok(
      rows.every((line) => !line.includes('api-key:globex') && !line.includes('agent.revoked')),
      'the filter and the MSP hold',
    );

    const all = await (
      await fetch(`${stack.url}/console/audit.csv`, {
        headers: { cookie: `lk_console=${reader.cookie('lk_console')!}` },
      })
    ).text();
    assert.equal(all.split('\r\n').filter((line) => line.includes('agent.revoked')).length, 60, 'past one batch');
    assert.doesNotMatch(all, /globex/i);
    const anonymous = await new BrowserSession(stack.url).get('/console/audit.csv');
    assert.equal(anonymous.location, '/console/sign-in');
  });
});
