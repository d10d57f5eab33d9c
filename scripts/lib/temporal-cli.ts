import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { TemporalSettings } from '../../common/temporal/settings';

type Say = (line: string) => void;

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string): string | undefined {
  for (const directory of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(directory, name);
    if (directory && isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** Where a built binary is kept per user, outside the repository, so every clone on the machine reuses it. */
function cachedBinaryPath(folder: string, version: string, file: string): string {
  const cacheRoot = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(cacheRoot, 'latchkey', folder, version, file);
}

export function cachedCliPath(version: string): string {
  return cachedBinaryPath('temporal-cli', version, 'temporal');
}

function findGo(): string | undefined {
  return onPath('go') ?? ['/usr/local/go/bin/go', '/usr/lib/go/bin/go'].find(isExecutable);
}

/**
 * The Temporal CLI (which embeds the dev server and the Web UI) is found in this order: TEMPORAL_CLI_PATH, a
 * `temporal` on PATH, the per-user cache; failing all three it is built once with `go install` into the cache,
 * outside the repository, so every later clone on the machine reuses it.
 */
export async function ensureTemporalCli(cli: TemporalSettings['cli'], say: Say): Promise<string> {
  const explicit = process.env.TEMPORAL_CLI_PATH;
  if (explicit) {
    if (!isExecutable(explicit)) throw new Error(`TEMPORAL_CLI_PATH=${explicit} is not an executable file`);
    return explicit;
  }
  const found = onPath('temporal');
  if (found) return found;
  const cached = cachedCliPath(cli.version);
  if (isExecutable(cached)) return cached;

  await goInstall(cli, cached, 'the Temporal CLI', 'put a `temporal` binary on PATH, or set TEMPORAL_CLI_PATH', say);
  return cached;
}

/**
 * A Go-built Temporal binary other than the CLI: the path in `envVar`, else the per-user cache, else built once
 * with `go install` into that cache, like the CLI.
 */
async function ensureGoBinary(
  pkg: { module: string; version: string },
  where: { envVar: string; cacheFolder: string; label: string },
  say: Say,
): Promise<string> {
  const explicit = process.env[where.envVar];
  if (explicit) {
    if (!isExecutable(explicit)) throw new Error(`${where.envVar}=${explicit} is not an executable file`);
    return explicit;
  }
  const cached = cachedBinaryPath(where.cacheFolder, pkg.version, 'server');
  if (!isExecutable(cached)) await goInstall(pkg, cached, where.label, `set ${where.envVar}`, say);
  return cached;
}

/** The full Temporal server, for the tests that need TLS and client certificates. */
export function ensureTemporalServer(server: TemporalSettings['server'], say: Say): Promise<string> {
  return ensureGoBinary(
    server,
    { envVar: 'TEMPORAL_SERVER_PATH', cacheFolder: 'temporal-server', label: 'the Temporal server' },
    say,
  );
}

/**
 * The standalone Temporal Web UI server, whose config (unlike the CLI's embedded UI) can make the browser send
 * credentials to the codec endpoint (about a minute to build).
 */
export function ensureTemporalUiServer(ui: TemporalSettings['ui'], say: Say): Promise<string> {
  return ensureGoBinary(
    ui,
    { envVar: 'TEMPORAL_UI_SERVER_PATH', cacheFolder: 'temporal-ui', label: 'the Temporal Web UI' },
    say,
  );
}

/** Builds `module@version` into the folder of `target`, reporting progress, since a cold build takes minutes. */
async function goInstall(
  pkg: { module: string; version: string },
  target: string,
  label: string,
  otherwise: string,
  say: Say,
): Promise<void> {
  const go = findGo();
  if (!go) {
    throw new Error(
      `${label} was not found and Go is not installed to build it. Install Go 1.25 or newer, or ${otherwise}.`,
    );
  }
  const binDirectory = join(target, '..');
  mkdirSync(binDirectory, { recursive: true });
  say(`Building ${label} ${pkg.version} with Go into ${binDirectory}.`);
  say('This happens once per machine and takes several minutes; progress follows.');
  const started = Date.now();
  await new Promise<void>((resolve, reject) => {
    const build = spawn(go, ['install', `${pkg.module}@${pkg.version}`], {
      env: { ...process.env, GOBIN: binDirectory, GOFLAGS: `${process.env.GOFLAGS ?? ''} -buildvcs=false`.trim() },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let downloads = 0;
    let lastReport = 0;
    const heartbeat = setInterval(() => {
      say(`  …still building (${Math.round((Date.now() - started) / 1000)} s, ${downloads} modules downloaded)`);
    }, 30_000);
    let tail = '';
    build.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      tail = (tail + chunk).slice(-4000);
      downloads += (chunk.match(/go: downloading/g) ?? []).length;
      if (downloads - lastReport >= 50) {
        lastReport = downloads;
        say(`  downloaded ${downloads} Go modules…`);
      }
    });
    build.on('error', (error) => {
      clearInterval(heartbeat);
      reject(error);
    });
    build.on('exit', (code) => {
      clearInterval(heartbeat);
      if (code === 0 && existsSync(target)) resolve();
      else reject(new Error(`go install ${pkg.module}@${pkg.version} failed (exit ${code}):\n${tail}`));
    });
  });
  say(`${label[0]!.toUpperCase()}${label.slice(1)} built in ${Math.round((Date.now() - started) / 1000)} s.`);
}
