import { mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, relative, resolve } from 'node:path';
import { ConfigError } from '../common/errors';
import { loadTemporalSettings } from '../common/temporal/settings';
import { loadConfig } from '../server/config';
import { describeDatabase } from '../server/db/connect';
import { startCentral } from '../server/roles';
import type { LatchkeyRuntime } from '../server/runtime';
import { ensureDevSecrets } from './lib/dev-secrets';
import { demoDirectoryUnavailable, startDemoDirectory, type DemoDirectory } from './lib/demo-directory';
import { ensureDevTenant } from './lib/dev-tenant';
import { ensureDevTechnician } from './lib/dev-technician';
import { say } from './lib/say';
import { ensureTemporalCli, ensureTemporalUiServer } from './lib/temporal-cli';
import { startDevServer } from './lib/temporal-dev-server';
import { startWebUi } from './lib/temporal-web-ui';
import { Cleanups } from './lib/cleanups';

function portIsFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolvePort) => {
    const probe = createServer();
    probe.once('error', () => resolvePort(false));
    probe.listen(port, host, () => probe.close(() => resolvePort(true)));
  });
}

/**
 * `npm start`: the whole product on one machine with no configuration. It starts the Temporal dev server
 * (persisting to the data folder) and its Web UI, then the central process in its `all` role (server/main.ts: the
 * HTTP server and the central worker in this process, as PGlite needs), and, where it can (Linux, as root, with
 * Samba installable), a demo Active Directory with an agent for the Demo Client (scripts/lib/demo-directory.ts).
 * It prints where everything is. Ctrl-C stops it all; the next start resumes where this one left off.
 */
async function main() {
  const root = join(__dirname, '..');
  const dataDir = resolve(process.env.LATCHKEY_DATA_DIR ?? join(root, 'data'));
  mkdirSync(dataDir, { recursive: true });
  const secrets = ensureDevSecrets(dataDir);
  if (secrets.created) say(`Generated development secrets in ${relative(root, secrets.file)}.`);
  // What this script decides is handed to loadConfig explicitly; process.env stays as the operator set it.
  const env: Record<string, string | undefined> = { ...process.env, LATCHKEY_DATA_DIR: dataDir, ...secrets.missing };

  // Everything started below is stopped on Ctrl-C, on a failure, or when a part dies; never left holding ports.
  const cleanups = new Cleanups();
  let stopping = false;
  const stop = (code: number) => {
    if (stopping) {
      say('Forcing exit.');
      process.exit(1);
    }
    stopping = true;
    say('Stopping…');
    void cleanups.run().finally(() => {
      say('Stopped.');
      process.exit(code);
    });
  };
  process.on('SIGINT', () => stop(0));
  process.on('SIGTERM', () => stop(0));

  try {
    const settings = loadTemporalSettings();
    const dev = settings.devServer;
    if (!env.TEMPORAL_ADDRESS) {
      for (const port of [dev.grpcPort, dev.uiPort]) {
        if (!(await portIsFree(dev.ip, port))) {
          throw new Error(
            `Port ${port} on ${dev.ip} is in use (another Temporal server?). Stop it, or set TEMPORAL_ADDRESS to use that server instead.`,
          );
        }
      }
      const cliPath = await ensureTemporalCli(settings.cli, say);
      const uiServerPath = await ensureTemporalUiServer(settings.ui, say);
      say(`Starting the Temporal dev server (data in ${relative(root, join(dataDir, dev.dbFile))})…`);
      const publicUrl = (env.LATCHKEY_PUBLIC_URL ?? 'http://localhost:3000').replace(/\/+$/, '');
      const namespace = env.TEMPORAL_NAMESPACE ?? settings.namespace;
      const temporal = await startDevServer({
        cliPath,
        ip: dev.ip,
        grpcPort: dev.grpcPort,
        dbFile: join(dataDir, dev.dbFile),
        namespace,
        logLevel: dev.logLevel,
        dynamicConfig: dev.dynamicConfig,
        logFile: join(dataDir, 'temporal.log'),
      });
      cleanups.push(() => temporal.stop());
      temporal.process.once('exit', (code, signal) => {
        if (stopping) return;
        // Ctrl-C reaches the dev server too, and it may exit before our own handler runs: that is a normal stop.
        if (code === 0 || signal) return stop(0);
        say(
          `The Temporal dev server exited unexpectedly (code ${code}); see ${relative(root, join(dataDir, 'temporal.log'))}.`,
        );
        stop(1);
      });
      const ui = await startWebUi({
        binPath: uiServerPath,
        temporalAddress: temporal.address,
        ip: dev.ip,
        port: dev.uiPort,
        namespace,
        codecEndpoint: `${publicUrl}/codec`,
        configDir: join(dataDir, 'temporal-ui'),
        logFile: join(dataDir, 'temporal-ui.log'),
      });
      cleanups.push(() => ui.stop());
      ui.process.once('exit', (code, signal) => {
        if (stopping || code === 0 || signal) return;
        say(
          `The Temporal Web UI exited unexpectedly (code ${code}); see ${relative(root, join(dataDir, 'temporal-ui.log'))}.`,
        );
        stop(1);
      });
      env.TEMPORAL_ADDRESS = temporal.address;
      env.TEMPORAL_UI_URL ??= ui.url;
    }

    const config = loadConfig(env);
    say(
      `Starting Latchkey (database: ${describeDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir })})…`,
    );
    const runtime = await startCentral('all', config, settings);
    cleanups.push(() => runtime.stop());
    runtime.workerStopped.catch((error: Error) => {
      say(`The worker crashed: ${error.message}`);
      stop(1);
    });
    const tenant = await ensureDevTenant(runtime, dataDir);
    const technician = await ensureDevTechnician(runtime, dataDir);
    const demo = await startDemoIfPossible(runtime, dataDir, tenant.keyFile, env);
    if (demo.directory) cleanups.push(() => demo.directory!.stop());
    printWelcome(root, runtime, secrets.file, tenant, technician, demo);
  } catch (error) {
    await cleanups.run();
    throw error;
  }
}

