import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { activateNewUser } from '../../../test/support/enrollment-flow';
import { apiClient, BrowserSession } from '../../../test/support/http';
import { createTenant, startTestStack, type TestStack } from '../../../test/support/stack';
import { makeEnrollmentWorkflowId } from '../../../common/domain/workflow-ids';
import { buildOpenApiDocument } from './openapi';
import { LATCHKEY_VERSION } from '../../../common/version';

describe('MSP API', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack();
  });
  after(async () => {
    await stack?.stop();
  });

  describe('authentication and bad input', () => {
    it('answers 401 with a reason without a key or with a wrong one', async () => {
      const missing = await apiClient(stack.url)('GET', '/clients');
      assert.equal(missing.status, 401);
      assert.match(missing.body.error.message, /Bearer/);
      const wrong = await apiClient(stack.url, `lk_${'a'.repeat(12)}_${'b'.repeat(43)}`)('GET', '/clients');
      assert.equal(wrong.status, 401);
      assert.match(wrong.body.error.message, /not valid/);
    });

    it('refuses malformed, oversized and invalid bodies with a 4xx that names the problem', async () => {
      const { apiKey } = await createTenant(stack, 'Input MSP');
      const api = apiClient(stack.url, apiKey);
      const malformed = await api('POST', '/clients', '{"name": ');
      assert.equal(malformed.status, 400);
      assert.equal(malformed.body.error.code, 'malformed_body');
      const oversized = await api('POST', '/clients', { name: 'x'.repeat(2_000_000) });
      assert.equal(oversized.status, 413);
      const invalid = await api('POST', '/clients', { name: '', color: 'red' });
      assert.equal(invalid.status, 400);
      assert.match(invalid.body.error.message, /body\.name/);
      const badId = await api('GET', '/clients/not-a-uuid');
      assert.equal(badId.status, 400);
      assert.match(badId.body.error.message, /UUID/);
      const unknownRoute = await api('GET', '/nothing-here');
      assert.equal(unknownRoute.status, 404);
      for (const response of [malformed, oversized, invalid, badId])
        assert.doesNotMatch(JSON.stringify(response.body), /at .*\.ts:\d+/);
    });

    it('refuses a crafted paging cursor with a 400 that says what is wrong with it, never a 500', async () => {
      const { apiKey, clientId } = await createTenant(stack, 'Cursor MSP');
      const api = apiClient(stack.url, apiKey);
      const cursorOf = (position: unknown) => Buffer.from(JSON.stringify(position)).toString('base64url');
      const now = new Date().toISOString();
      const uuidId = randomUUID();
      const crafted: Array<[string, string, RegExp]> = [
        // Each of these reached PostgreSQL as a cast error, a bare 500 (F23).
        [`/clients/${clientId}/users`, cursorOf({ createdAt: 'yesterday', id: uuidId }), /no valid time/],
        [
          `/clients/${clientId}/users`,
          cursorOf({ createdAt: '2026-02-30T00:00:00.000Z', id: uuidId }),
          /no valid time/,
        ],
        [`/clients/${clientId}/users`, cursorOf({ createdAt: now, id: 'not-a-uuid' }), /no valid id/],
        ['/clients', cursorOf({ createdAt: now, id: '42' }), /no valid id/],
        ['/audit-events', cursorOf({ createdAt: now, id: uuidId }), /no valid id/],
        ['/audit-events', cursorOf({ createdAt: now, id: '1e9' }), /no valid id/],
        [`/clients/${clientId}/password-resets`, cursorOf({ createdAt: 5, id: uuidId }), /no valid time/],
        ['/clients', cursorOf(null), /no valid time/],
        ['/clients', 'not base64 json', /not readable/],
      ];
      for (const [path, cursor, reason] of crafted) {
        const response = await api('GET', `${path}?cursor=${encodeURIComponent(cursor)}`);
        assert.equal(response.status, 400, `${path} ${cursor}: ${JSON.stringify(response.body)}`);
        assert.equal(response.body.error.code, 'invalid_input');
        assert.match(response.body.error.message, reason);
      }
      // A cursor the API did hand out still pages, on an integer-keyed table too.
      const first = await api('GET', '/audit-events?limit=1');
      assert.equal(first.status, 200);
      if (first.body.nextCursor)
        assert.equal((await api('GET', `/audit-events?limit=1&cursor=${first.body.nextCursor}`)).status, 200);
    });
  });

  describe('clients and users', () => {
    it('creates a client, refuses a duplicate name, and pages through users without repeats', async () => {
      const { apiKey } = await createTenant(stack, 'Paging MSP');
      const api = apiClient(stack.url, apiKey);
      const client = await api('POST', '/clients', { name: 'Contoso' });
      assert.equal(client.status, 201);
      assert.equal((await api('POST', '/clients', { name: 'Contoso' })).status, 409);
      const users = Array.from({ length: 25 }, (_, i) => ({
        username: `pager${i}`,
        email: `pager${i}@contoso.example`,
      }));
      const imported = await api('POST', `/clients/${client.body.id}/users/import`, { users });
      assert.equal(imported.status, 201);
      assert.equal(imported.body.created, 25);
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: any = await api(
          'GET',
          `/clients/${client.body.id}/users?limit=10${cursor ? `&cursor=${cursor}` : ''}`,
        );
        assert.equal(page.status, 200);
        seen.push(...page.body.items.map((user: { username: string }) => user.username));
        cursor = page.body.nextCursor;
      } while (cursor);
      assert.equal(seen.length, 25);
      assert.equal(new Set(seen).size, 25);
      assert.equal((await api('GET', `/clients/${client.body.id}/users?cursor=garbage`)).status, 400);
    });

    it('imports all or nothing: one conflict means no user is created', async () => {
      const { apiKey, clientId } = await createTenant(stack, 'Import MSP');
      const api = apiClient(stack.url, apiKey);
      await api('POST', `/clients/${clientId}/users`, { username: 'taken', email: 'taken@example.com' });
      const result = await api('POST', `/clients/${clientId}/users/import`, {
        users: [
          { username: 'fresh1', email: 'fresh1@example.com' },
          { username: 'TAKEN', email: 'other@example.com' },
          { username: 'fresh1', email: 'dup@example.com' },
        ],
      });
      assert.equal(result.status, 409);
      assert.deepEqual(
        result.body.error.details.map((conflict: { index: number }) => conflict.index),
        [1, 2],
      );
      const list = await api('GET', `/clients/${clientId}/users`);
      assert.deepEqual(
        list.body.items.map((user: { username: string }) => user.username),
        ['taken'],
      );
      const invalid = await api('POST', `/clients/${clientId}/users/import`, {
        users: [{ username: 'bad"name', email: 'not-an-email' }],
      });
      assert.equal(invalid.status, 400);
      assert.match(invalid.body.error.message, /users\.0\.email/);
    });
  });

  describe('activation', () => {
    it('is idempotent: activating twice gives one workflow and one email', async () => {
      const { apiKey, clientId } = await createTenant(stack, 'Idempotent MSP');
      const api = apiClient(stack.url, apiKey);
      const user = await api('POST', `/clients/${clientId}/users`, { username: 'once', email: 'once@example.com' });
      const [first, second] = await Promise.all([
        api('POST', `/clients/${clientId}/users/${user.body.id}/activate`),
        api('POST', `/clients/${clientId}/users/${user.body.id}/activate`),
      ]);
      assert.deepEqual([first.status, second.status], [202, 202]);
      assert.deepEqual([first.body.outcome, second.body.outcome].sort(), ['activated', 'already_activated']);
      const third = await api('POST', `/clients/${clientId}/users/activate`, {
        userIds: [user.body.id, user.body.id, randomUUID()],
      });
      assert.deepEqual(
        third.body.results.map((r: { outcome: string }) => r.outcome),
        ['already_activated', 'not_found'],
      );
      await stack.outbox.waitFor((m) => m.to === 'once@example.com');
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.equal(stack.outbox.list({ to: 'once@example.com' }).length, 1);
      const runs = stack.runtime.temporal.workflow.list({
        query: `WorkflowId = '${makeEnrollmentWorkflowId(user.body.id)}'`,
      });
      let count = 0;
      for await (const _ of runs) count++;
      assert.equal(count, 1);
      assert.equal((await api('GET', `/clients/${clientId}/users/${user.body.id}`)).body.status, 'invited');
    });

    it('resends a fresh link and retires the old one', async () => {
      const { api, tenant, userId, email, link } = await activateNewUser(stack);
      const resent = await api('POST', `/clients/${tenant.clientId}/users/${userId}/resend-activation`);
      assert.equal(resent.status, 202);
      await stack.outbox.waitFor((m) => m.to === email && stack.outbox.list({ to: email }).length === 2);
      const old = await new BrowserSession(stack.url).get(link);
      assert.equal(old.status, 410);
      assert.match(old.html, /replaced/);
    });

    it('throttles resending activation per user: the fourth resend in an hour is a 429 that says when to retry', async () => {
      const { api, tenant, userId, email } = await activateNewUser(stack);
      const resend = (id = userId) => api('POST', `/clients/${tenant.clientId}/users/${id}/resend-activation`);
      for (let sent = 2; sent <= 4; sent++) {
        assert.equal((await resend()).status, 202);
        await stack.outbox.waitFor(() => stack.outbox.list({ to: email }).length === sent);
      }
      const refused = await resend();
      assert.equal(refused.status, 429, JSON.stringify(refused.body));
      assert.equal(refused.body.error.code, 'rate_limited');
      assert.match(refused.body.error.message, /resent 3 times in the last hour; try again in \d+ minute/);
      const retryAfter = Number(refused.headers.get('retry-after'));
      assert.ok(retryAfter > 0 && retryAfter <= 3600, `Retry-After ${retryAfter}`);
      assert.equal(refused.body.error.details.retryAfterSeconds, retryAfter);
      // Nothing was sent for the refused call, and the refusal is in the audit log.
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(stack.outbox.list({ to: email }).length, 4);
      const audit = await api('GET', `/audit-events?userId=${userId}&action=rate_limit.exceeded`);
      assert.equal(audit.body.items.length, 1);
      assert.equal(audit.body.items[0].detail.limit, 'activation_resends_per_user_per_hour');
      // The limit is the user's, not the client's: another user's resend goes through.
      const other = await activateNewUser(stack, tenant);
      assert.equal((await resend(other.userId)).status, 202);
    });

    it('deactivates a user mid-enrollment: the workflow ends and the link stops working', async () => {
      const { api, tenant, userId, link } = await activateNewUser(stack);
      const deactivated = await api('POST', `/clients/${tenant.clientId}/users/${userId}/deactivate`);
      assert.equal(deactivated.status, 200);
      assert.equal(deactivated.body.status, 'deactivated');
      const handle = stack.runtime.temporal.workflow.getHandle(makeEnrollmentWorkflowId(userId));
      const result = await handle.result();
      assert.equal(result.step, 'cancelled');
      // The deactivation revoked the link: even its landing page says so (F4).
      const page = await new BrowserSession(stack.url).get(link);
      assert.equal(page.status, 410);
      assert.match(page.html, /withdrawn/);
      const events = await api('GET', `/audit-events?userId=${userId}`);
      assert.ok(events.body.items.some((event: { action: string }) => event.action === 'user.deactivated'));
    });
  });

  describe('tenant isolation', () => {
    it("never shows or touches another MSP's data: every attempt is a 404", async () => {
      const victim = await activateNewUser(stack);
      const attacker = await createTenant(stack, 'Attacker MSP');
      const api = apiClient(stack.url, attacker.apiKey);
      const { clientId } = victim.tenant;
      const attempts = [
        await api('GET', `/clients/${clientId}`),
        await api('GET', `/clients/${clientId}/users`),
        await api('GET', `/clients/${clientId}/users/${victim.userId}`),
        await api('POST', `/clients/${clientId}/users`, { username: 'implant', email: 'implant@example.com' }),
        await api('POST', `/clients/${clientId}/users/${victim.userId}/activate`),
        await api('POST', `/clients/${clientId}/users/${victim.userId}/resend-activation`),
        await api('POST', `/clients/${clientId}/users/${victim.userId}/deactivate`),
        await api('POST', `/clients/${clientId}/users/activate`, { userIds: [victim.userId] }),
        await api('GET', `/audit-events?clientId=${clientId}`),
        await api('PATCH', `/clients/${clientId}`, { settings: { passwordLength: 8 } }),
        await api('GET', `/clients/${clientId}/agents`),
        await api('POST', `/clients/${clientId}/agents`, { name: 'rogue' }),
        await api('POST', `/clients/${clientId}/users/${victim.userId}/reset-password`),
        await api('GET', `/clients/${clientId}/password-resets`),
        // The attacker's own client id with the victim's user id must not find the user either.
        await api('GET', `/clients/${attacker.clientId}/users/${victim.userId}`),
      ];
      assert.deepEqual(
        attempts.map((a) => a.status),
        Array(attempts.length).fill(404),
      );
      // The attacker's MSP was made straight through the stores, so any audit row it now sees came from the attempts.
      const ownAudit = await api('GET', '/audit-events?limit=200');
      assert.deepEqual(ownAudit.body.items, []);
      const attackerKey = await stack.runtime.stores.apiKeys.authenticate(attacker.apiKey);
      assert.equal(attackerKey.status, 'valid');
      const victimAudit = await victim.api('GET', `/audit-events?clientId=${clientId}&limit=200`);
      assert.ok(victimAudit.body.items.length > 0);
      assert.ok(
        victimAudit.body.items.every(
          (event: { actor: string }) =>
            attackerKey.status === 'valid' && event.actor !== `api-key:${attackerKey.key.apiKeyId}`,
        ),
      );
      const ownClients = await api('GET', '/clients');
      assert.deepEqual(
        ownClients.body.items.map((c: { id: string }) => c.id),
        [attacker.clientId],
      );
      const victimView = await victim.api('GET', `/clients/${clientId}/users/${victim.userId}`);
      assert.equal(victimView.body.status, 'invited', 'the attacker changed nothing');
    });

    it('confines a client-scoped key to its one client', async () => {
      const tenant = await createTenant(stack, 'Scoped MSP');
      const sibling = await stack.runtime.stores.tenants.createClient(tenant.mspId, 'Sibling', {});
      assert.notEqual(sibling, 'duplicate');
      const scopedKey = await stack.runtime.stores.apiKeys.issue(
        { mspId: tenant.mspId, clientId: tenant.clientId },
        'scoped',
      );
      const api = apiClient(stack.url, scopedKey.token);
      assert.equal((await api('GET', `/clients/${tenant.clientId}`)).status, 200);
      assert.equal((await api('GET', `/clients/${(sibling as { id: string }).id}`)).status, 404);
      assert.equal((await api('POST', '/clients', { name: 'Nope' })).status, 403);
      const listed = await api('GET', '/clients');
      assert.deepEqual(
        listed.body.items.map((c: { id: string }) => c.id),
        [tenant.clientId],
      );
    });
  });

  describe('agents', () => {
    it('shows which agents run an older release than the server, and which one that is', async () => {
      const tenant = await createTenant(stack, 'Versions MSP');
      const api = apiClient(stack.url, tenant.apiKey);
      const issue = async (name: string) => {
        const issued = await api('POST', `/clients/${tenant.clientId}/agents`, { name });
        assert.equal(issued.status, 201, JSON.stringify(issued.body));
        return issued.body as { id: string; token: string };
      };
      const heartbeat = async (token: string, version: string) => {
        const response = await fetch(`${stack.url}/agent/v1/heartbeat`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ version, hostname: 'dc01' }),
        });
        assert.equal(response.status, 204);
      };
      const [old, current, silent, custom] = [
        await issue('old'),
        await issue('current'),
        await issue('silent'),
        await issue('custom'),
      ];
      await heartbeat(old.token, '0.0.9');
      await heartbeat(current.token, LATCHKEY_VERSION);
      await heartbeat(custom.token, 'my-own-build');
      const listed = await api('GET', `/clients/${tenant.clientId}/agents`);
      assert.equal(listed.status, 200);
      const byId = new Map(listed.body.items.map((a: { id: string }) => [a.id, a]));
      const view = (id: string) => {
        const { version, outdated, serverVersion } = byId.get(id) as Record<string, unknown>;
        return { version, outdated, serverVersion };
      };
      assert.deepEqual(view(old.id), { version: '0.0.9', outdated: true, serverVersion: LATCHKEY_VERSION });
      assert.deepEqual(view(current.id), {
        version: LATCHKEY_VERSION,
        outdated: false,
        serverVersion: LATCHKEY_VERSION,
      });
      assert.deepEqual(view(silent.id), { version: null, outdated: null, serverVersion: LATCHKEY_VERSION });
      assert.deepEqual(view(custom.id), { version: 'my-own-build', outdated: null, serverVersion: LATCHKEY_VERSION });
    });
  });

  describe('OpenAPI document', () => {
    it('is served without a key', async () => {
      const response = await fetch(`${stack.url}/api/v1/openapi.json`);
      assert.equal(response.status, 200);
      const served = await response.json();
      assert.deepEqual(served, JSON.parse(JSON.stringify(buildOpenApiDocument(stack.config.publicUrl))));
    });
  });
});
