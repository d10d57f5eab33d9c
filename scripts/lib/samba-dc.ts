import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, openSync, closeSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Attribute, Change, Client } from 'ldapts';
import { escapeDnValue } from '../../plugins/directory/active-directory/ldap-escape';
import { ensureDebianPackages, type DebianPackages } from './debian-packages';

/**
 * A real Samba AD domain controller, listening on a spare loopback address so nothing under /etc or on 127.0.0.1
 * is touched: for integration tests, provisioned fresh into a temp directory, and for `npm start`'s demo
 * directory, provisioned once into a folder of the data directory and reused by every later start.
 * Notes behind the choices: /work/shared/reference/samba-ad-for-tests.md.
 */

const run = promisify(execFile);

/** Enough for two test files per core, plus a second `npm test` in another checkout, with DCs of their own. */
const SPARE_LOOPBACK_ADDRESSES = Array.from({ length: 16 }, (_, i) => `127.0.0.${i + 2}`);

const SAMBA_PACKAGES = ['samba', 'samba-dsdb-modules', 'samba-vfs-modules', 'samba-ad-provision'];

/** user class, and the Reset-Password right and pwdLastSet / lockoutTime attributes (schema GUIDs). */
const GUID_USER_CLASS = 'bf967aba-0de6-11d0-a285-00aa003049e2';
const GUID_RESET_PASSWORD = '00299570-246d-11d0-a768-00aa006e0529';
const GUID_PWD_LAST_SET = 'bf967a0a-0de6-11d0-a285-00aa003049e2';
const GUID_LOCKOUT_TIME = '28630ebf-41d5-11d1-a9c1-0000f80367c1';

export interface StartSambaDcOptions {
  /** Loopback addresses tried in order; one held by another live test process is skipped. */
  ips?: string[];
  realm?: string;
  netbiosDomain?: string;
  hostName?: string;
  adminPassword?: string;
  lockoutThreshold?: number;
  /**
   * How long the previous password keeps working after a change (Samba's default is 60, like Windows'
   * OldPasswordAllowedPeriod for NTLM). 0 here, so a test can see the old password fail straight away.
   */
  oldPasswordAllowedMinutes?: number;
  /** Samba exits by itself after this long, should every other clean-up fail. */
  maximumRuntimeSeconds?: number;
  startTimeoutMs?: number;
  log?: (line: string) => void;
  /**
   * A tar made by `saveSnapshot`: the DC starts from that directory (already provisioned, set up and filled)
   * instead of provisioning a new one. For benches only: the snapshot holds fixed passwords and keys.
   */
  restoreFrom?: string;
  /**
   * The DC's own folder, kept across starts: provisioned on the first start (a half-finished one is redone),
   * reused with its domain, users and passwords on later ones, and left in place by stop().
   */
  persistentDir?: string;
  /** The delegated service account's password; fixed for tests, chosen once by the demo directory. */
  serviceAccountPassword?: string;
}

/** Written into a snapshot beside Samba's files: what a restore needs to know about the saved domain. */
interface SnapshotInfo {
  dir: string;
  ip: string;
  realm: string;
  hostName: string;
  adminPassword: string;
  serviceAccountPassword?: string;
}

export interface CreateUserOptions {
  displayName?: string;
  mail?: string;
  /** Sets adminCount=1, as AdminSDHolder does for members of privileged groups. */
  adminCount?: boolean;
  mustChangeAtNextLogon?: boolean;
  disabled?: boolean;
  /** RDN path under the base DN; defaults to the delegated OU=Staff. */
  ou?: string;
}

export interface CreatedUser {
  dn: string;
  username: string;
  userPrincipalName: string;
}