type Demo = { directory: DemoDirectory; unavailable?: undefined } | { directory?: undefined; unavailable: string };

/** The demo directory and its agent when this machine can run them; otherwise why not, for one line. */
async function startDemoIfPossible(
  runtime: LatchkeyRuntime,
  dataDir: string,
  keyFile: string,
  env: Record<string, string | undefined>,
): Promise<Demo> {
  const unavailable = await demoDirectoryUnavailable(env, say);
  if (unavailable) return { unavailable };
  const apiKey = readFileSync(keyFile, 'utf8').trim();
  return { directory: await startDemoDirectory({ runtime, dataDir, apiKey, say }) };
}

function demoLines(root: string, runtime: LatchkeyRuntime, keyFile: string, demo: Demo): string[] {
  const { config } = runtime;
  if (!demo.directory) {
    return [
      '',
      `No demo directory: ${demo.unavailable}. To reset real passwords, run an agent against a domain controller (agent/README.md).`,
    ];
  }
  const { dc, users } = demo.directory;
  const jdoe = users[0]!;
  const clientId = demo.directory.agent.clientId;
  return [
    '',
    `Demo directory      ${dc.realm} at ${dc.url}   (${demo.directory.reused ? 'reused' : 'new'}: ${relative(root, join(config.dataDir, 'demo-ad'))}; agent "demo-agent" running for the Demo Client)`,
    `  Demo users        ${users.map((user) => `${user.username} <${user.email}>`).join(', ')}`,
    '',
    "Reset jdoe's password:",
    `  1. Activate jdoe:  curl -s -X POST -H "Authorization: Bearer $(cat ${relative(root, keyFile)})" ${config.publicUrl}/api/v1/clients/${clientId}/users/${jdoe.id}/activate`,
    `  2. In the outbox (${config.publicUrl}/outbox), open the link in the email to ${jdoe.email}; enter a cell number`,
    '     (any, e.g. +1 415 555 0100), the code texted to it, then choose "By text message" with a PIN.',
    `  3. At ${config.publicUrl}/outbox/inbound, text "RESET <your PIN>" from that number: the reply holds a new password.`,
    `  4. Sign in to the demo domain with it:  npm run demo:bind -- jdoe`,
  ];
}

function printWelcome(
  root: string,
  runtime: LatchkeyRuntime,
  secretsFile: string,
  tenant: Awaited<ReturnType<typeof ensureDevTenant>>,
  technician: Awaited<ReturnType<typeof ensureDevTechnician>>,
  demo: Demo,
) {
  const { config } = runtime;
  const lines = [
    '',
    'Latchkey is running.',
    `  App and API         ${config.publicUrl}   (listening on ${runtime.url})`,
    `  API reference       ${config.publicUrl}/api/v1/openapi.json`,
    ...(runtime.outbox && config.http.loopbackOnly ? [`  Outbox (dev email/SMS) ${config.publicUrl}/outbox`] : []),
    `  Temporal Web UI     ${config.temporal.uiUrl}   (namespace ${runtime.namespace})`,
    `  Decoded in the UI   for console technicians (admin, helpdesk) while signed in: docs/temporal-codec.md`,
    `  Codec for the CLI   ${config.publicUrl}/codec   (Bearer LATCHKEY_CODEC_ADMIN_TOKEN in ${relative(root, secretsFile)})`,
    `  Console             ${config.publicUrl}/console   (sign-in: ${relative(root, technician.credentialsFile)}${technician.created ? ', new: password and TOTP secret for a Demo admin' : ''})`,
    `  Health              ${config.publicUrl}/healthz`,
    `  Dev API key         ${relative(root, tenant.keyFile)}${tenant.created ? '  (new: a Demo MSP and Demo Client were created)' : ''}`,
    '',
    'Try:',
    `  KEY=$(cat ${relative(root, tenant.keyFile)})`,
    `  curl -s -H "Authorization: Bearer $KEY" ${config.publicUrl}/api/v1/clients`,
    ...demoLines(root, runtime, tenant.keyFile, demo),
    '',
    'Press Ctrl-C to stop.',
  ];
  console.log(lines.join('\n'));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) console.error(error.message);
  else console.error(`[latchkey] npm start failed: ${(error as Error).message}`);
  process.exit(1);
});
