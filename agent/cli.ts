import { LATCHKEY_VERSION } from '../common/version';
import { checkAgent } from './check';
import { defaultConfigPath } from './config-file';
import { exitWhenDone, runAgentProcess } from './run';

const COMMANDS = ['run', 'check', 'version', 'help'] as const;
type Command = (typeof COMMANDS)[number];

export const USAGE = `usage: latchkey-agent [run | check | version | help] [--config <file>]

  run       serve the client's directory for Latchkey until stopped (the default)
  check     read the config and try Latchkey, the directory and Temporal once, then exit
  version   print this agent's version

  --config <file>  the JSON config file; without it LATCHKEY_AGENT_CONFIG, else
                   ${defaultConfigPath()} if it exists.
                   Environment variables override the file's settings.`;

export type ParsedArguments = { command: Command; configPath?: string } | { error: string };

export function parseArguments(argv: readonly string[]): ParsedArguments {
  let command: Command | undefined;
  let configPath: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--config' || arg === '-c') {
      const value = argv[++i];
      if (!value || value.startsWith('-')) return { error: `${arg} needs a file` };
      configPath = value;
    } else if (arg.startsWith('--config=')) {
      configPath = arg.slice('--config='.length);
      if (!configPath) return { error: '--config needs a file' };
    } else if (arg === '--help' || arg === '-h') {
      command = 'help';
    } else if (arg === '--version' || arg === '-v') {
      command = 'version';
    } else if (!arg.startsWith('-') && !command && (COMMANDS as readonly string[]).includes(arg)) {
      command = arg as Command;
    } else {
      return { error: `unknown ${arg.startsWith('-') ? 'option' : 'command'} ${JSON.stringify(arg)}` };
    }
  }
  return { command: command ?? 'run', configPath };
}

/** The `latchkey-agent` command (and `npm run agent -- …` in the repository). */
export function runAgentCli(argv: readonly string[]): void {
  const parsed = parseArguments(argv);
  if ('error' in parsed) {
    console.error(`latchkey-agent: ${parsed.error}\n\n${USAGE}`);
    process.exit(2);
  }
  switch (parsed.command) {
    case 'help':
      console.log(USAGE);
      return;
    case 'version':
      console.log(LATCHKEY_VERSION);
      return;
    case 'check':
      return exitWhenDone(
        checkAgent(parsed.configPath).then((passed) => {
          if (!passed) throw new Error('a check failed (see above)');
        }),
      );
    case 'run':
      return runAgentProcess({ configPath: parsed.configPath });
  }
}
