import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { CENTRAL_ONLY_PACKAGES, lockedVersion, requiredPackages, type Lockfile } from './lib/agent-package';
import { say } from './lib/say';

/** Files of agent/package/ that ship as they are, and where they go in the package. */
const SHIPPED = [
  ['README.md', 'README.md'],
  ['config.example.json', 'config.example.json'],
  ['latchkey-agent.service', 'service/latchkey-agent.service'],
  ['latchkey-agent.xml', 'service/latchkey-agent.xml'],
] as const;

function run(command: string, args: string[], cwd: string): string {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status}):\n${result.stdout}${result.stderr}`);
  }
  return result.stdout;
}

/**
 * `npm run build:agent`: the agent as an npm package an MSP installs on a client's server with nothing else of
 * this repository. Compiles agent/main.ts and what it imports with tsc into dist/agent-package (no tsx at run
 * time), writes a package.json whose dependencies are what that code requires, pinned to the lockfile's versions,
 * adds the README, a sample config and the service files, and packs it into dist/latchkey-agent-<version>.tgz.
 * Prints the tarball's path last.
 */
export function buildAgentPackage(root: string): string {
  const started = Date.now();
  const step = (line: string) => say(`[build:agent ${((Date.now() - started) / 1000).toFixed(1)} s] ${line}`);
  const out = join(root, 'dist', 'agent-package');
  const { version, license, engines } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    version: string;
    license: string;
    engines: Record<string, string>;
  };
  rmSync(out, { recursive: true, force: true });

  step('Compiling the agent with tsc (tsconfig.agent.json)…');
  run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.agent.json'], root);

  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as Lockfile;
  const required = requiredPackages(out);
  const central = required.filter((name) => CENTRAL_ONLY_PACKAGES.includes(name));
  if (central.length > 0) {
    throw new Error(`the agent's code requires ${central.join(', ')}, which only the central server may use`);
  }
  const dependencies = Object.fromEntries(required.map((name) => [name, lockedVersion(lock, name)]));
  step(
    `Runtime dependencies: ${Object.entries(dependencies)
      .map(([n, v]) => `${n}@${v}`)
      .join(', ')}`,
  );

  const manifest = {
    name: 'latchkey-agent',
    version,
    description: "Latchkey's on-premises agent: resets passwords and unlocks accounts in a client's Active Directory.",
    license,
    type: 'commonjs',
    bin: { 'latchkey-agent': 'agent/main.js' },
    engines,
    dependencies,
  };
  writeFileSync(join(out, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  for (const [from, to] of SHIPPED) {
    mkdirSync(join(out, to, '..'), { recursive: true });
    copyFileSync(join(root, 'agent', 'package', from), join(out, to));
  }
  chmodSync(join(out, 'agent', 'main.js'), 0o755);

  step('Packing with npm pack…');
  const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', join(root, 'dist')], out)) as Array<{
    filename: string;
  }>;
  const tarball = join(root, 'dist', packed[0]!.filename);
  step(`Wrote ${relative(process.cwd(), tarball)} (${Math.round(statSync(tarball).size / 1024)} KiB)`);
  return tarball;
}

if (require.main === module) {
  try {
    const tarball = buildAgentPackage(join(__dirname, '..'));
    console.log(tarball);
  } catch (error) {
    say(`Building the agent package failed: ${(error as Error).message}`);
    process.exit(1);
  }
}