export interface SambaDc {
  url: string;
  baseDn: string;
  adminDn: string;
  adminPassword: string;
  caPem: string;
  /** The name in the DC's certificate (CN only, no subjectAltName), to verify TLS against. */
  serverName: string;
  realm: string;
  /** OU where createUser puts users, and over which the service account has delegated rights. */
  usersOu: string;
  /** Least privilege: may reset passwords and write pwdLastSet and lockoutTime on users in usersOu only. */
  serviceAccount: { dn: string; password: string };
  dir: string;
  /** Started on a domain an earlier start provisioned into `persistentDir`. */
  reused: boolean;
  timings: { provisionMs: number; startMs: number; setupMs: number };
  createUser(username: string, password: string, options?: CreateUserOptions): Promise<CreatedUser>;
  /** A real simple bind as anyone (DN or UPN); rejects with ldapts' error, e.g. "… data 773 …". */
  bind(name: string, password: string): Promise<void>;
  /** Attributes read as Administrator, first value of each as text. */
  readAttributes(dn: string, attributes: string[]): Promise<Record<string, string | undefined>>;
  /** `samba-tool domain passwordsettings set`, against the running DC's database. */
  setLockoutPolicy(policy: { threshold: number; durationMinutes: number }): Promise<void>;
  /** The samba process, whose /proc/<pid>/stat the benches read for the DC's CPU time. */
  readonly pid: number | undefined;
  /** Stops samba and starts it again on the same database, as an admin's restart would. */
  restart(): Promise<void>;
  /** Runs `work` with samba stopped (for offline writes to its database), then starts it again. */
  whileStopped<T>(work: () => Promise<T>): Promise<T>;
  /** Saves the whole DC directory, samba stopped meanwhile, as a tar that `restoreFrom` starts from. */
  saveSnapshot(file: string): Promise<void>;
  stop(): Promise<void>;
}

const SAMBA: DebianPackages = {
  label: 'samba',
  neededFor: 'Samba AD is needed for the directory integration tests',
  packages: SAMBA_PACKAGES,
  command: 'samba-tool',
  takes: 'about 15 s',
};

/** Installs the Samba packages when missing and we are root; otherwise explains what to install. */
export async function ensureSambaInstalled(log: (line: string) => void = defaultLog): Promise<void> {
  await ensureDebianPackages(SAMBA, log);
}

