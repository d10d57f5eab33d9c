import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * What goes into the agent's package.json and npm-shrinkwrap.json, worked out from what tsc emitted and from the
 * repository's lockfile, so that neither can drift from the code: scripts/build-agent-package.ts writes them.
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

interface LockEntry {
  version?: string;
  dev?: boolean;
  devOptional?: boolean;
  optional?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  [field: string]: unknown;
}

export interface Lockfile {
  packages: Record<string, LockEntry>;
}

/** Where npm finds `name` for the package installed at `from`: its own node_modules, then each parent's. */
function resolveInLock(lock: Lockfile, from: string, name: string): string | undefined {
  let base = from;
  for (;;) {
    const candidate = `${base ? `${base}/` : ''}node_modules/${name}`;
    if (lock.packages[candidate]) return candidate;
    if (!base) return undefined;
    const cut = base.lastIndexOf('/node_modules/');
    base = cut === -1 ? '' : base.slice(0, cut);
  }
}

/** The version the repository's lockfile installed, which is the one the tests ran against. */
export function lockedVersion(lock: Lockfile, name: string): string {
  const version = lock.packages[`node_modules/${name}`]?.version;
  if (!version) throw new Error(`${name} is required by the agent but is not in package-lock.json`);
  return version;
}

/**
 * The part of the repository's lockfile the agent's dependencies reach, at the same paths: an installed agent
 * gets exactly the transitive versions the tests ran against. Dev flags are dropped, since in the agent nothing
 * is a dev dependency.
 */
export function lockedSubtree(lock: Lockfile, roots: readonly string[]): Record<string, LockEntry> {
  const out: Record<string, LockEntry> = {};
  const queue: Array<{ from: string; name: string; optional: boolean }> = roots.map((name) => ({
    from: '',
    name,
    optional: false,
  }));
  while (queue.length > 0) {
    const { from, name, optional } = queue.shift()!;
    const path = resolveInLock(lock, from, name);
    if (!path) {
      if (optional) continue;
      throw new Error(`${name} (needed by ${from || 'the agent'}) is not in package-lock.json`);
    }
    if (out[path]) continue;
    const { dev: _dev, devOptional, ...entry } = lock.packages[path]!;
    out[path] = devOptional ? { ...entry, optional: true } : entry;
    const next = (deps: Record<string, string> | undefined, isOptional: (dep: string) => boolean) => {
      for (const dep of Object.keys(deps ?? {})) queue.push({ from: path, name: dep, optional: isOptional(dep) });
    };
    next(entry.dependencies, () => false);
    next(entry.optionalDependencies, () => true);
    next(entry.peerDependencies, (dep) => entry.peerDependenciesMeta?.[dep]?.optional === true);
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}
