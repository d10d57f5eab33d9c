import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** What a compiled build is made from: a change to any of these makes the build stale. */
const SOURCES = [
  'agent',
  'activities',
  'common',
  'plugins',
  'server',
  'workflows',
  'scripts',
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'tsconfig.build.json',
  'tsconfig.agent.json',
  'temporal.yaml',
];

/** The newest modification time under `path` (a file or a folder), in ms; 0 when it does not exist. */
function newestMs(path: string): number {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((newest, entry) => Math.max(newest, newestMs(join(path, entry))), stat.mtimeMs);
}

/** Whether `output` (a build's entry point) is missing or older than any source in the repository at `root`. */
export function isStale(root: string, output: string): boolean {
  const built = newestMs(join(root, output));
  return built === 0 || SOURCES.some((source) => newestMs(join(root, source)) > built);
}