export async function startSambaDc(options: StartSambaDcOptions = {}): Promise<SambaDc> {
  const log = options.log ?? defaultLog;
  if (process.getuid?.() !== 0) {
    throw new Error('Provisioning a Samba AD DC needs root (it sets security xattrs and ACLs on its files)');
  }
  await ensureSambaInstalled(log);

  const claim = await claimAddress(options.ips ?? SPARE_LOOPBACK_ADDRESSES, log);
  const persistent = options.persistentDir !== undefined;
  const dir = options.persistentDir ?? (await mkdtemp(join(tmpdir(), 'latchkey-samba-')));
  const conf = join(dir, 'etc', 'smb.conf');
  const restored = options.restoreFrom
    ? await restoreSnapshot(options.restoreFrom, dir, conf, claim.ip, log)
    : persistent
      ? await reuseDirectory(dir, conf, claim.ip)
      : undefined;

  const realm = (restored?.realm ?? options.realm ?? 'LATCHKEY.TEST').toUpperCase();
  const netbiosDomain = options.netbiosDomain ?? 'LATCHKEY';
  const hostName = restored?.hostName ?? options.hostName ?? 'dc1';
  const adminPassword = restored?.adminPassword ?? options.adminPassword ?? 'Adm1n!Latchkey-Test';
  const baseDn = realm
    .toLowerCase()
    .split('.')
    .map((part) => `DC=${part}`)
    .join(',');
  const serverName = `${hostName.toUpperCase()}.${realm.toLowerCase()}`;
  let child: ChildProcess | undefined;
  let admin: Client | undefined;

  const stop = async (): Promise<void> => {
    await admin?.unbind().catch(() => undefined);
    admin = undefined;
    if (child) await terminate(child);
    child = undefined;
    await claim.release();
    if (!persistent) await rm(dir, { recursive: true, force: true });
  };

  try {
    let startedAt = Date.now();
    const empty = join(dir, 'empty.conf');
    if (!restored) await writeFile(empty, '');
    if (!restored)
      await sambaTool(
        [
          'domain',
          'provision',
          '-s',
          empty,
          `--targetdir=${dir}`,
          `--realm=${realm}`,
          `--domain=${netbiosDomain}`,
          '--server-role=dc',
          '--dns-backend=NONE',
          `--host-name=${hostName}`,
          `--host-ip=${claim.ip}`,
          `--adminpass=${adminPassword}`,
          // A bare IP would listen on nothing; the /8 is what makes Samba bind the address.
          `--option=interfaces=${claim.ip}/8`,
          '--option=bind interfaces only=yes',
          '--option=server services=ldap',
          `--option=log file=${join(dir, 'samba.log')}`,
          `--option=pid directory=${join(dir, 'run')}`,
        ],
        'provision',
      );
    // provision drops this option from the smb.conf it writes, so it goes in afterwards.
    if (!restored)
      await addGlobalOption(conf, 'old password allowed period', String(options.oldPasswordAllowedMinutes ?? 0));
    const provisionMs = Date.now() - startedAt;
    log(`samba: ${restored ? (persistent ? 'reused' : 'restored') : 'provisioned'} ${realm} in ${provisionMs} ms`);

    startedAt = Date.now();
    const spawnSamba = (): ChildProcess => {
      const output = openSync(join(dir, 'samba.stdout.log'), 'a');
      // -i (interactive, which implies foreground) rather than -F: Samba then exits when its stdin closes, so a
      // crashed or killed test process cannot leave a DC running on the address.
      const started = spawn(
        'samba',
        ['-s', conf, '-M', 'single', '-i', `--maximum-runtime=${options.maximumRuntimeSeconds ?? 1800}`],
        {
          stdio: ['pipe', output, output],
          detached: true,
        },
      );
      closeSync(output);
      started.unref();
      (started.stdin as { unref?: () => void } | null)?.unref?.();
      return started;
    };
    child = spawnSamba();
    await claim.record(join(dir, 'run', 'samba.pid'), dir);

    const caPath = join(dir, 'private', 'tls', 'ca.pem');
    const url = `ldaps://${claim.ip}`;
    const adminDn = `CN=Administrator,CN=Users,${baseDn}`;
    const connectAs = async (name: string, password: string): Promise<Client> => {
      const client = new Client({
        url,
        connectTimeout: 2_000,
        timeout: 10_000,
        tlsOptions: { ca: await readFile(caPath, 'utf8'), servername: serverName, minVersion: 'TLSv1.2' },
      });
      try {
        await client.bind(name, password);
        return client;
      } catch (error) {
        await client.unbind().catch(() => undefined);
        throw error;
      }
    };

    admin = await waitForLdaps(child, () => connectAs(adminDn, adminPassword), dir, options.startTimeoutMs ?? 30_000);
    const startMs = Date.now() - startedAt;
    log(`samba: LDAPS answering on ${url} after ${startMs} ms`);

    startedAt = Date.now();
    const usersOu = `OU=Staff,${baseDn}`;
    const serviceAccount = {
      dn: `CN=svc-latchkey,CN=Users,${baseDn}`,
      password: restored?.serviceAccountPassword ?? options.serviceAccountPassword ?? 'Svc!Latchkey-Test-1',
    };
    await setDomainPolicy(admin, baseDn, options.lockoutThreshold ?? 3);
    // A restored directory already has the OU, the service account and its rights.
    if (!restored) {
      await admin.add(usersOu, { objectClass: ['top', 'organizationalUnit'], ou: 'Staff' });
      await addUser(
        admin,
        serviceAccount.dn,
        'svc-latchkey',
        `svc-latchkey@${realm.toLowerCase()}`,
        serviceAccount.password,
        {},
      );
      await delegateResetRights(admin, conf, dir, usersOu, serviceAccount.dn);
      // Written last: a folder without it is a provisioning that did not finish, and the next start redoes it.
      if (persistent) {
        const info: SnapshotInfo = {
          dir,
          ip: claim.ip,
          realm,
          hostName,
          adminPassword,
          serviceAccountPassword: serviceAccount.password,
        };
        await writeFile(join(dir, SNAPSHOT_INFO), JSON.stringify(info), { mode: 0o600 });
      }
    }
    const setupMs = Date.now() - startedAt;
    log(`samba: policy, OU and service account ready in ${setupMs} ms`);

    const whileStopped = async <T>(work: () => Promise<T>): Promise<T> => {
      await admin?.unbind().catch(() => undefined);
      admin = undefined;
      if (child) await terminate(child);
      child = undefined;
      try {
        return await work();
      } finally {
        child = spawnSamba();
        const next = child;
        admin = await waitForLdaps(
          next,
          () => connectAs(adminDn, adminPassword),
          dir,
          options.startTimeoutMs ?? 30_000,
        );
      }
    };
    const caPem = await readFile(caPath, 'utf8');
    const adminClient = () => {
      if (!admin) throw new Error('the DC is not running');
      return admin;
    };
    return {
      url,
      baseDn,
      adminDn,
      adminPassword,
      caPem,
      serverName,
      realm,
      usersOu,
      serviceAccount,
      dir,
      reused: persistent && restored !== undefined,
      timings: { provisionMs, startMs, setupMs },
      async createUser(username, password, userOptions = {}) {
        const ou = userOptions.ou ? `${userOptions.ou},${baseDn}` : usersOu;
        const dn = `CN=${escapeDnValue(userOptions.displayName ?? username)},${ou}`;
        const userPrincipalName = `${username}@${realm.toLowerCase()}`;
        await addUser(adminClient(), dn, username, userPrincipalName, password, userOptions);
        return { dn, username, userPrincipalName };
      },
      async bind(name, password) {
        const client = await connectAs(name, password);
        await client.unbind();
      },
      async readAttributes(dn, attributes) {
        const { searchEntries } = await adminClient().search(dn, { scope: 'base', attributes });
        const entry = searchEntries[0];
        return Object.fromEntries(
          attributes.map((name) => {
            const value = entry?.[name];
            const first = Array.isArray(value) ? value[0] : value;
            return [name, first === undefined ? undefined : first.toString()];
          }),
        );
      },
      async setLockoutPolicy({ threshold, durationMinutes }) {
        await sambaTool(
          [
            'domain',
            'passwordsettings',
            'set',
            '-H',
            join(dir, 'private', 'sam.ldb'),
            '-s',
            conf,
            `--account-lockout-threshold=${threshold}`,
            `--account-lockout-duration=${durationMinutes}`,
            // The observation window may not exceed the duration.
            `--reset-account-lockout-after=${durationMinutes}`,
          ],
          'domain passwordsettings set',
        );
      },
      get pid() {
        return child?.pid;
      },
      async restart() {
        await whileStopped(async () => undefined);
      },
      whileStopped,
      async saveSnapshot(file) {
        await whileStopped(async () => {
          const info: SnapshotInfo = { dir, ip: claim.ip, realm, hostName, adminPassword };
          // It holds the domain admin's password: readable by this machine's owner only.
          await writeFile(join(dir, SNAPSHOT_INFO), JSON.stringify(info), { mode: 0o600 });
          await chmod(join(dir, SNAPSHOT_INFO), 0o600);
          const partial = `${file}.partial`;
          // Samba keeps NT ACLs in xattrs; the pid and log files belong to this run only.
          await run('tar', [
            '--xattrs',
            '--xattrs-include=*',
            '--acls',
            '--exclude=./run',
            '--exclude=./samba.log',
            '--exclude=./samba.stdout.log',
            '-cf',
            partial,
            '-C',
            dir,
            '.',
          ]);
          await rename(partial, file);
        });
      },
      stop,
    };
  } catch (error) {
    const tail = await readFile(join(dir, 'samba.stdout.log'), 'utf8').catch(() => '');
    await stop().catch(() => undefined);
    if (tail) log(`samba: last output:\n${tail.split('\n').slice(-20).join('\n')}`);
    throw error;
  }
}

