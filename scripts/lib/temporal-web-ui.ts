import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { keepTail, logOutput, stopChild } from './child-process';

export interface WebUiOptions {
  /** The ui-server binary (ensureTemporalUiServer). */
  binPath: string;
  /** The Temporal frontend it shows, host:port. */
  temporalAddress: string;
  ip: string;
  port: number;
  namespace: string;
  /** Latchkey's `/codec`, which the browser calls with the technician's console cookie. */
  codecEndpoint: string;
  /** Where its config file is written: the folder is the UI server's own, rewritten at every start. */
  configDir: string;
  logFile?: string;
}

export interface WebUi {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/**
 * The UI server's config. `includeCredentials` at this, the cluster level, is the one setting that makes the Web UI
 * send cookies with each decode while it keeps the endpoint it was given: the browser's own toggle counts only once
 * the user overrides the cluster's endpoint by hand (temporalio/ui `getCodecIncludeCredentials`).
 */
export function webUiConfig(options: WebUiOptions): Record<string, unknown> {
  return {
    temporalGrpcAddress: options.temporalAddress,
    host: options.ip,
    port: options.port,
    enableUi: true,
    defaultNamespace: options.namespace,
    // It would otherwise ask the internet for newer releases, which a self-hosted install should not do unasked.
    notifyOnNewVersion: false,
    hideLogs: true,
    // Its CSRF cookie must work over plain http on localhost, as the CLI's embedded UI allows.
    cors: { cookieInsecure: true },
    codec: { endpoint: options.codecEndpoint, passAccessToken: false, includeCredentials: true },
  };
}

async function waitUntilServing(url: string, child: ChildProcess, timeoutMs: number, output: () => string) {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(
        `the Temporal Web UI exited with code ${child.exitCode} while starting; it printed:\n${output() || '(nothing)'}`,
      );
    try {
      const response = await fetch(`${url}/api/v1/settings`, { signal: AbortSignal.timeout(1000) });
      if (response.ok) return;
      lastError = new Error(`HTTP ${response.status}`);
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`the Temporal Web UI did not answer on ${url} within ${timeoutMs / 1000} s: ${String(lastError)}`);
}

/** Starts the Temporal Web UI server for a Temporal frontend and waits until it serves its settings. */
export async function startWebUi(options: WebUiOptions): Promise<WebUi> {
  mkdirSync(options.configDir, { recursive: true });
  writeFileSync(
    join(options.configDir, 'base.yaml'),
    `# Written by Latchkey (scripts/lib/temporal-web-ui.ts) at every start; edits are lost.\n${stringify(webUiConfig(options))}`,
  );
  const child = spawn(options.binPath, ['--root', options.configDir, '--config', '.', 'start'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = keepTail(child);
  logOutput(child, options.logFile);
  const stop = () => stopChild(child, 5_000);
  // The address a person types and the cookie's site: `localhost`, as the codec endpoint is (docs/temporal-codec.md).
  const url = `http://${options.ip === '127.0.0.1' ? 'localhost' : options.ip}:${options.port}`;
  try {
    await waitUntilServing(`http://${options.ip}:${options.port}`, child, 30_000, output);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, process: child, stop };
}
