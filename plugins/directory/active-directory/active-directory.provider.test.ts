import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { rootCertificates } from 'node:tls';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Attribute, Change, Client, type ClientOptions } from 'ldapts';
import { directoryConfigOf, startSambaDc, type SambaDc } from '../../../test/support/samba';
import type { SetPasswordRequest } from '../directory-provider';
import {
  AccountChangedError,
  AccountDisabledError,
  DirectoryConfigurationError,
  DirectoryUnavailableError,
  InsufficientRightsError,
  PasswordPolicyError,
  ProtectedAccountError,
  UserNotFoundError,
} from '../errors';
import type { ActiveDirectoryConfigInput } from './active-directory.config';
import { ActiveDirectoryProvider } from './active-directory.provider';
import { CANONICAL_GUID, guidToString, sidToString } from './object-ids';
import { bindSubCode } from './to-provider-error';

const run = promisify(execFile);
/** Schema GUIDs: the tokenGroups attribute and the user class. */
const GUID_TOKEN_GROUPS = 'b7c69e6d-2cc7-11d2-854e-00a0c983f608';
const GUID_USER_CLASS = 'bf967aba-0de6-11d0-a285-00aa003049e2';

/**
 * Runs against a real Samba AD DC. Every change is checked by binding as the user afterwards, because a
 * successful modify alone does not prove AD will accept the password at logon.
 */