const SNAPSHOT_INFO = 'latchkey-snapshot.json';

/**
 * Unpacks a snapshot into `dir` and points its smb.conf at the new directory and address. The database holds no
 * absolute path or address of its own (provisioned with --dns-backend=NONE), only smb.conf does.
 */
async function restoreSnapshot(
  file: string,
  dir: string,
  conf: string,
  ip: string,
  log: (line: string) => void,
): Promise<SnapshotInfo> {
  const startedAt = Date.now();
  await run('tar', ['--xattrs', '--xattrs-include=*', '--acls', '-xf', file, '-C', dir]);
  const info = JSON.parse(await readFile(join(dir, SNAPSHOT_INFO), 'utf8')) as SnapshotInfo;
  const text = await readFile(conf, 'utf8');
  await writeFile(conf, text.split(info.dir).join(dir).split(info.ip).join(ip));
  log(`samba: unpacked ${file} in ${Date.now() - startedAt} ms`);
  return info;
}

/**
 * A persistent DC folder from an earlier start, pointed at this start's address (the claim may hand out another
 * loopback address than last time); undefined, with the folder emptied, when no provisioning finished in it.
 */
async function reuseDirectory(dir: string, conf: string, ip: string): Promise<SnapshotInfo | undefined> {
  const info = await readFile(join(dir, SNAPSHOT_INFO), 'utf8').then(
    (text) => JSON.parse(text) as SnapshotInfo,
    () => undefined,
  );
  if (!info || !existsSync(conf)) {
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true, mode: 0o700 });
    return undefined;
  }
  if (info.ip !== ip || info.dir !== dir) {
    const text = await readFile(conf, 'utf8');
    await writeFile(conf, text.split(info.dir).join(dir).split(info.ip).join(ip));
    await writeFile(join(dir, SNAPSHOT_INFO), JSON.stringify({ ...info, dir, ip }), { mode: 0o600 });
  }
  return { ...info, dir, ip };
}

