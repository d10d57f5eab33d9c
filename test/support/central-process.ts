import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Role } from '../../server/runtime';
import { CENTRAL_BUNDLE, CENTRAL_MAIN } from '../../scripts/build-central';

/** One central process with its `--role=<role>`, as its own OS process, as a deployment runs it. */
export interface CentralProcess {
  role: Role;
  child: ChildProcess;
  output(): string;
  /** The first JSON log line whose msg is `message`; rejects if the process exits or the time runs out. */
  waitForLog(message: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** SIGTERM, then SIGKILL if it has not exited within a few seconds. */
  stop(): Promise<number | null>;
  exited: Promise<number | null>;
}

const running = new Set<ChildProcess>();

// A crashed test runner must not leave central processes polling the shared dev server.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * `source` runs server/main.ts under tsx, as `npm start` does; `compiled` runs what `npm run build` made, with its
 * prebuilt workflow bundle, as production does (`npm run start:prod`).
 */
export type CentralForm = 'source' | 'compiled';

export function spawnCentralProcess(
  role: Role,
  env: Record<string, string>,
  form: CentralForm = 'source',
  /** Arguments for node itself, before the entry point: V8 flags, or `--cpu-prof` for a bench that profiles it. */
  nodeArgs: string[] = [],
): CentralProcess {
  const entry =
    form === 'compiled'
      ? [CENTRAL_MAIN, `--role=${role}`, `--workflow-bundle=${CENTRAL_BUNDLE}`]
      : ['--import', 'tsx', 'server/main.ts', `--role=${role}`];
  const child = spawn(process.execPath, [...nodeArgs, ...entry], {
    cwd: join(__dirname, '..', '..'),
    // Only what the process is meant to see: nothing of this test runner's own settings.
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let output = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      running.delete(child);
      for (const listener of listeners) listener();
      resolve(code);
    });
  });

  const findLog = (message: string) => {
    // Only whole lines: the last one may still be arriving, cut mid-object.
    for (const line of output.split('\n').slice(0, -1)) {
      if (!line.startsWith('{')) continue;
      const entry = JSON.parse(line) as Record<string, unknown>;
      if (entry.msg === message) return entry;
    }
    return undefined;
  };

  return {
    role,
    child,
    output: () => output,
    exited,
    waitForLog(message, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`${role} process did not log "${message}" within ${timeoutMs} ms; output:\n${output}`));
        }, timeoutMs);
        const check = () => {
          const entry = findLog(message);
          if (entry) {
            clearTimeout(timer);
            listeners.delete(check);
            resolve(entry);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            clearTimeout(timer);
            listeners.delete(check);
            reject(new Error(`${role} process exited (${child.exitCode ?? child.signalCode}); output:\n${output}`));
          }
        };
        listeners.add(check);
        check();
      });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const code = await exited;
      clearTimeout(killer);
      return code;
    },
  };
}
