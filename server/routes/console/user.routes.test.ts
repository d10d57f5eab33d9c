import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { makeEnrollmentWorkflowId } from '../../../common/domain/workflow-ids';
import { apiClient, type BrowserSession } from '../../../test/support/http';
import { createTenantWithLiveAgent, type Tenant } from '../../../test/support/reset-setup';
import { enrollForSms, outboxInbox } from '../../../test/support/sms-enrollment';
import { createTenant, startTestStack, type TestStack } from '../../../test/support/stack';
import { createTechnician, signInToConsole } from '../../../test/support/technician';

describe("the console's user page: standing, timeline, live status and buttons, by role", () => {
  let stack: TestStack;
  let acme: Tenant;
  let globex: Tenant;
  let readOnly: BrowserSession;
  let helpdesk: BrowserSession;
  let admin: BrowserSession;
  let ids: { readOnly: string; helpdesk: string; admin: string };
  let enrolled: { userId: string; clientId: string };
  let phoneCounter = 4400;

  before(async () => {
    stack = await startTestStack();
    acme = await createTenantWithLiveAgent(stack, 'Acme IT');
    globex = await createTenant(stack, 'Globex IT');
    const techs = {
      readOnly: await createTechnician(stack, acme.mspId, 'read_only', 'Rita Reader'),
      helpdesk: await createTechnician(stack, acme.mspId, 'helpdesk', 'Hal Desk'),
      admin: await createTechnician(stack, acme.mspId, 'admin', 'Ada Admin'),
    };
    ids = { readOnly: techs.readOnly.id, helpdesk: techs.helpdesk.id, admin: techs.admin.id };
    [readOnly, helpdesk, admin] = await Promise.all([
      signInToConsole(stack, techs.readOnly),
      signInToConsole(stack, techs.helpdesk),
      signInToConsole(stack, techs.admin),
    ]);
    const reached = await enrollForSms(stack, outboxInbox(stack), {
      phone: `+1415555${String(phoneCounter++).padStart(4, '0')}`,
      tenant: acme,
    });
    enrolled = { userId: reached.userId, clientId: acme.clientId };
  });
  after(async () => {
    await stack?.stop();
  });

  const newUser = async (tenant: Tenant = acme) => {
    const created = await apiClient(stack.url, tenant.apiKey)('POST', `/clients/${tenant.clientId}/users`, {
      username: `u${randomUUID().slice(0, 8)}`,
      email: `${randomUUID().slice(0, 8)}@acme.test`,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return created.body.id as string;
  };
  const pathOf = (userId: string, clientId = acme.clientId) => `/console/clients/${clientId}/users/${userId}`;
  const auditBy = (
    technicianId: string,
    action?: string,
  ): Promise<Array<{ action: string; user_id: string | null; detail: Record<string, unknown> }>> =>
    stack.runtime
      .db('audit_events')
      .where({ actor: `technician:${technicianId}` })
      .modify((query) => {
        if (action) query.andWhere({ action });
      })
      .select('action', 'user_id', 'detail');
  const addDevice = async (userId: string) => {
    const [row] = await stack.runtime
      .db('app_devices')
      .insert({
        user_id: userId,
        client_id: acme.clientId,
        label: 'Pixel 9',
        status: 'active',
        protection: 'pin',
        secret_hash: randomBytes(16).toString('hex'),
        signing_key: 'test',
        sealing_key: 'test',
        activated_at: new Date(),
      })
      .returning('id');
    return (row as { id: string }).id;
  };

  it('shows identity, status, method, phone hint, devices and a timeline linking to each step’s workflow', async () => {
    const page = await helpdesk.get(pathOf(enrolled.userId));
    assert.equal(page.status, 200, page.html);
    assert.match(page.html, /Enrolled for text resets/);
    assert.match(page.html, /Text \(SMS\)/);
    assert.match(page.html, /••••\d\d/, 'the last two digits of the phone, never more');
    assert.match(page.html, /Acme IT client/);
    assert.match(page.html, /<strong>Enrolled<\/strong>/, 'the timeline has the enrollment');
    assert.match(page.html, /<strong>Phone verified<\/strong>/);
    const workflowLink = `/workflows/${encodeURIComponent(makeEnrollmentWorkflowId(enrolled.userId))}`;
    assert.ok(page.html.includes(workflowLink), 'enrollment steps link to the workflow in the Web UI');
    assert.match(page.html, /action="[^"]+\/reset"/, 'a helpdesk technician is offered Reset');

    const status = await helpdesk.get(`${pathOf(enrolled.userId)}/status`);
    assert.equal(status.status, 200);
    const view = JSON.parse(status.html) as { user: { status: string }; live: boolean; actions: { reset: boolean } };
    assert.equal(view.user.status, 'enrolled_sms');
    assert.equal(view.live, false, 'nothing in progress');
    assert.equal(view.actions.reset, true);
    assert.doesNotMatch(status.html, /\+1415555/, 'no phone number in the JSON');
  });

  it('shows a read-only technician no buttons and no workflow links, and refuses every post (403), writing nothing', async () => {
    const userId = await newUser();
    const deviceId = await addDevice(enrolled.userId);
    const page = await readOnly.get(pathOf(enrolled.userId));
    assert.equal(page.status, 200);
    // Every post this page can make, whatever the form's other attributes (the device revoke is an inline form).
    assert.doesNotMatch(
      page.html,
      /action="[^"]*\/(reset|unlock|activate|resend|devices\/[^"]+\/revoke)"/,
      'no buttons',
    );
    assert.doesNotMatch(page.html, /workflow ↗/, 'workflows.decode is not read-only’s');
    for (const [path, what] of [
      [`${pathOf(enrolled.userId)}/reset`, /reset or unlock users/],
      [`${pathOf(enrolled.userId)}/unlock`, /reset or unlock users/],
      [`${pathOf(userId)}/activate`, /activate/],
      [`${pathOf(userId)}/resend`, /resend/],
      [`${pathOf(enrolled.userId)}/devices/${deviceId}/revoke`, /revoke their devices/],
    ] as const) {
      await readOnly.get(pathOf(enrolled.userId));
      const refused = await readOnly.post(path, {});
      assert.equal(refused.status, 403, path);
      assert.match(refused.html, what);
      assert.match(refused.html, /your role is read_only/);
    }
    assert.deepEqual(
      (await auditBy(ids.readOnly)).filter((row) => row.action !== 'technician.signed_in'),
      [],
      'nothing audited, so nothing was done',
    );
    const device = await stack.runtime.db('app_devices').where({ id: deviceId }).first();
    assert.equal(device.status, 'active');
    assert.equal((await stack.runtime.stores.users.getById(userId))?.status, 'inactive');
  });

  it('lets a helpdesk technician activate and resend, audited under their name, and follows the enrollment live', async () => {
    const userId = await newUser();
    await helpdesk.get(pathOf(userId));
    assert.match(helpdesk.lastHtml, /data-action="activate"(?! hidden)/);
    const activated = await helpdesk.post(`${pathOf(userId)}/activate`, {});
    assert.equal(activated.status, 303, activated.html);
    assert.equal(activated.location, `${pathOf(userId)}?done=activated`);
    assert.deepEqual((await auditBy(ids.helpdesk, 'user.activated')).filter((row) => row.user_id === userId).length, 1);
    const page = await helpdesk.get(activated.location!);
    assert.match(page.html, /Activation sent/);
    assert.match(page.html, /data-live="true"/, 'an enrollment in progress is watched');
    assert.match(page.html, /<script src="\/console\/user-status.js"/);
    const script = await helpdesk.get('/console/user-status.js');
    assert.equal(script.status, 200);
    assert.match(script.html, /setTimeout\(poll, POLL_MS\)/);

    await helpdesk.get(pathOf(userId));
    const resent = await helpdesk.post(`${pathOf(userId)}/resend`, {});
    assert.equal(resent.status, 303, resent.html);
    assert.equal(resent.location, `${pathOf(userId)}?done=resent`);
    assert.equal(
      (await auditBy(ids.helpdesk, 'user.activation_resent')).filter((row) => row.user_id === userId).length,
      1,
    );
  });

  it('lets an admin activate too (the permission table’s helpdesk-or-admin)', async () => {
    const userId = await newUser();
    await admin.get(pathOf(userId));
    assert.equal((await admin.post(`${pathOf(userId)}/activate`, {})).status, 303);
    assert.equal((await auditBy(ids.admin, 'user.activated')).filter((row) => row.user_id === userId).length, 1);
  });

  it('starts a technician reset through the reset service, and the status shows it in progress', async () => {
    const notEnrolled = await newUser();
    await helpdesk.get(pathOf(notEnrolled));
    const refused = await helpdesk.post(`${pathOf(notEnrolled)}/reset`, {});
    assert.equal(refused.status, 409, 'the API’s own refusal, from the same check');
    assert.match(refused.html, /not enrolled/);

    await helpdesk.get(pathOf(enrolled.userId));
    const started = await helpdesk.post(`${pathOf(enrolled.userId)}/reset`, {});
    assert.equal(started.status, 303, started.html);
    assert.equal(started.location, `${pathOf(enrolled.userId)}?done=reset-started`);
    const row = await stack.runtime
      .db('password_resets')
      .where({ user_id: enrolled.userId })
      .orderBy('created_at', 'desc')
      .first();
    assert.equal(row.requested_by, `technician:${ids.helpdesk}`);
    assert.equal(row.channel, 'technician');
    assert.equal(row.status, 'pending', 'the heartbeat-only agent never answers, so it stays in progress');
    const requested = await auditBy(ids.helpdesk, 'reset.requested');
    assert.ok(requested.some((audit) => audit.user_id === enrolled.userId));
    const view = JSON.parse((await helpdesk.get(`${pathOf(enrolled.userId)}/status`)).html) as {
      live: boolean;
      reset: { inProgress: boolean; label: string };
      actions: { reset: boolean };
    };
    assert.equal(view.live, true);
    assert.deepEqual([view.reset.inProgress, view.reset.label], [true, 'In progress']);
    assert.equal(view.actions.reset, false, 'no second reset offered while one runs');
  });

  it('revokes a device and asks for an unlock as the technician, through the API’s services', async () => {
    const deviceId = await addDevice(enrolled.userId);
    await helpdesk.get(pathOf(enrolled.userId));
    assert.ok(helpdesk.lastHtml.includes(`/devices/${deviceId}/revoke`));
    const revoked = await helpdesk.post(`${pathOf(enrolled.userId)}/devices/${deviceId}/revoke`, {});
    assert.equal(revoked.status, 303, revoked.html);
    const device = await stack.runtime.db('app_devices').where({ id: deviceId }).first();
    assert.deepEqual([device.status, device.revoked_reason], ['revoked', 'technician']);
    assert.ok((await auditBy(ids.helpdesk, 'device.revoked')).some((row) => row.detail.deviceId === deviceId));

    await helpdesk.get(pathOf(enrolled.userId));
    assert.equal((await helpdesk.post(`${pathOf(enrolled.userId)}/unlock`, {})).status, 409, 'not locked');
    const [lockout] = await stack.runtime
      .db('lockouts')
      .insert({
        client_id: acme.clientId,
        user_id: enrolled.userId,
        workflow_id: `lockout-${acme.clientId}-${enrolled.userId}-${Date.now()}`,
        locked_at: new Date(),
      })
      .returning('id');
    const lockoutId = (lockout as { id: string }).id;
    const page = await helpdesk.get(pathOf(enrolled.userId));
    assert.match(page.html, /<span class="bad">since \d{4}-\d\d-\d\d/, 'locked out, and since when');
    // The row has no workflow behind it: the service gets as far as asking it, as the technician, then 409.
    const unlock = await helpdesk.post(`${pathOf(enrolled.userId)}/unlock`, {});
    assert.equal(unlock.status, 409, unlock.html);
    const asked = await auditBy(ids.helpdesk, 'lockout.unlock_requested');
    assert.ok(asked.some((row) => row.detail.lockoutId === lockoutId && row.detail.channel === 'console'));
    await stack.runtime.db('lockouts').where({ id: lockoutId }).update({ status: 'expired', ended_at: new Date() });
  });

  it("answers 404 for another MSP's users, clients and devices, and for ids that are not ids", async () => {
    const outsider = await signInToConsole(stack, await createTechnician(stack, globex.mspId, 'admin'));
    const deviceId = await addDevice(enrolled.userId);
    const globexUser = await newUser(globex);
    await outsider.get('/console');
    for (const path of [pathOf(enrolled.userId), `${pathOf(enrolled.userId)}/status`, pathOf(globexUser)])
      assert.equal((await outsider.get(path)).status, 404, path);
    // Their own user, under another MSP's client id: still not found.
    assert.equal((await outsider.get(pathOf(globexUser, acme.clientId))).status, 404);
    assert.equal((await outsider.get(pathOf(globexUser, globex.clientId))).status, 200, 'their own is there');
    for (const action of ['reset', 'unlock', 'activate', 'resend', `devices/${deviceId}/revoke`]) {
      await outsider.get('/console');
      const refused = await outsider.post(`${pathOf(enrolled.userId)}/${action}`, {});
      assert.equal(refused.status, 404, action);
    }
    assert.equal((await outsider.get('/console/clients/not-a-uuid/users/nor-this')).status, 404);
    await helpdesk.get(pathOf(enrolled.userId));
    const wrongDevice = await helpdesk.post(`${pathOf(enrolled.userId)}/devices/${randomUUID()}/revoke`, {});
    assert.equal(wrongDevice.status, 404);
    const device = await stack.runtime.db('app_devices').where({ id: deviceId }).first();
    assert.equal(device.status, 'active', 'untouched');
  });

  it('refuses the buttons without the session’s CSRF token (403)', async () => {
    const userId = await newUser();
    await helpdesk.get(pathOf(userId));
    assert.equal((await helpdesk.post(`${pathOf(userId)}/activate`, {}, { csrf: null })).status, 403);
    assert.equal((await stack.runtime.stores.users.getById(userId))?.status, 'inactive');
  });
});
