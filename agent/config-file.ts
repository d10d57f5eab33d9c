import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { Env } from '../common/env';
import { ConfigError } from '../common/errors';

/** Names the config file when `--config` does not; otherwise the default path below, if it exists. */
export const CONFIG_PATH_VARIABLE = 'LATCHKEY_AGENT_CONFIG';

/** Where a service install puts the config file: read without `--config` when it exists. */
export function defaultConfigPath(platform: NodeJS.Platform = process.platform, env: Env = process.env): string {
  if (platform === 'win32') return join(env.ProgramData ?? 'C:\\ProgramData', 'Latchkey Agent', 'config.json');
  return '/etc/latchkey-agent/config.json';
}

export interface AgentEnvironment {
  /** The config file's settings with the process's environment over them. */
  env: Env;
  /** The file read, if any. */
  file?: string;
}

/**
 * The agent's settings: its config file (a JSON object keyed by the same names as the environment variables, so
 * that agent/package/README.md's one table describes both) with the environment over it, so an env-only setup, as
 * `npm run agent` and containers use, keeps working and one value can be overridden for a single run.
 */
export function agentEnvironment(
  known: readonly string[],
  options: { configPath?: string; env?: Env; platform?: NodeJS.Platform } = {},
): AgentEnvironment {
  const env = options.env ?? process.env;
  const named = options.configPath ?? env[CONFIG_PATH_VARIABLE];
  const file = named ? resolve(named) : defaultConfigPath(options.platform, env);
  if (!named && !existsSync(file)) return { env };
  return { env: { ...readConfigFile(file, known, options.platform), ...env }, file };
}

/** Reads and checks the file; every problem is reported at once, named by the setting, never with its value. */
export function readConfigFile(
  file: string,
  known: readonly string[],
  platform: NodeJS.Platform = process.platform,
): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError([`${file}: ${code === 'ENOENT' ? 'no such file' : `cannot be read (${code})`}`]);
  }
  // The file holds the agent token and the bind password. Windows guards it with ACLs, which mode bits do not show.
  if (platform !== 'win32' && (statSync(file).mode & 0o007) !== 0) {
    throw new ConfigError([
      `${file}: every user of this machine can read it, and it holds the agent's token and the directory password; ` +
        `make it readable by the agent's user only (chmod 600, or chmod 640 with the agent's group)`,
    ]);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    // JSON.parse's message quotes the text around the error, which may be a secret: keep only where it is.
    const where = /position \d+|line \d+ column \d+/.exec((error as Error).message)?.[0];
    throw new ConfigError([`${file}: is not valid JSON${where ? ` (at ${where})` : ''}`]);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError([`${file}: must be a JSON object of settings, e.g. {"LATCHKEY_SERVER_URL": "https://…"}`]);
  }
  const problems: string[] = [];
  const settings: Record<string, string> = {};
  for (const [name, value] of Object.entries(parsed)) {
    if (!known.includes(name)) problems.push(`${file}: ${name}: is not a setting of the agent`);
    else if (typeof value === 'string') settings[name] = value;
    else if (typeof value === 'boolean' || typeof value === 'number') settings[name] = String(value);
    else problems.push(`${file}: ${name}: must be a string, a number or true/false`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  // A certificate next to the config file can be named by its file name alone, on either system.
  for (const [name, value] of Object.entries(settings)) {
    if (name.endsWith('_FILE') && value !== '' && !isAbsolute(value)) settings[name] = join(dirname(file), value);
  }
  return settings;
}