describe('ActiveDirectoryProvider against Samba AD', { timeout: 180_000 }, () => {
  let dc: SambaDc;
  let provider: ActiveDirectoryProvider;
  /** Administrator's own connection, for the changes an attacker or a colleague would make in AD. */
  let admin: Client;
  const clientsCreated: Client[] = [];
  let userCount = 0;

  const configFor = (overrides: Partial<ActiveDirectoryConfigInput> = {}): ActiveDirectoryConfigInput => ({
    id: 'samba-test',
    ...directoryConfigOf(dc),
    ...overrides,
  });

  /** A fresh user per test, so that lockouts and password history never leak between tests. */
  async function newUser(options: Parameters<SambaDc['createUser']>[2] = {}) {
    userCount += 1;
    const username = `user${userCount}`;
    const password = `Start!Pass${userCount}word`;
    const created = await dc.createUser(username, password, { mail: `${username}@example.com`, ...options });
    return { ...created, password };
  }

  async function bindError(name: string, password: string): Promise<string | undefined> {
    try {
      await dc.bind(name, password);
      return undefined;
    } catch (error) {
      return bindSubCode(error) ?? (error as Error).message;
    }
  }

  async function withProvider<T>(
    overrides: Partial<ActiveDirectoryConfigInput>,
    use: (p: ActiveDirectoryProvider) => Promise<T>,
  ) {
    const other = new ActiveDirectoryProvider(configFor(overrides));
    try {
      return await use(other);
    } finally {
      await other.close();
    }
  }

  const change = (operation: 'add' | 'delete' | 'replace', type: string, ...values: string[]) =>
    new Change({ operation, modification: new Attribute({ type, values }) });

  async function binaryAttribute(dn: string, name: string): Promise<Buffer> {
    const { searchEntries } = await admin.search(dn, {
      scope: 'base',
      attributes: [name],
      explicitBufferAttributes: [name],
    });
    const value = searchEntries[0]?.[name];
    assert.ok(Buffer.isBuffer(value), `${name} of ${dn} read as bytes`);
    return value;
  }

  const guidOf = async (dn: string) => guidToString(await binaryAttribute(dn, 'objectGUID'))!;

  async function newGroup(name: string, options: { distribution?: boolean } = {}): Promise<string> {
    const dn = `CN=${name},CN=Users,${dc.baseDn}`;
    // Global security group (0x80000002), or a global distribution group (2).
    await admin.add(dn, {
      objectClass: ['top', 'group'],
      sAMAccountName: name,
      groupType: options.distribution ? '2' : '-2147483646',
    });
    return dn;
  }

  const addMember = (groupDn: string, memberDn: string) => admin.modify(groupDn, [change('add', 'member', memberDn)]);

  /** Adds ACEs to an object's security descriptor, as an AD admin would with dsacls. */
  async function addAces(dn: string, sddl: string): Promise<void> {
    await run('samba-tool', [
      'dsacl',
      'set',
      '-H',
      join(dc.dir, 'private', 'sam.ldb'),
      '-s',
      join(dc.dir, 'etc', 'smb.conf'),
      `--objectdn=${dn}`,
      `--sddl=${sddl}`,
    ]);
  }

  const reset = (p: ActiveDirectoryProvider, username: string, extra: Partial<SetPasswordRequest> = {}) =>
    p.setPassword({ username, password: 'Taken!Over-123', mustChangeAtNextLogon: false, unlock: true, ...extra });

  const refusalOf = (promise: Promise<unknown>) =>
    promise.then(
      () => assert.fail('expected a refusal'),
      (error: unknown) => error,
    );

  /** Tries a reset and an unlock; both must be refused with ProtectedAccountError for `rule`, changing nothing. */
  async function assertProtected(
    p: ActiveDirectoryProvider,
    user: { dn: string; username: string; userPrincipalName: string; password: string },
    rule: string,
    message: RegExp,
  ): Promise<void> {
    const before = await dc.readAttributes(user.dn, ['pwdLastSet', 'whenChanged']);
    for (const attempt of [reset(p, user.username), p.unlock(user.username)]) {
      const error = await refusalOf(attempt);
      assert.ok(error instanceof ProtectedAccountError, `${user.username}: ${String(error)}`);
      assert.equal(error.rule, rule);
      assert.match(error.message, message);
      assert.doesNotMatch(error.userMessage, /S-1-|group|admin/i, 'the user is told neither the rule nor a SID');
      assert.doesNotMatch(error.message, /S-1-/, 'nor is the technician given SIDs');
    }
    assert.deepEqual(await dc.readAttributes(user.dn, ['pwdLastSet', 'whenChanged']), before);
    assert.equal(await bindError(user.userPrincipalName, user.password), undefined, 'the old password still works');
  }

  before(async () => {
    dc = await startSambaDc();
    admin = new Client({
      url: dc.url,
      tlsOptions: { ca: dc.caPem, servername: dc.serverName, minVersion: 'TLSv1.2' },
    });
    await admin.bind(dc.adminDn, dc.adminPassword);
    provider = new ActiveDirectoryProvider(configFor(), {
      createClient: (options: ClientOptions) => {
        const client = new Client(options);
        clientsCreated.push(client);
        return client;
      },
    });
  });

  after(async () => {
    await admin?.unbind();
    await provider?.close();
    await dc?.stop();
  });

  describe('health and connection', () => {
    it('passes a health check with the least-privilege service account', async () => {
      await provider.healthCheck();
    });

    it('reuses one bound connection across calls, and reconnects when it has gone', async () => {
      const before = clientsCreated.length;
      for (let i = 0; i < 5; i += 1) await provider.findUser('Administrator');
      const concurrent = await Promise.all(Array.from({ length: 10 }, () => provider.findUser('Administrator')));
      assert.ok(concurrent.every((user) => user?.protected));
      assert.equal(clientsCreated.length, Math.max(before, 1), 'no new connection per call');
      await clientsCreated.at(-1)!.unbind(); // the connection drops behind the provider's back
      assert.ok(await provider.findUser('Administrator'));
      assert.equal(clientsCreated.length, Math.max(before, 1) + 1);
    });

    it('sends a request again on a new connection when the old one turns out to be dead', async () => {
      const created: Client[] = [];
      const flaky = new ActiveDirectoryProvider(configFor(), {
        createClient: (options) => {
          const client = new Client(options);
          if (created.length === 0) {
            // Half-open socket: still "bound" as far as the client knows, but the request never gets an answer.
            client.search = async () => {
              throw new Error(
                'Connection closed before message response was received. Message type: SearchRequest (0x63)',
              );
            };
          }
          created.push(client);
          return client;
        },
      });
      try {
        assert.equal((await flaky.findUser('Administrator'))?.protected, true);
        assert.equal(created.length, 2);
      } finally {
        await flaky.close();
      }
    });

    it('reports a wrong service-account password as a configuration error naming data 52e', async () => {
      await withProvider({ bindPassword: 'not-the-password' }, async (bad) => {
        const error = await bad.healthCheck().catch((caught: unknown) => caught);
        assert.ok(error instanceof DirectoryConfigurationError);
        assert.match(error.message, /data 52e/);
        assert.ok(!error.message.includes('not-the-password'));
      });
    });

    it('refuses a DC whose certificate does not chain to caPem', async () => {
      await withProvider({ caPem: rootCertificates[0]! }, async (bad) => {
        const error = await bad.healthCheck().catch((caught: unknown) => caught);
        assert.ok(error instanceof DirectoryConfigurationError);
        assert.match(error.message, /TLS connection/);
      });
    });

    it('needs tlsServerName when connecting by IP, because the certificate names only the DC', async () => {
      await withProvider({ tlsServerName: undefined }, async (bad) => {
        const error = await bad.healthCheck().catch((caught: unknown) => caught);
        assert.ok(error instanceof DirectoryConfigurationError);
        assert.match(error.message, /ERR_TLS_CERT_ALTNAME_INVALID/);
      });
    });

    it('checks a pinned certificate fingerprint on top of the CA', async () => {
      const leaf = new X509Certificate(await readFile(join(dc.dir, 'private', 'tls', 'cert.pem')));
      await withProvider({ pinnedCertificateSha256: leaf.fingerprint256 }, (good) => good.healthCheck());
      await withProvider({ pinnedCertificateSha256: 'ab'.repeat(32) }, async (bad) => {
        const error = await bad.healthCheck().catch((caught: unknown) => caught);
        assert.ok(error instanceof DirectoryConfigurationError);
        assert.match(error.message, /not the pinned one/);
      });
    });

    it('reports an unreachable DC as retryable', async () => {
      await withProvider({ url: 'ldaps://127.0.0.9', connectTimeoutMs: 2_000 }, async (down) => {
        const error = await down.healthCheck().catch((caught: unknown) => caught);
        assert.ok(error instanceof DirectoryUnavailableError);
        assert.equal(error.retryable, true);
        assert.match(error.message, /ECONNREFUSED/);
      });
    });

    it('works over ldap:// with StartTLS as well', async () => {
      const url = dc.url.replace('ldaps://', 'ldap://');
      await withProvider({ url, startTls: true }, async (starttls) => {
        await starttls.healthCheck();
        assert.equal((await starttls.findUser('Administrator'))?.protected, true);
      });
    });
  });

  describe('findUser', () => {
    it('finds a user by sAMAccountName, UPN or DOMAIN\\name and reads its state', async () => {
      const user = await newUser({ displayName: 'Doe, Jane' });
      for (const name of [
        user.username,
        user.userPrincipalName,
        `LATCHKEY\\${user.username}`,
        ` ${user.username.toUpperCase()} `,
      ]) {
        const found = await provider.findUser(name);
        assert.ok(found, name);
        assert.equal(found.dn, user.dn);
        assert.equal(found.sAMAccountName, user.username);
        assert.equal(found.userPrincipalName, user.userPrincipalName);
        assert.equal(found.displayName, 'Doe, Jane');
        assert.equal(found.mail, `${user.username}@example.com`);
        assert.equal(found.enabled, true);
        assert.equal(found.locked, false);
        assert.equal(found.protected, false);
        assert.ok(found.pwdLastSet && Math.abs(found.pwdLastSet.getTime() - Date.now()) < 10 * 60_000);
      }
    });

    it('returns null for an unknown user', async () => {
      assert.equal(await provider.findUser('nobody-here'), null);
      assert.equal(await provider.findUser(''), null);
    });

    it('treats filter syntax in a username as literal text', async () => {
      await newUser();
      for (const hostile of [
        '*',
        '*)(objectClass=*',
        'user*',
        '*)(|(sAMAccountName=*',
        'Administrator)(adminCount=1',
      ]) {
        assert.equal(await provider.findUser(hostile), null, hostile);
      }
    });
  });

  describe('setPassword', () => {
    it('sets a password the user can then log on with, and the old one stops working', async () => {
      const user = await newUser();
      const result = await provider.setPassword({
        username: user.username,
        password: 'Fresh!Reset-2024',
        mustChangeAtNextLogon: false,
        unlock: false,
      });
      assert.deepEqual(result, { dn: user.dn, objectGuid: await guidOf(user.dn), wasLocked: false });
      assert.equal(await bindError(user.userPrincipalName, 'Fresh!Reset-2024'), undefined);
      assert.equal(await bindError(user.userPrincipalName, user.password), '52e');
    });

    it('forces a change at next logon (data 773) and can clear it again', async () => {
      const user = await newUser();
      await provider.setPassword({
        username: user.username,
        password: 'Temp!Reset-773',
        mustChangeAtNextLogon: true,
        unlock: false,
      });
      assert.equal(await bindError(user.userPrincipalName, 'Temp!Reset-773'), '773');
      assert.equal((await provider.findUser(user.username))?.pwdLastSet, null);

      await provider.setPassword({
        username: user.username,
        password: 'Final!Reset-774',
        mustChangeAtNextLogon: false,
        unlock: false,
      });
      assert.equal(await bindError(user.userPrincipalName, 'Final!Reset-774'), undefined);
      assert.ok((await provider.findUser(user.username))?.pwdLastSet instanceof Date);
    });

    it('refuses a too-short password with a PasswordPolicyError that says so, and changes nothing', async () => {
      const user = await newUser();
      const error = await provider
        .setPassword({ username: user.username, password: 'Ab1!', mustChangeAtNextLogon: false, unlock: false })
        .catch((caught: unknown) => caught);
      assert.ok(error instanceof PasswordPolicyError);
      assert.equal(error.reason, 'too-short');
      assert.match(error.userMessage, /too short/);
      assert.match(error.message, /too short\. It should be equal or longer than 7 characters/);
      assert.equal(await bindError(user.userPrincipalName, user.password), undefined);
    });

    it('refuses a password without complexity', async () => {
      const user = await newUser();
      const error = await provider
        .setPassword({
          username: user.username,
          password: 'alllowercaseletters',
          mustChangeAtNextLogon: false,
          unlock: false,
        })
        .catch((caught: unknown) => caught);
      assert.ok(error instanceof PasswordPolicyError);
      assert.equal(error.reason, 'complexity');
      assert.match(error.userMessage, /not complex enough/);
      assert.match(error.message, /complexity criteria/);
      assert.equal(await bindError(user.userPrincipalName, user.password), undefined);
    });

    it('refuses protected accounts before writing anything', async () => {
      const protectedUser = await newUser({ adminCount: true });
      const before = await dc.readAttributes(protectedUser.dn, ['pwdLastSet', 'whenChanged']);
      assert.ok(before.pwdLastSet && before.whenChanged, 'the attributes compared below were really read');
      for (const username of [protectedUser.username, 'Administrator']) {
        const error = await provider
          .setPassword({ username, password: 'Taken!Over-123', mustChangeAtNextLogon: false, unlock: true })
          .catch((caught: unknown) => caught);
        assert.ok(error instanceof ProtectedAccountError, username);
        assert.match(error.message, /adminCount=1/);
        assert.match(error.userMessage, /protected/);
        const unlockError = await provider.unlock(username).catch((caught: unknown) => caught);
        assert.ok(unlockError instanceof ProtectedAccountError);
      }
      assert.deepEqual(await dc.readAttributes(protectedUser.dn, ['pwdLastSet', 'whenChanged']), before);
      assert.equal(await bindError(protectedUser.userPrincipalName, protectedUser.password), undefined);
      assert.equal(await bindError(dc.adminDn, dc.adminPassword), undefined);
      assert.equal((await provider.findUser('Administrator'))?.protected, true);
    });

    it('resets a protected account only when allowProtectedAccounts is set', async () => {
      const protectedUser = await newUser({ adminCount: true });
      await withProvider({ allowProtectedAccounts: true }, (permissive) =>
        permissive.setPassword({
          username: protectedUser.username,
          password: 'Allowed!Reset-1',
          mustChangeAtNextLogon: false,
          unlock: false,
        }),
      );
      assert.equal(await bindError(protectedUser.userPrincipalName, 'Allowed!Reset-1'), undefined);
    });

    it('refuses a disabled account', async () => {
      const user = await newUser({ disabled: true });
      const error = await provider
        .setPassword({
          username: user.username,
          password: 'Disabled!Reset-1',
          mustChangeAtNextLogon: false,
          unlock: false,
        })
        .catch((caught: unknown) => caught);
      assert.ok(error instanceof AccountDisabledError);
      assert.equal(await bindError(user.dn, user.password), '533');
    });

    it('reports missing delegation on an account outside the delegated OU', async () => {
      const outsider = await newUser({ ou: 'CN=Users' });
      const error = await provider
        .setPassword({
          username: outsider.username,
          password: 'Outside!Reset-1',
          mustChangeAtNextLogon: false,
          unlock: false,
        })
        .catch((caught: unknown) => caught);
      assert.ok(error instanceof InsufficientRightsError);
      assert.match(error.message, /Reset password/);
      assert.equal(await bindError(outsider.userPrincipalName, outsider.password), undefined);
    });

    it('reports an unknown user', async () => {
      const error = await provider
        .setPassword({ username: 'ghost', password: 'Ghost!Reset-1', mustChangeAtNextLogon: false, unlock: false })
        .catch((caught: unknown) => caught);
      assert.ok(error instanceof UserNotFoundError);
      assert.ok(!error.userMessage.includes('ghost'), 'the user-facing text does not confirm which names exist');
    });
  });

  describe('which account: objectGUID', () => {
    it('returns the objectGUID in the form AD itself resolves, and keeps it across calls and renames', async () => {
      const user = await newUser();
      const found = await provider.findUser(user.username);
      assert.ok(found);
      assert.match(found.objectGuid, CANONICAL_GUID);
      // The independent check of the byte order: AD resolves <GUID=…> only for the right text form.
      const { searchEntries } = await admin.search(`<GUID=${found.objectGuid}>`, {
        scope: 'base',
        attributes: ['sAMAccountName'],
      });
      assert.equal(searchEntries[0]?.dn, user.dn);

      const first = await reset(provider, user.username, { expectedObjectGuid: null, password: 'Guid!Reset-1' });
      assert.equal(first.objectGuid, found.objectGuid);
      assert.equal((await provider.unlock(user.username)).objectGuid, found.objectGuid);
      // A rename (new CN) is the same object: the recorded GUID still matches, in either case.
      await admin.modifyDN(user.dn, `CN=${user.username}-renamed`);
      for (const expectedObjectGuid of [found.objectGuid, found.objectGuid.toUpperCase()]) {
        const again = await reset(provider, user.username, { expectedObjectGuid, password: 'Guid!Reset-2' });
        assert.equal(again.objectGuid, found.objectGuid);
        assert.equal(again.dn, `CN=${user.username}-renamed,${dc.usersOu}`);
      }
      assert.equal(
        (await provider.unlock(user.username, { expectedObjectGuid: found.objectGuid })).objectGuid,
        found.objectGuid,
      );
      assert.equal(await bindError(user.userPrincipalName, 'Guid!Reset-2'), undefined);
    });

    it('refuses an account deleted and recreated under the same name, changing neither', async () => {
      const original = await newUser();
      const enrolledGuid = (await reset(provider, original.username, { password: 'First!Touch-1' })).objectGuid;
      await admin.del(original.dn);
      const recreated = {
        ...(await dc.createUser(original.username, 'Someone!Else-1', { displayName: `${original.username} 2` })),
        password: 'Someone!Else-1',
      };
      assert.notEqual(await guidOf(recreated.dn), enrolledGuid);
      const before = await dc.readAttributes(recreated.dn, ['pwdLastSet', 'whenChanged']);

      for (const attempt of [
        reset(provider, original.username, { expectedObjectGuid: enrolledGuid }),
        provider.unlock(original.username, { expectedObjectGuid: enrolledGuid }),
      ]) {
        const error = await refusalOf(attempt);
        assert.ok(error instanceof AccountChangedError, String(error));
        assert.equal(error.code, 'account_changed');
        assert.equal(error.retryable, false);
        assert.match(error.message, new RegExp(enrolledGuid));
        assert.doesNotMatch(error.userMessage, new RegExp(`${original.username}|[0-9a-f]{8}-`));
      }
      assert.deepEqual(await dc.readAttributes(recreated.dn, ['pwdLastSet', 'whenChanged']), before);
      assert.equal(await bindError(recreated.userPrincipalName, recreated.password), undefined);
    });

    it('refuses when the name was moved to another object, changing neither account', async () => {
      const original = await newUser();
      const enrolledGuid = (await provider.findUser(original.username))!.objectGuid;
      // The enrolled account is renamed away and a new one takes its sAMAccountName and UPN.
      await admin.modify(original.dn, [
        change('replace', 'sAMAccountName', `${original.username}-old`),
        change('replace', 'userPrincipalName', `${original.username}-old@${dc.realm.toLowerCase()}`),
      ]);
      const newcomer = await dc.createUser(original.username, 'New!Comer-123', {
        displayName: `${original.username} newcomer`,
      });

      const error = await refusalOf(reset(provider, original.username, { expectedObjectGuid: enrolledGuid }));
      assert.ok(error instanceof AccountChangedError, String(error));
      assert.match(error.message, new RegExp(newcomer.dn.split(',')[0]!));
      assert.equal(await bindError(newcomer.userPrincipalName, 'New!Comer-123'), undefined);
      assert.equal(await bindError(original.dn, original.password), undefined);
    });
  });

  describe('protected accounts beyond adminCount', () => {
    const domainAdmins = () => `CN=Domain Admins,CN=Users,${dc.baseDn}`;

    it('refuses a Domain Admins member whose adminCount was cleared, even with allowProtectedAccounts', async () => {
      const user = await newUser({ adminCount: true });
      await addMember(domainAdmins(), user.dn);
      await admin.modify(user.dn, [change('delete', 'adminCount')]);
      assert.equal((await dc.readAttributes(user.dn, ['adminCount'])).adminCount, undefined, 'adminCount is gone');
      assert.equal((await provider.findUser(user.username))?.protected, false, 'so adminCount alone would pass it');

      await assertProtected(provider, user, 'privileged-group', /privileged group Domain Admins/);
      await withProvider({ allowProtectedAccounts: true }, (permissive) =>
        assertProtected(permissive, user, 'privileged-group', /Domain Admins/),
      );
    });

    it('refuses members of Backup Operators, and nested members of Administrators', async () => {
      const backup = await newUser();
      await addMember(`CN=Backup Operators,CN=Builtin,${dc.baseDn}`, backup.dn);
      await assertProtected(provider, backup, 'privileged-group', /Backup Operators/);

      const team = await newGroup('Server Team');
      await addMember(`CN=Administrators,CN=Builtin,${dc.baseDn}`, team);
      const nested = await newUser();
      await addMember(team, nested.dn);
      await assertProtected(provider, nested, 'privileged-group', /Administrators/);
    });

    it('refuses direct and nested members of the configured deny group, and resets everyone else', async () => {
      const denyGroup = await newGroup('No Self-Service');
      const inner = await newGroup('Service Accounts');
      await addMember(denyGroup, inner);
      const direct = await newUser();
      const nested = await newUser();
      const ordinary = await newUser();
      await addMember(denyGroup, direct.dn);
      await addMember(inner, nested.dn);

      await withProvider({ denyGroupDn: denyGroup }, async (guarded) => {
        await assertProtected(guarded, direct, 'deny-group', /deny group CN=No Self-Service/);
        await assertProtected(guarded, nested, 'deny-group', /deny group CN=No Self-Service/);
        const result = await reset(guarded, ordinary.username, { password: 'Ordinary!Reset-1' });
        assert.equal(result.objectGuid, await guidOf(ordinary.dn));
      });
      assert.equal(await bindError(ordinary.userPrincipalName, 'Ordinary!Reset-1'), undefined);
    });

    it('refuses every write when the deny group is missing or is a distribution group', async () => {
      const user = await newUser();
      const distribution = await newGroup('Mailing List', { distribution: true });
      for (const [denyGroupDn, why] of [
        [`CN=Deleted Long Ago,CN=Users,${dc.baseDn}`, /does not exist/],
        [distribution, /not a security group/],
        [user.dn, /is not a group/],
      ] as const) {
        await withProvider({ denyGroupDn }, async (misconfigured) => {
          for (const attempt of [reset(misconfigured, user.username), misconfigured.unlock(user.username)]) {
            const error = await refusalOf(attempt);
            assert.ok(error instanceof DirectoryConfigurationError, String(error));
            assert.match(error.message, why);
            assert.match(error.message, /AD_DENY_GROUP_DN/);
          }
        });
      }
      assert.equal(await bindError(user.userPrincipalName, user.password), undefined);
    });

    it('refuses an account whose tokenGroups the service account cannot read', async () => {
      const user = await newUser();
      const serviceSid = sidToString(await binaryAttribute(dc.serviceAccount.dn, 'objectSid'));
      // An explicit deny on reading tokenGroups for this one account, as a hardened ACL would have.
      await addAces(user.dn, `(OD;;RP;${GUID_TOKEN_GROUPS};;${serviceSid})`);
      await withProvider({}, (fresh) => assertProtected(fresh, user, 'unverifiable', /tokenGroups could not be read/));
    });

    it('needs read access on users beyond what a hardened domain grants, and refuses until it has it', async () => {
      // Samba provisions as Windows does by default: Authenticated Users are in this group, which may read
      // userAccountControl, tokenGroups and the rest. Hardened domains take them out, as this test does.
      const preWindows2000 = `CN=Pre-Windows 2000 Compatible Access,CN=Builtin,${dc.baseDn}`;
      const authenticatedUsers = `CN=S-1-5-11,CN=ForeignSecurityPrincipals,${dc.baseDn}`;
      const authorizationAccess = `CN=Windows Authorization Access Group,CN=Builtin,${dc.baseDn}`;
      const ordinary = await newUser();
      const privileged = await newUser();
      await addMember(domainAdmins(), privileged.dn);
      await admin.modify(preWindows2000, [change('delete', 'member', authenticatedUsers)]);
      try {
        // Each provider binds afresh: the service account's groups are fixed at bind time.
        await withProvider({}, (hardened) =>
          assertProtected(hardened, ordinary, 'unverifiable', /userAccountControl could not be read/),
        );
        // That group reads only tokenGroupsGlobalAndUniversal, which leaves out the built-in groups: not enough.
        await addMember(authorizationAccess, dc.serviceAccount.dn);
        await withProvider({}, (hardened) => assertProtected(hardened, ordinary, 'unverifiable', /could not be read/));

        // What docs/plugins.md says to delegate: Read All Properties on descendant user objects of the OU.
        const serviceSid = sidToString(await binaryAttribute(dc.serviceAccount.dn, 'objectSid'));
        await addAces(dc.usersOu, `(OA;CIIO;RP;;${GUID_USER_CLASS};${serviceSid})`);
        await withProvider({}, async (delegated) => {
          await reset(delegated, ordinary.username, { password: 'Delegated!Read-1' });
          await assertProtected(delegated, privileged, 'privileged-group', /Domain Admins/);
        });
        assert.equal(await bindError(ordinary.userPrincipalName, 'Delegated!Read-1'), undefined);
      } finally {
        await admin.modify(preWindows2000, [change('add', 'member', authenticatedUsers)]);
        await admin.modify(authorizationAccess, [change('delete', 'member', dc.serviceAccount.dn)]).catch(() => {});
      }
    });
  });

  describe('lockout', () => {
    async function lockOut(user: { userPrincipalName: string; password: string }) {
      for (let attempt = 1; attempt <= 3; attempt += 1) {
        assert.equal(await bindError(user.userPrincipalName, `wrong-${attempt}`), '52e');
      }
      assert.equal(
        await bindError(user.userPrincipalName, user.password),
        '775',
        'the right password is refused once locked',
      );
    }

    it('sees a lockout caused by real wrong binds, and unlocks it', async () => {
      const user = await newUser();
      await lockOut(user);

      const state = await provider.getLockoutState(user.username);
      assert.equal(state.locked, true);
      assert.equal(state.badPwdCount, 3);
      assert.ok(state.lockoutTime && Math.abs(state.lockoutTime.getTime() - Date.now()) < 10 * 60_000);
      assert.equal((await provider.findUser(user.username))?.locked, true);

      const locked = await provider.listLockedAccounts();
      const listed = locked.find((account) => account.dn === user.dn);
      assert.ok(listed, 'listed as locked');
      assert.equal(listed.badPwdCount, 3);

      const objectGuid = await guidOf(user.dn);
      assert.deepEqual(await provider.unlock(user.username), { dn: user.dn, objectGuid, wasLocked: true });
      assert.deepEqual(await provider.getLockoutState(user.username), {
        locked: false,
        lockoutTime: null,
        badPwdCount: 0,
      });
      assert.ok(!(await provider.listLockedAccounts()).some((account) => account.dn === user.dn));
      assert.equal(await bindError(user.userPrincipalName, user.password), undefined);
      assert.deepEqual(
        await provider.unlock(user.username),
        { dn: user.dn, objectGuid, wasLocked: false },
        'unlock is idempotent',
      );
    });

    it('unlocks in the same write as a reset when asked, and not otherwise', async () => {
      const user = await newUser();
      await lockOut(user);
      await provider.setPassword({
        username: user.username,
        password: 'StillLocked!1',
        mustChangeAtNextLogon: false,
        unlock: false,
      });
      assert.equal(await bindError(user.userPrincipalName, 'StillLocked!1'), '775');

      const result = await provider.setPassword({
        username: user.username,
        password: 'Unlocked!Reset-2',
        mustChangeAtNextLogon: false,
        unlock: true,
      });
      assert.deepEqual(result, { dn: user.dn, objectGuid: await guidOf(user.dn), wasLocked: true });
      assert.equal(await bindError(user.userPrincipalName, 'Unlocked!Reset-2'), undefined);
    });

    it('reports lockout state for an unlocked user and refuses an unknown one', async () => {
      const user = await newUser();
      assert.deepEqual(await provider.getLockoutState(user.username), {
        locked: false,
        lockoutTime: null,
        badPwdCount: 0,
      });
      await assert.rejects(provider.getLockoutState('ghost'), UserNotFoundError);
      await assert.rejects(provider.unlock('ghost'), UserNotFoundError);
    });
  });
});
