import type { ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';

/** The last `maxChars` of a child's stdout and stderr, for the error when it fails to start. */
export function keepTail(child: ChildProcess, maxChars = 2_000): () => string {
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-maxChars);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return () => tail.trim();
}

/** Appends the child's output to `logFile`; without one, drains it, so a full pipe cannot stall the child. */
export function logOutput(child: ChildProcess, logFile: string | undefined): void {
  if (logFile) {
    const log = createWriteStream(logFile, { flags: 'a' });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
  } else {
    child.stdout?.resume();
    child.stderr?.resume();
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the child has exited (at once if it already had). */
export function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(killer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