async function addGlobalOption(conf: string, name: string, value: string): Promise<void> {
  const text = await readFile(conf, 'utf8');
  await writeFile(conf, text.replace(/^\[global\]$/m, `[global]\n\t${name} = ${value}`));
}

async function setDomainPolicy(admin: Client, baseDn: string, lockoutThreshold: number): Promise<void> {
  // Written over LDAP rather than with `samba-tool domain passwordsettings`, which costs a second of Python
  // start-up; Samba reads the policy from the domain object on every logon.
  await admin.modify(baseDn, [
    new Change({
      operation: 'replace',
      modification: new Attribute({ type: 'lockoutThreshold', values: [String(lockoutThreshold)] }),
    }),
    new Change({ operation: 'replace', modification: new Attribute({ type: 'minPwdAge', values: ['0'] }) }),
  ]);
}

async function addUser(
  admin: Client,
  dn: string,
  username: string,
  userPrincipalName: string,
  password: string,
  options: CreateUserOptions,
): Promise<void> {
  const attribute = (type: string, ...values: string[]) => new Attribute({ type, values });
  const attributes = [
    attribute('objectClass', 'top', 'person', 'organizationalPerson', 'user'),
    attribute('sAMAccountName', username),
    attribute('userPrincipalName', userPrincipalName),
    attribute('displayName', options.displayName ?? username),
    // NORMAL_ACCOUNT, plus ACCOUNTDISABLE when asked for.
    attribute('userAccountControl', options.disabled ? '514' : '512'),
    // In the add itself: an enabled account without a password breaks the policy and is refused.
    new Attribute({ type: 'unicodePwd', values: [Buffer.from(`"${password}"`, 'utf16le')] }),
  ];
  if (options.mail) attributes.push(attribute('mail', options.mail));
  if (options.mustChangeAtNextLogon) attributes.push(attribute('pwdLastSet', '0'));
  if (options.adminCount) attributes.push(attribute('adminCount', '1'));
  await admin.add(dn, attributes);
}

/**
 * The rights a real deployment should delegate, and no more: Reset Password plus write pwdLastSet and
 * lockoutTime, inherited by user objects in the OU (CIIO + inherited object type "user").
 */
async function delegateResetRights(
  admin: Client,
  conf: string,
  dir: string,
  ou: string,
  trusteeDn: string,
): Promise<void> {
  const { searchEntries } = await admin.search(trusteeDn, {
    scope: 'base',
    attributes: ['objectSid'],
    explicitBufferAttributes: ['objectSid'],
  });
  const sid = sidToString(searchEntries[0]?.objectSid as Buffer);
  const aces = [
    `(OA;CIIO;CR;${GUID_RESET_PASSWORD};${GUID_USER_CLASS};${sid})`,
    `(OA;CIIO;WP;${GUID_PWD_LAST_SET};${GUID_USER_CLASS};${sid})`,
    `(OA;CIIO;WP;${GUID_LOCKOUT_TIME};${GUID_USER_CLASS};${sid})`,
  ].join('');
  await sambaTool(
    ['dsacl', 'set', '-H', join(dir, 'private', 'sam.ldb'), '-s', conf, `--objectdn=${ou}`, `--sddl=${aces}`],
    'dsacl set',
  );
}

/** Binary objectSid (revision, count, 48-bit authority, little-endian sub-authorities) as S-1-5-21-…. */
function sidToString(sid: Buffer): string {
  const count = sid.readUInt8(1);
  const authority = sid.readUIntBE(2, 6);
  const subAuthorities = Array.from({ length: count }, (_, index) => sid.readUInt32LE(8 + index * 4));
  return ['S', sid.readUInt8(0), authority, ...subAuthorities].join('-');
}

async function waitForLdaps(
  child: ChildProcess,
  attempt: () => Promise<Client>,
  dir: string,
  timeoutMs: number,
): Promise<Client> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `samba exited (${child.exitCode ?? child.signalCode}) before LDAPS answered; see ${dir}/samba.stdout.log`,
      );
    }
    // The CA file only appears once Samba has generated its certificates on first start.
    if (existsSync(join(dir, 'private', 'tls', 'ca.pem'))) {
      try {
        return await attempt();
      } catch (error) {
        lastError = error;
      }
    }
    await sleep(150);
  }
  throw new Error(
    `Samba's LDAPS did not answer within ${timeoutMs} ms: ${(lastError as Error | undefined)?.message ?? 'no attempt'}`,
  );
}

