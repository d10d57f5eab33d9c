import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * What goes into the agent's package.json, worked out from what tsc emitted and from the repository's lockfile, so
 * that it cannot drift from the code: scripts/build-agent-package.ts writes it.
 */

/** Packages that belong to the central server: finding one in the agent means an import pulled the server in. */
export const CENTRAL_ONLY_PACKAGES = [
  'express',
  'knex',
  'knex-pglite',
  'pg',
  '@electric-sql/pglite',
  'twilio',
  'firebase-admin',
  'nodemailer',
  'web-push',
  'handlebars',
  'tsx',
];

function jsFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.js'))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** The npm packages the compiled code requires at run time (type-only imports are gone by then), sorted. */
export function requiredPackages(folder: string): string[] {
  const found = new Set<string>();
  for (const file of jsFiles(folder)) {
    for (const [, specifier] of readFileSync(file, 'utf8').matchAll(/\brequire\("([^"]+)"\)/g)) {
      if (specifier!.startsWith('.') || specifier!.startsWith('node:')) continue;
      const parts = specifier!.split('/');
      found.add(specifier!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!);
    }
  }
  return [...found].sort();
}

export interface Lockfile {
  packages: Record<string, { version?: string }>;
}

/**
 * The version the repository's lockfile installed, which is the one the tests ran against. Only the agent's direct
 * dependencies can be pinned this way: npm ignores an npm-shrinkwrap.json inside a tarball it installs as a
 * dependency (npm/cli#5349, #7977; tried with npm 11), so what lies below them resolves within their own ranges.
 */
export function lockedVersion(lock: Lockfile, name: string): string {
  const version = lock.packages[`node_modules/${name}`]?.version;
  if (!version) throw new Error(`${name} is required by the agent but is not in package-lock.json`);
  return version;
}
