import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CENTRAL_ONLY_PACKAGES } from '../../scripts/lib/agent-package';
import { apiClient } from '../support/http';
import { untilFirstHeartbeat } from '../support/agent-process';
import { enrolledDirectoryUser, passwordTextedTo } from '../support/reset-setup';
import { directoryConfigOf, startSambaDc, type SambaDc } from '../support/samba';
import { createTenant, startTestStack, type TestStack } from '../support/stack';

/**
 * The agent as an MSP installs it (agent/package/README.md): `npm run build:agent`, then `npm install` of the
 * tarball into an empty folder outside the repository, then the installed `latchkey-agent` command with a config
 * file and an environment that holds nothing of this repository's, against real Samba, Temporal and Latchkey.
 */

const ROOT = join(__dirname, '..', '..');

/**
 * What a child npm or agent may see: a PATH and a HOME (for npm's cache), nothing else. `npm test` sets npm_*
 * variables (npm_config_local_prefix among them, which points at this repository) that would install there.
 */
const cleanEnv = (): Record<string, string> => ({
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: process.env.HOME ?? '/root',
});

/** Runs a command, printing its output as it comes (the build and the install take a while), and resolves with it. */
function runLogged(label: string, command: string, args: string[], cwd: string, env = cleanEnv()): Promise<string> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const show = (chunk: Buffer) => {
      output += chunk.toString();
      for (const line of chunk.toString().split('\n').filter(Boolean)) process.stderr.write(`  [${label}] ${line}\n`);
    };
    child.stdout.on('data', show);
    child.stderr.on('data', show);
    child.on('error', reject);
    child.on('exit', (code) => {
      process.stderr.write(`  [${label}] exit ${code} after ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
      if (code === 0) resolve(output);
      else reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${output}`));
    });
  });
}

/** Runs a command to its end without blocking this process (which serves the stack), whatever its exit code. */
function runCommand(command: string, args: string[], cwd: string): Promise<{ status: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => void (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => void (stdout += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (status) => resolve({ status, stdout }));
  });
}

function filesUnder(folder: string): string[] {
  return readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(folder.length + 1));
}

