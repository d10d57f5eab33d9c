#!/usr/bin/env node
// Plain JavaScript on purpose: this runs before node_modules exists. It installs the project's npm packages
// when they are missing or older than package-lock.json, then runs the given TypeScript entry point with tsx.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node scripts/bootstrap.mjs <entry.ts> [args…]');
  process.exit(2);
}

const lockFile = join(root, 'package-lock.json');
const marker = join(root, 'node_modules', '.latchkey-installed');
const wanted = createHash('sha256')
  .update(readFileSync(existsSync(lockFile) ? lockFile : join(root, 'package.json')))
  .digest('hex');
const installed = existsSync(marker) ? readFileSync(marker, 'utf8').trim() : '';

if (installed !== wanted) {
  const command = existsSync(lockFile) ? 'ci' : 'install';
  console.log(`[latchkey] Installing npm packages (npm ${command}); the first time takes about a minute…`);
  const started = Date.now();
  const result = spawnSync('npm', [command, '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (result.status !== 0) {
    console.error(
      `[latchkey] npm ${command} failed (exit ${result.status}). Fix the error above and run the command again.`,
    );
    process.exit(result.status ?? 1);
  }
  writeFileSync(marker, `${wanted}\n`);
  console.log(`[latchkey] npm packages installed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

const nodeArgs = ['--import', 'tsx'];
if (existsSync(join(root, '.env'))) nodeArgs.push(`--env-file=${join(root, '.env')}`);
const child = spawn(process.execPath, [...nodeArgs, join(root, entry), ...args], { cwd: root, stdio: 'inherit' });
// Ctrl-C reaches the child through the terminal's process group; forward what arrives otherwise.
for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
process.on('SIGINT', () => {});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
