import { spawn, type ChildProcess } from 'node:child_process';
import { Connection } from '@temporalio/client';
import { loadTemporalSettings, type TemporalSettings } from '../../common/temporal/settings';
import { keepTail, logOutput, stopChild } from './child-process';
import { freePort } from './free-port';

export interface DevServerOptions {
  cliPath: string;
  ip: string;
  grpcPort: number;
  /** Omit for an in-memory server. */
  dbFile?: string;
  namespace: string;
  logLevel: string;
  dynamicConfig: TemporalSettings['devServer']['dynamicConfig'];
  logFile?: string;
}

export interface DevServer {
  address: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export function devServerArgs(options: DevServerOptions): string[] {
  const args = [
    'server',
    'start-dev',
    '--ip',
    options.ip,
    '--port',
    String(options.grpcPort),
    '--namespace',
    options.namespace,
    '--log-level',
    options.logLevel,
  ];
  // Always headless: the Web UI that `npm start` shows is the standalone one (temporal-web-ui.ts), which can be told
  // to send the browser's credentials to the codec endpoint; the embedded one cannot.
  args.push('--headless');
  if (options.dbFile) args.push('--db-filename', options.dbFile);
  for (const [key, value] of Object.entries(options.dynamicConfig)) {
    args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);
  }
  return args;
}

/** The last lines a process printed, so that a server which dies at start can say why. */
async function waitUntilServing(
  address: string,
  child: ChildProcess,
  timeoutMs: number,
  output: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(
        `the Temporal dev server exited with code ${child.exitCode} while starting; it printed:\n${output() || '(nothing)'}`,
      );
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      await connection.healthService.check({});
      await connection.close();
      return;
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  throw new Error(
    `the Temporal dev server did not answer on ${address} within ${timeoutMs / 1000} s: ${String(lastError)}`,
  );
}

/** Starts `temporal server start-dev` as a child process and waits until its gRPC frontend answers. */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const child = spawn(options.cliPath, devServerArgs(options), { stdio: ['ignore', 'pipe', 'pipe'] });
  const output = keepTail(child);
  logOutput(child, options.logFile);
  const address = `${options.ip}:${options.grpcPort}`;
  const stop = () => stopChild(child, 10_000);
  try {
    await waitUntilServing(address, child, 60_000, output);
  } catch (error) {
    await stop();
    throw error;
  }
  return { address, process: child, stop };
}

/**
 * A headless, in-memory dev server on a free port, configured from temporal.yaml: what tests and benchmarks use.
 * `dynamicConfig` goes on top, for benchmarks that compare a value with temporal.yaml's.
 */
export async function startThrowawayDevServer(
  cliPath: string,
  logFile: string,
  dynamicConfig: DevServerOptions['dynamicConfig'] = {},
): Promise<DevServer> {
  const settings = loadTemporalSettings();
  return startDevServer({
    cliPath,
    ip: '127.0.0.1',
    grpcPort: await freePort(),
    namespace: settings.namespace,
    logLevel: 'error',
    dynamicConfig: { ...settings.devServer.dynamicConfig, ...dynamicConfig },
    logFile,
  });
}
