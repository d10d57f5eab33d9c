import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface DebianPackages {
  /** What the packages are for, in the messages: "samba", "chromium". */
  label: string;
  /** What they are needed for, for the message to a user who is not root. */
  neededFor: string;
  packages: readonly string[];
  /** A command that must be on PATH once they are installed. */
  command: string;
  /** How long the install takes, for the progress line. */
  takes: string;
}

/** Installs the packages with apt-get when any is missing and we are root; otherwise says what to install. */
export async function ensureDebianPackages(wanted: DebianPackages, log: (line: string) => void): Promise<void> {
  const missing = await missingPackages(wanted);
  if (missing.length === 0) return;
  const install = ['install', '-y', '--no-install-recommends', ...wanted.packages];
  if (process.getuid?.() !== 0) {
    throw new Error(
      `${wanted.neededFor} but ${missing.join(', ')} is not installed. As root run: apt-get ${install.join(' ')}`,
    );
  }
  log(`${wanted.label}: installing ${missing.join(', ')} (${wanted.takes})`);
  await streamCommand(wanted.label, 'apt-get', ['update'], log);
  await streamCommand(wanted.label, 'apt-get', install, log);
  const still = await missingPackages(wanted);
  if (still.length > 0) throw new Error(`${wanted.label} install finished but ${still.join(', ')} is still missing`);
  log(`${wanted.label}: installed`);
}

async function missingPackages(wanted: DebianPackages): Promise<string[]> {
  const missing: string[] = [];
  for (const name of wanted.packages) {
    const status = await run('dpkg-query', ['-W', '-f=${Status}', name]).then(
      ({ stdout }) => stdout,
      () => '',
    );
    if (!status.includes('install ok installed')) missing.push(name);
  }
  if (missing.length === 0 && !(await onPath(wanted.command))) missing.push(`${wanted.command} (not on PATH)`);
  return missing;
}

async function onPath(command: string): Promise<boolean> {
  return run('sh', ['-c', `command -v ${command}`]).then(
    () => true,
    () => false,
  );
}

function streamCommand(label: string, command: string, args: string[], log: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    const forward = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) if (line.trim()) log(`${label}: ${command}: ${line.trim()}`);
    };
    child.stdout.on('data', forward);
    child.stderr.on('data', forward);
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited with ${code}`)),
    );
  });
}