interface AddressClaim {
  ip: string;
  record(pidFile: string, dir: string): Promise<void>;
  release(): Promise<void>;
}

interface ClaimRecord {
  ownerPid: number;
  pidFile?: string;
  dir?: string;
}

/**
 * LDAP ports are fixed, so each DC needs its own address. A claim file per address records which test
 * process owns it and where that DC's pid file is, so a DC left by a dead process is killed by its pid
 * file, and an address in use by a live parallel test file is skipped.
 */
async function claimAddress(ips: string[], log: (line: string) => void): Promise<AddressClaim> {
  for (const ip of ips) {
    const claimFile = join(tmpdir(), `latchkey-samba-${ip}.json`);
    const previous = await readClaim(claimFile);
    if (previous && previous.ownerPid !== process.pid && isAlive(previous.ownerPid)) continue;
    if (previous) {
      await killLeftover(previous, log);
      await unlink(claimFile).catch(() => undefined);
    }
    try {
      await writeFile(claimFile, JSON.stringify({ ownerPid: process.pid } satisfies ClaimRecord), { flag: 'wx' });
    } catch {
      continue; // another process claimed it between our read and write
    }
    if (await portOpen(ip, 636)) {
      log(`samba: something we did not start is listening on ${ip}:636; trying the next address`);
      await unlink(claimFile).catch(() => undefined);
      continue;
    }
    return {
      ip,
      record: (pidFile, dir) =>
        writeFile(claimFile, JSON.stringify({ ownerPid: process.pid, pidFile, dir } satisfies ClaimRecord)),
      release: async () => {
        const current = await readClaim(claimFile);
        if (current?.ownerPid === process.pid) await unlink(claimFile).catch(() => undefined);
      },
    };
  }
  throw new Error(`No free loopback address for a Samba DC among ${ips.join(', ')}`);
}

async function readClaim(file: string): Promise<ClaimRecord | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as ClaimRecord;
  } catch {
    return undefined;
  }
}

async function killLeftover(claim: ClaimRecord, log: (line: string) => void): Promise<void> {
  const pid = claim.pidFile ? Number((await readFile(claim.pidFile, 'utf8').catch(() => '')).trim()) : NaN;
  if (Number.isInteger(pid) && pid > 0 && (await isSamba(pid))) {
    log(`samba: stopping a DC left running by an earlier test run (pid ${pid})`);
    signalGroup(pid, 'SIGTERM');
    if (!(await waitForExit(pid, 5_000))) signalGroup(pid, 'SIGKILL');
  }
  if (claim.dir?.includes('latchkey-samba-')) await rm(claim.dir, { recursive: true, force: true });
}

async function terminate(child: ChildProcess): Promise<void> {
  const pid = child.pid;
  if (pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  signalGroup(pid, 'SIGTERM');
  const timer = setTimeout(() => signalGroup(pid, 'SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/** Samba runs in its own process group (detached); signalling the group also reaches any helper it forked. */
function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

async function isSamba(pid: number): Promise<boolean> {
  // Guards against a recycled pid: only a process that is really samba is signalled.
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return /(^|\/)samba(\0|$)|^samba:/.test(cmdline);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await sleep(100);
  }
  return !isAlive(pid);
}

function portOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 500 });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

async function sambaTool(args: string[], what: string): Promise<void> {
  try {
    await run('samba-tool', args, { maxBuffer: 16 * 1024 * 1024, env: { ...process.env, PYTHONWARNINGS: 'ignore' } });
  } catch (error) {
    const { stderr, stdout } = error as { stderr?: string; stdout?: string };
    const output = `${stderr ?? ''}\n${stdout ?? ''}`.trim().split('\n').slice(-15).join('\n');
    throw new Error(`samba-tool ${what} failed:\n${output}`);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function defaultLog(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Provider settings for this DC as its least-privilege service account: what an agent would be given. */
export function directoryConfigOf(dc: SambaDc) {
  return {
    url: dc.url,
    bindDn: dc.serviceAccount.dn,
    bindPassword: dc.serviceAccount.password,
    baseDn: dc.baseDn,
    caPem: dc.caPem,
    tlsServerName: dc.serverName,
  };
}
