import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { ApiKeyRole } from '../../../common/domain/api-key-roles';
import { apiClient } from '../../../test/support/http';
import { createTenant, startTestStack, type TestStack } from '../../../test/support/stack';

type Caller = ReturnType<typeof apiClient>;
type KeyName = 'mspAdmin' | 'mspHelpdesk' | 'mspReadOnly' | 'clientAdmin' | 'clientHelpdesk' | 'clientReadOnly';

const ROLE_OF: Record<KeyName, ApiKeyRole> = {
  mspAdmin: 'admin',
  mspHelpdesk: 'helpdesk',
  mspReadOnly: 'read_only',
  clientAdmin: 'admin',
  clientHelpdesk: 'helpdesk',
  clientReadOnly: 'read_only',
};
const ALL = Object.keys(ROLE_OF) as KeyName[];

describe('API keys: roles, expiry, last use, listing and revocation', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack();
  });
  after(async () => {
    await stack?.stop();
  });

  /** A tenant with one key of each role, MSP-wide and scoped to its client, each issued through the API. */
  async function tenantWithEveryKey(name: string) {
    const tenant = await createTenant(stack, name, { requireSmsPin: true, passwordLength: 14 });
    const admin = apiClient(stack.url, tenant.apiKey);
    const tokens = { mspAdmin: tenant.apiKey } as Record<KeyName, string>;
    const ids = {} as Record<KeyName, string>;
    for (const key of ALL.filter((k) => k !== 'mspAdmin')) {
      const issued = await admin('POST', '/api-keys', {
        name: key,
        role: ROLE_OF[key],
        ...(key.startsWith('client') ? { clientId: tenant.clientId } : {}),
      });
      assert.equal(issued.status, 201, JSON.stringify(issued.body));
      tokens[key] = issued.body.token;
      ids[key] = issued.body.id;
    }
    const callers = Object.fromEntries(ALL.map((key) => [key, apiClient(stack.url, tokens[key])])) as Record<
      KeyName,
      Caller
    >;
    return { ...tenant, admin, tokens, ids, callers };
  }

  it('lets each role do what it may and refuses the rest with a 403 naming the role or key it needs', async () => {
    const tenant = await tenantWithEveryKey('Roles MSP');
    const { clientId } = tenant;
    const user = await tenant.admin('POST', `/clients/${clientId}/users`, {
      username: 'rolesuser',
      email: 'rolesuser@example.com',
    });
    const agent = await tenant.admin('POST', `/clients/${clientId}/agents`, { name: 'roles agent' });
    const throwaway = await tenant.admin('POST', '/api-keys', { name: 'to revoke', role: 'read_only' });
    const userPath = `/clients/${clientId}/users/${user.body.id}`;
    let serial = 0;

    const everyone = ALL;
    const admins: KeyName[] = ['mspAdmin', 'clientAdmin'];
    const helpdesk: KeyName[] = ['mspAdmin', 'mspHelpdesk', 'clientAdmin', 'clientHelpdesk'];
    const mspAdminOnly: KeyName[] = ['mspAdmin'];
    const cases: Array<[string, KeyName[], (api: Caller) => Promise<{ status: number; body: any }>]> = [
      ['read a client', everyone, (api) => api('GET', `/clients/${clientId}`)],
      ['list users', everyone, (api) => api('GET', `/clients/${clientId}/users`)],
      ['read a user', everyone, (api) => api('GET', userPath)],
      ["list a user's devices", everyone, (api) => api('GET', `${userPath}/devices`)],
      ['list agents', everyone, (api) => api('GET', `/clients/${clientId}/agents`)],
      ['list resets', everyone, (api) => api('GET', `/clients/${clientId}/password-resets`)],
      ['read the audit log', everyone, (api) => api('GET', '/audit-events')],
      ['list API keys', everyone, (api) => api('GET', '/api-keys')],
      [
        'create a user',
        admins,
        (api) => api('POST', `/clients/${clientId}/users`, { username: `u${++serial}`, email: `u${serial}@x.example` }),
      ],
      [
        'import users',
        admins,
        (api) =>
          api('POST', `/clients/${clientId}/users/import`, {
            users: [{ username: `i${++serial}`, email: `i${serial}@x.example` }],
          }),
      ],
      ['unlock SMS reset', helpdesk, (api) => api('POST', `${userPath}/unlock-sms-reset`)],
      // No lockout is open, so an allowed key gets the 409 that says so.
      ['unlock an account', helpdesk, (api) => api('POST', `${userPath}/unlock`)],
      ['activate', helpdesk, (api) => api('POST', `${userPath}/activate`)],
      [
        'activate many',
        helpdesk,
        (api) => api('POST', `/clients/${clientId}/users/activate`, { userIds: [randomUUID()] }),
      ],
      // Not enrolled, so an allowed key gets the 409 that says so; a refused one never gets that far.
      ['reset a password', helpdesk, (api) => api('POST', `${userPath}/reset-password`)],
      ['revoke a device', helpdesk, (api) => api('DELETE', `${userPath}/devices/${randomUUID()}`)],
      ['create a client', mspAdminOnly, (api) => api('POST', '/clients', { name: `Client ${++serial}` })],
      [
        'change policy',
        mspAdminOnly,
        (api) => api('PATCH', `/clients/${clientId}`, { settings: { passwordLength: 16 } }),
      ],
      ['issue an agent', mspAdminOnly, (api) => api('POST', `/clients/${clientId}/agents`, { name: `a${++serial}` })],
      ['rotate keys', mspAdminOnly, (api) => api('POST', `/clients/${clientId}/rotate-keys`)],
      [
        'issue an API key',
        mspAdminOnly,
        (api) => api('POST', '/api-keys', { name: `k${++serial}`, role: 'read_only' }),
      ],
      ['revoke another API key', mspAdminOnly, (api) => api('POST', `/api-keys/${throwaway.body.id}/revoke`)],
      // Last: it revokes the agent that the cases above were issuing next to.
      ['revoke an agent', mspAdminOnly, (api) => api('POST', `/clients/${clientId}/agents/${agent.body.id}/revoke`)],
      // Deactivation ends the user's enrollment, so it goes after everything that needs the user as it was.
      ['deactivate', helpdesk, (api) => api('POST', `${userPath}/deactivate`)],
    ];

    for (const [action, allowed, attempt] of cases) {
      // The refused keys first: had one of them got through, the allowed call would show it in what it finds.
      for (const key of [...ALL.filter((k) => !allowed.includes(k)), ...allowed]) {
        const response = await attempt(tenant.callers[key]);
        const label = `${key} may${allowed.includes(key) ? '' : ' not'} ${action}: ${response.status} ${JSON.stringify(response.body)}`;
        if (allowed.includes(key)) {
          assert.ok(response.status < 400 || [404, 409].includes(response.status), label);
          continue;
        }
        assert.equal(response.status, 403, label);
        const roleAllowed = allowed.some((k) => ROLE_OF[k] === ROLE_OF[key]);
        if (roleAllowed) {
          // The role would do; the key's scope to one client is what stops it (F8).
          assert.equal(response.body.error.code, 'msp_wide_key_required', label);
          assert.match(
            response.body.error.message,
            /^Only an MSP-wide API key may .+; this key is scoped to one client$/,
          );
        } else {
          assert.equal(response.body.error.code, 'role_required', label);
          const needed = [...new Set(allowed.map((k) => ROLE_OF[k]))].join(' or ');
          assert.match(
            response.body.error.message,
            new RegExp(`^Only an API key with the ${needed} role may .+; this key's role is ${ROLE_OF[key]}$`),
            label,
          );
        }
      }
    }

    // What the refused keys tried left no trace: the policy is the admin's, and one agent was issued per allowed call.
    const client = await tenant.admin('GET', `/clients/${clientId}`);
    assert.deepEqual(client.body.settings, { requireSmsPin: true, passwordLength: 16 });
    const agents = await tenant.admin('GET', `/clients/${clientId}/agents`);
    assert.equal(agents.body.items.length, 2);
  });

  it('refuses a client-scoped admin key on policy and agents, and writes nothing', async () => {
    const tenant = await tenantWithEveryKey('Scoped admin MSP');
    const psa = tenant.callers.clientAdmin;
    const { clientId } = tenant;
    const before = await stack.runtime.db('clients').where({ id: clientId }).first('settings');
    const patched = await psa('PATCH', `/clients/${clientId}`, {
      settings: { requireSmsPin: false, mustChangeAtNextLogon: false, resetsPerHour: 100 },
    });
    assert.equal(patched.status, 403);
    assert.equal(patched.body.error.code, 'msp_wide_key_required');
    assert.match(patched.body.error.message, /Only an MSP-wide API key may change a client's policy/);
    const minted = await psa('POST', `/clients/${clientId}/agents`, { name: 'sneaky' });
    assert.equal(minted.status, 403);
    assert.match(minted.body.error.message, /Only an MSP-wide API key may issue agent credentials/);
    const key = await psa('POST', '/api-keys', { name: 'wider', role: 'admin' });
    assert.equal(key.status, 403);
    assert.equal(key.body.error.code, 'msp_wide_key_required');
    assert.deepEqual(await stack.runtime.db('clients').where({ id: clientId }).first('settings'), before);
    assert.equal((await stack.runtime.db('agents').where({ client_id: clientId })).length, 0);
    const audit = await tenant.admin('GET', `/audit-events?clientId=${clientId}&action=client.settings_changed`);
    assert.deepEqual(audit.body.items, []);
    // Its own client's users it may still manage.
    const created = await psa('POST', `/clients/${clientId}/users`, { username: 'psa1', email: 'psa1@example.com' });
    assert.equal(created.status, 201);
  });

  it('audits a policy change with the policy before and after, and who made it', async () => {
    const tenant = await createTenant(stack, 'Policy audit MSP', { requireSmsPin: true, passwordLength: 14 });
    const api = apiClient(stack.url, tenant.apiKey);
    const keyId = (await api('GET', '/api-keys')).body.items[0].id;
    const patched = await api('PATCH', `/clients/${tenant.clientId}`, {
      settings: { requireSmsPin: false, resetsPerHour: 9 },
    });
    assert.equal(patched.status, 200);
    const events = await api('GET', `/audit-events?clientId=${tenant.clientId}&action=client.settings_changed`);
    assert.equal(events.body.items.length, 1);
    const [event] = events.body.items;
    assert.equal(event.actor, `api-key:${keyId}`);
    assert.deepEqual(event.detail, {
      before: { requireSmsPin: true, passwordLength: 14 },
      after: { requireSmsPin: false, passwordLength: 14, resetsPerHour: 9 },
    });
  });

  it('issues a key with a role and an expiry, lists it without its secret, and refuses it once it has expired', async () => {
    const tenant = await createTenant(stack, 'Expiry MSP');
    const admin = apiClient(stack.url, tenant.apiKey);
    const past = await admin('POST', '/api-keys', {
      name: 'old',
      role: 'read_only',
      expiresAt: '2020-01-01T00:00:00Z',
    });
    assert.equal(past.status, 400);
    assert.match(past.body.error.message, /body\.expiresAt: must be in the future/);
    const badRole = await admin('POST', '/api-keys', { name: 'x', role: 'owner' });
    assert.equal(badRole.status, 400);
    assert.match(badRole.body.error.message, /body\.role/);
    const foreignClient = await admin('POST', '/api-keys', { name: 'x', role: 'admin', clientId: randomUUID() });
    assert.equal(foreignClient.status, 404);

    const expiresAt = new Date(Date.now() + 1500).toISOString();
    const issued = await admin('POST', '/api-keys', { name: 'short-lived', role: 'read_only', expiresAt });
    assert.equal(issued.status, 201);
    assert.equal(issued.body.role, 'read_only');
    assert.equal(issued.body.expiresAt, expiresAt);
    assert.match(issued.body.token, /^lk_/);
    const shortLived = apiClient(stack.url, issued.body.token);
    assert.equal((await shortLived('GET', '/clients')).status, 200);

    const listed = await admin('GET', '/api-keys');
    const row = await stack.runtime.db('api_keys').where({ id: issued.body.id }).first();
    const text = JSON.stringify(listed.body);
    assert.ok(!text.includes(issued.body.token.split('_').pop()), 'the secret is never listed');
    assert.ok(!text.includes(row.secret_hash), 'nor its hash');
    const entry = listed.body.items.find((key: { id: string }) => key.id === issued.body.id);
    assert.deepEqual(Object.keys(entry).sort(), [
      'clientId',
      'createdAt',
      'expiresAt',
      'id',
      'keyId',
      'lastUsedAt',
      'name',
      'revokedAt',
      'role',
    ]);

    await new Promise((resolve) => setTimeout(resolve, Date.parse(expiresAt) - Date.now() + 50));
    const expired = await shortLived('GET', '/clients');
    assert.equal(expired.status, 401);
    assert.equal(expired.body.error.code, 'api_key_expired');
    assert.match(expired.body.error.message, /expired/);
    // A wrong key is still only "not valid": expiry is told only to the holder of the real secret.
    const wrong = await apiClient(stack.url, issued.body.token.slice(0, -2) + 'xx')('GET', '/clients');
    assert.equal(wrong.body.error.code, 'unauthenticated');

    const audit = await admin('GET', '/audit-events?action=api_key.issued');
    const issuedEvent = audit.body.items.find(
      (e: { detail: { apiKeyId: string } }) => e.detail.apiKeyId === issued.body.id,
    );
    assert.ok(issuedEvent);
    const adminKey = listed.body.items.find((key: { name: string }) => key.name === 'test');
    assert.equal(issuedEvent.actor, `api-key:${adminKey.id}`);
    assert.deepEqual(issuedEvent.detail, {
      apiKeyId: issued.body.id,
      name: 'short-lived',
      role: 'read_only',
      expiresAt,
    });
  });

  it('writes the last-used time on use, at most once a minute per key', async () => {
    const tenant = await createTenant(stack, 'Last used MSP');
    const admin = apiClient(stack.url, tenant.apiKey);
    const issued = await admin('POST', '/api-keys', { name: 'busy', role: 'read_only' });
    const lastUsed = async () =>
      (await stack.runtime.db('api_keys').where({ id: issued.body.id }).first('last_used_at'))
        .last_used_at as Date | null;
    assert.equal(await lastUsed(), null);
    const busy = apiClient(stack.url, issued.body.token);
    assert.equal((await busy('GET', '/clients')).status, 200);
    const first = await lastUsed();
    assert.ok(first && Date.now() - first.getTime() < 10_000);
    for (let i = 0; i < 5; i++) assert.equal((await busy('GET', '/clients')).status, 200);
    assert.equal((await lastUsed())!.getTime(), first.getTime(), 'no write within the minute');
    // A minute later (the stored time moved back), the next request writes again.
    const minuteAgo = new Date(first.getTime() - 61_000);
    await stack.runtime.db('api_keys').where({ id: issued.body.id }).update({ last_used_at: minuteAgo });
    assert.equal((await busy('GET', '/clients')).status, 200);
    const second = await lastUsed();
    assert.ok(second! > first, `${second?.toISOString()} after ${first.toISOString()}`);
    const listed = await admin('GET', '/api-keys');
    const entry = listed.body.items.find((key: { id: string }) => key.id === issued.body.id);
    assert.equal(entry.lastUsedAt, second!.toISOString());
  });

  it('revokes a key at once, lets a key revoke itself, and never the last MSP-wide admin key', async () => {
    const tenant = await tenantWithEveryKey('Revoke MSP');
    const first = (await tenant.admin('GET', '/api-keys')).body.items.find(
      (key: { name: string }) => key.name === 'test',
    ).id;

    // Revoked by an admin: the very next request is a 401.
    assert.equal((await tenant.callers.mspHelpdesk('GET', '/clients')).status, 200);
    const revoked = await tenant.admin('POST', `/api-keys/${tenant.ids.mspHelpdesk}/revoke`);
    assert.equal(revoked.status, 200);
    assert.ok(revoked.body.revokedAt);
    const after = await tenant.callers.mspHelpdesk('GET', '/clients');
    assert.equal(after.status, 401);
    assert.match(after.body.error.message, /not valid or has been revoked/);
    assert.equal((await tenant.admin('POST', `/api-keys/${tenant.ids.mspHelpdesk}/revoke`)).status, 200, 'idempotent');

    // Any key may revoke itself, a read-only or client-scoped one too; not another.
    const other = await tenant.callers.clientReadOnly('POST', `/api-keys/${tenant.ids.clientHelpdesk}/revoke`);
    assert.equal(other.status, 403);
    const itself = await tenant.callers.clientReadOnly('POST', `/api-keys/${tenant.ids.clientReadOnly}/revoke`);
    assert.equal(itself.status, 200);
    assert.equal((await tenant.callers.clientReadOnly('GET', '/clients')).status, 401);

    // The MSP's only MSP-wide admin key cannot go, not even by itself: the MSP would be locked out.
    const last = await tenant.admin('POST', `/api-keys/${first}/revoke`);
    assert.equal(last.status, 409);
    assert.match(last.body.error.message, /last usable MSP-wide admin key/);
    assert.equal((await tenant.admin('GET', '/clients')).status, 200);
    // A client-scoped admin key does not count as one, and neither does an expired admin key.
    const expired = await stack.runtime.stores.apiKeys.issue({ mspId: tenant.mspId, clientId: null }, 'expired admin', {
      role: 'admin',
      expiresAt: new Date(Date.now() - 1000),
    });
    assert.equal((await tenant.admin('POST', `/api-keys/${first}/revoke`)).status, 409);
    assert.equal((await apiClient(stack.url, expired.token)('GET', '/clients')).body.error.code, 'api_key_expired');
    // With a second admin key, the first may go; then the second is the last.
    const second = await tenant.admin('POST', '/api-keys', { name: 'second admin', role: 'admin' });
    assert.equal((await tenant.admin('POST', `/api-keys/${first}/revoke`)).status, 200);
    assert.equal((await tenant.admin('GET', '/clients')).status, 401);
    const secondApi = apiClient(stack.url, second.body.token);
    assert.equal((await secondApi('POST', `/api-keys/${second.body.id}/revoke`)).status, 409);

    const events = await secondApi('GET', '/audit-events?action=api_key.revoked');
    assert.deepEqual(
      events.body.items.map((e: { actor: string; detail: { apiKeyId: string; self: boolean } }) => [
        e.actor,
        e.detail.apiKeyId,
        e.detail.self,
      ]),
      [
        [`api-key:${first}`, tenant.ids.mspHelpdesk, false],
        [`api-key:${tenant.ids.clientReadOnly}`, tenant.ids.clientReadOnly, true],
        [`api-key:${first}`, first, true],
      ],
    );
  });

  it('keeps one MSP-wide admin key when the last two revoke each other at once', async () => {
    const tenant = await createTenant(stack, 'Race MSP');
    const first = apiClient(stack.url, tenant.apiKey);
    const firstId = (await first('GET', '/api-keys')).body.items[0].id;
    const second = await first('POST', '/api-keys', { name: 'second admin', role: 'admin' });
    const secondApi = apiClient(stack.url, second.body.token);
    for (let round = 0; round < 3; round++) {
      const [a, b] = await Promise.all([
        first('POST', `/api-keys/${second.body.id}/revoke`),
        secondApi('POST', `/api-keys/${firstId}/revoke`),
      ]);
      const statuses = [a.status, b.status].sort();
      // One wins; the other is told it would remove the last admin key, or, had the winner's revocation landed
      // before it even authenticated, that its key is revoked. Never both, never a 500.
      assert.ok(
        JSON.stringify(statuses) === '[200,409]' || JSON.stringify(statuses) === '[200,401]',
        JSON.stringify([a.body, b.body]),
      );
      const usable = await stack.runtime
        .db('api_keys')
        .where({ msp_id: tenant.mspId, role: 'admin', client_id: null, revoked_at: null });
      assert.equal(usable.length, 1);
      if (round < 2) {
        // Back to two admin keys for the next round.
        await stack.runtime.db('api_keys').where({ msp_id: tenant.mspId }).update({ revoked_at: null });
      }
    }
  });

  it("shows a client-scoped key only its client's keys, and another MSP's key id is a 404", async () => {
    const tenant = await tenantWithEveryKey('Listing MSP');
    const sibling = await stack.runtime.stores.tenants.createClient(tenant.mspId, 'Listing sibling', {});
    assert.ok(sibling !== 'duplicate');
    const siblingKey = await tenant.admin('POST', '/api-keys', {
      name: 'sibling',
      role: 'admin',
      clientId: sibling.id,
    });
    assert.equal(siblingKey.status, 201);

    const all = await tenant.admin('GET', '/api-keys');
    assert.equal(all.body.items.length, 7);
    const scoped = await tenant.callers.clientReadOnly('GET', '/api-keys');
    assert.deepEqual(scoped.body.items.map((key: { name: string }) => key.name).sort(), [
      'clientAdmin',
      'clientHelpdesk',
      'clientReadOnly',
    ]);
    assert.ok(scoped.body.items.every((key: { clientId: string }) => key.clientId === tenant.clientId));

    const stranger = await createTenant(stack, 'Stranger MSP');
    const strangerApi = apiClient(stack.url, stranger.apiKey);
    assert.equal((await strangerApi('POST', `/api-keys/${tenant.ids.mspReadOnly}/revoke`)).status, 404);
    assert.equal((await strangerApi('POST', `/api-keys/${randomUUID()}/revoke`)).status, 404);
    assert.equal((await strangerApi('POST', '/api-keys/not-a-uuid/revoke')).status, 400);
    const strangers = await strangerApi('GET', '/api-keys');
    assert.equal(strangers.body.items.length, 1);
    assert.equal((await tenant.callers.mspReadOnly('GET', '/clients')).status, 200, 'the stranger revoked nothing');
    // Nor can another MSP issue a key for this MSP's client.
    const implanted = await strangerApi('POST', '/api-keys', { name: 'x', role: 'admin', clientId: tenant.clientId });
    assert.equal(implanted.status, 404);
  });
});
