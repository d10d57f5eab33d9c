import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { say } from './say';

/** The folders whose code the checks cover: every layer, plus the tooling that builds stacks for tests. */
const SOURCE_FOLDERS = ['common', 'plugins', 'workflows', 'activities', 'server', 'agent', 'scripts', 'test', 'bench'];

interface Check {
  name: string;
  /** A package's bin script under node_modules, run with this Node so that no shell or npx is involved. */
  bin: string;
  args: string[];
  fix: string;
}

function checks(root: string): Check[] {
  const knownViolations = join(root, '.dependency-cruiser-known-violations.json');
  return [
    {
      name: 'Formatting (prettier --check)',
      bin: 'prettier/bin/prettier.cjs',
      args: [
        '--check',
        '--log-level=warn',
        '--cache',
        '--cache-location',
        join(root, 'node_modules/.cache/prettier.json'),
        '.',
      ],
      fix: 'run `npm run format`',
    },
    {
      name: 'Lint (eslint)',
      bin: 'eslint/bin/eslint.js',
      // The cache keeps a warm run to seconds; it is keyed on file contents and the config.
      args: ['--cache', '--cache-location', join(root, 'node_modules/.cache/eslint/'), '--max-warnings=0', '.'],
      fix: 'fix the lines named above (`npx eslint --fix .` mends some)',
    },
    {
      name: 'Layer rules (dependency-cruiser, .dependency-cruiser.cjs)',
      bin: 'dependency-cruiser/bin/dependency-cruise.mjs',
      args: [
        ...SOURCE_FOLDERS,
        '--config',
        join(root, '.dependency-cruiser.cjs'),
        '--output-type',
        'err',
        ...(existsSync(knownViolations) ? ['--ignore-known', knownViolations] : []),
      ],
      fix: "each line names the rule and the two files; the rule's comment in .dependency-cruiser.cjs says why",
    },
    {
      name: 'Types (tsc --noEmit)',
      bin: 'typescript/bin/tsc',
      args: [
        '--noEmit',
        '--incremental',
        '--tsBuildInfoFile',
        join(root, 'node_modules/.cache/tsc.tsbuildinfo'),
        '-p',
        root,
      ],
      fix: 'fix the type errors above',
    },
  ];
}

/** Runs every static check, all of them even after a failure, so one run shows every problem. */
export function runStaticChecks(root: string): boolean {
  let ok = true;
  for (const check of checks(root)) {
    const started = Date.now();
    const result = spawnSync(process.execPath, [join(root, 'node_modules', check.bin), ...check.args], {
      cwd: root,
      stdio: 'inherit',
    });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    if (result.status === 0) {
      say(`${check.name}: ok (${seconds} s)`);
    } else {
      say(`${check.name}: FAILED (${seconds} s); ${check.fix}.`);
      ok = false;
    }
  }
  return ok;
}