describe('the agent package, installed on its own', () => {
  let dc: SambaDc;
  let stack: TestStack;
  let folder: string;
  let installed: string;
  let rootVersion: string;
  const agents: ChildProcess[] = [];

  before(async () => {
    rootVersion = (JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    // Samba and the stack start while the package builds and installs.
    const services = Promise.all([startSambaDc(), startTestStack()]);
    const built = await runLogged('build:agent', 'npm', ['run', '--silent', 'build:agent'], ROOT);
    const tarball = built.trim().split('\n').at(-1)!;
    assert.ok(tarball.endsWith(`latchkey-agent-${rootVersion}.tgz`), tarball);
    folder = await mkdtemp(join(tmpdir(), 'latchkey-agent-install-'));
    await runLogged(
      'npm install',
      'npm',
      ['install', '--prefer-offline', '--no-audit', '--no-fund', '--omit=dev', tarball],
      folder,
    );
    installed = join(folder, 'node_modules', 'latchkey-agent');
    [dc, stack] = await services;
  });

  after(async () => {
    for (const agent of agents) if (agent.exitCode === null && agent.signalCode === null) agent.kill('SIGKILL');
    await stack?.stop();
    await dc?.stop();
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  it("ships compiled JavaScript with only the agent's dependencies, pinned, and its service files", async () => {
    const manifest = JSON.parse(await readFile(join(installed, 'package.json'), 'utf8')) as {
      version: string;
      bin: Record<string, string>;
      dependencies: Record<string, string>;
    };
    assert.equal(manifest.version, rootVersion);
    assert.deepEqual(manifest.bin, { 'latchkey-agent': 'agent/main.js' });
    const lock = JSON.parse(await readFile(join(ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { version: string }>;
    };
    for (const [name, version] of Object.entries(manifest.dependencies)) {
      assert.equal(version, lock.packages[`node_modules/${name}`]?.version, `${name} is pinned to the lockfile`);
    }
    assert.ok(manifest.dependencies['@temporalio/worker'] && manifest.dependencies.ldapts);
    assert.deepEqual(
      Object.keys(manifest.dependencies).filter((name) => CENTRAL_ONLY_PACKAGES.includes(name)),
      [],
      'no package of the central server, and no tsx',
    );
    // The worker's native bridge came with it, built for Linux and Windows.
    const releases = readdirSync(join(folder, 'node_modules', '@temporalio', 'core-bridge', 'releases'));
    assert.ok(
      releases.includes('x86_64-unknown-linux-gnu') && releases.includes('x86_64-pc-windows-msvc'),
      `${releases}`,
    );

    const files = filesUnder(installed);
    assert.deepEqual(
      files.filter((file) => file.endsWith('.ts') || /^(server|test|workflows|scripts|bench)\//.test(file)),
      [],
      'compiled JavaScript only, and nothing of the server, the workflows or the tests',
    );
    for (const file of [
      'README.md',
      'config.example.json',
      'service/latchkey-agent.service',
      'service/latchkey-agent.xml',
    ])
      assert.ok(files.includes(file), `${file} ships`);
    assert.ok(!files.some((file) => file.startsWith('plugins/sms') || file.startsWith('plugins/email')));
    if (spawnSync('systemd-analyze', ['--version']).status === 0) {
      const verified = spawnSync('systemd-analyze', ['verify', join(installed, 'service', 'latchkey-agent.service')], {
        encoding: 'utf8',
      });
      assert.equal(verified.status, 0, verified.stderr);
      assert.equal(verified.stderr.trim(), '', 'systemd finds nothing to complain about in the unit');
    }

    const version = spawnSync(join(folder, 'node_modules', '.bin', 'latchkey-agent'), ['version'], {
      env: cleanEnv(),
      encoding: 'utf8',
    });
    assert.equal(version.stdout.trim(), rootVersion);
  });

  it(
    'checks its config, runs from it as a service would, resets a password, and stops on SIGTERM',
    { timeout: 120_000 },
    async () => {
      const tenant = await createTenant(stack, 'Package MSP');
      // Not "must change at next logon", so that the final bind with the texted password succeeds outright.
      await stack.runtime.stores.tenants.updateSettings(tenant.clientId, {
        requireSmsPin: false,
        mustChangeAtNextLogon: false,
      });
      const api = apiClient(stack.url, tenant.apiKey);
      const issued = await api('POST', `/clients/${tenant.clientId}/agents`, { name: 'packaged' });
      assert.equal(issued.status, 201, JSON.stringify(issued.body));

      // The config file the package README describes, with the DC's CA beside it, named relatively.
      const directory = directoryConfigOf(dc);
      await writeFile(join(folder, 'dc-ca.pem'), directory.caPem);
      const configFile = join(folder, 'config.json');
      await writeFile(
        configFile,
        JSON.stringify({
          LATCHKEY_SERVER_URL: stack.url,
          LATCHKEY_AGENT_TOKEN: issued.body.token,
          LATCHKEY_AGENT_COMMAND_KEY: issued.body.commandPublicKey,
          LATCHKEY_AGENT_TEMPORAL_ADDRESS: stack.runtime.config.temporal.address,
          LATCHKEY_AGENT_NAME: 'packaged-dc01',
          LATCHKEY_LOG_LEVEL: 'info',
          AD_URL: directory.url,
          AD_BIND_DN: directory.bindDn,
          AD_BIND_PASSWORD: directory.bindPassword,
          AD_BASE_DN: directory.baseDn,
          AD_CA_FILE: 'dc-ca.pem',
          AD_TLS_SERVER_NAME: directory.tlsServerName,
        }),
        { mode: 0o600 },
      );
      await chmod(configFile, 0o600);
      const bin = join(folder, 'node_modules', '.bin', 'latchkey-agent');

      // Not spawnSync: the Latchkey server it calls runs in this process and must keep answering meanwhile.
      const check = await runCommand(bin, ['check', '--config', configFile], folder);
      assert.equal(check.status, 0, check.stdout);
      assert.equal(check.stdout.match(/^ok /gm)?.length, 3, check.stdout);
      const listedBefore = await api('GET', `/clients/${tenant.clientId}/agents`);
      assert.equal(listedBefore.body.items[0].lastSeenAt, null, 'check sends no heartbeat');

      const agent = spawn(bin, ['run', '--config', configFile], {
        cwd: folder,
        env: cleanEnv(),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      agents.push(agent);
      let output = '';
      agent.stdout!.on('data', (chunk: Buffer) => void (output += chunk.toString()));
      agent.stderr!.on('data', (chunk: Buffer) => void (output += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => agent.once('exit', (code) => resolve(code)));

      const listed = await untilFirstHeartbeat(api, tenant.clientId, issued.body.id, agent, () => output, 60_000);
      assert.deepEqual(
        { status: listed.status, version: listed.version, outdated: listed.outdated, hostname: listed.hostname },
        { status: 'online', version: rootVersion, outdated: false, hostname: 'packaged-dc01' },
      );
      assert.match(output, /Read the config file/);

      const user = await enrolledDirectoryUser(stack, tenant, dc);
      const seen = new Set(stack.outbox.list().map((m) => m.id));
      const reset = await user.api('POST', `/clients/${tenant.clientId}/users/${user.userId}/reset-password`);
      assert.equal(reset.status, 200, `${JSON.stringify(reset.body)}\nagent output:\n${output}`);
      assert.equal(reset.body.status, 'completed');
      const password = await passwordTextedTo(stack, user.phone, seen);
      await dc.bind(user.upn, password);
      await assert.rejects(dc.bind(user.upn, user.initialPassword), /data 52e/, 'the old password is gone');

      // systemd stops the service with SIGTERM: the worker drains and the process exits 0.
      agent.kill('SIGTERM');
      assert.equal(await exited, 0, output);
      assert.ok(!output.includes(password), 'the password never reaches the agent log');
      assert.ok(!output.includes(directory.bindPassword), 'nor the bind password');
      assert.ok(existsSync(configFile));
    },
  );
});
