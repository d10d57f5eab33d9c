import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { startSambaDc, type SambaDc, type StartSambaDcOptions } from '../../test/support/samba';

const run = promisify(execFile);

/**
 * Bump when startSambaDc's set-up (policy, OU, service account, rights) or the bulk users change, so that an
 * older snapshot is not restored into a bench that expects otherwise.
 */
const SNAPSHOT_VERSION = 1;
const BULK_OU_RDN = 'OU=Bulk';

export interface BulkDomain {
  dc: SambaDc;
  /** The bulk users' DNs, `CN=bulk<i>,OU=Bulk,<base>`. */
  bulk: string[];
  /** How the domain came to be, for the bench's output. */
  how: string;
}

export function bulkDomainCacheFile(users: number, sambaVersion: string): string {
  const dir = process.env.LATCHKEY_SAMBA_CACHE_DIR ?? join(homedir(), '.cache', 'latchkey', 'samba-domains');
  return join(dir, `${users}-${sambaVersion}-${SNAPSHOT_VERSION}.tar`);
}

/**
 * A DC with `users` disabled bulk users, restored from a cached snapshot of its directory, or built (provision,
 * an offline fill through Samba's own modules, the snapshot saved) when there is none. Benches only: the snapshot
 * keeps its passwords and keys, and `npm test` never comes here.
 */
export async function startBulkDomain(
  users: number,
  options: StartSambaDcOptions,
  say: (line: string) => void,
): Promise<BulkDomain> {
  const sambaVersion = (await run('samba', ['--version'])).stdout.trim().replace(/^Version\s+/, '');
  const file = bulkDomainCacheFile(users, sambaVersion);
  const startedAt = Date.now();
  if (existsSync(file)) {
    say(`Restoring the ${users}-user domain from ${file}…`);
    const dc = await startSambaDc({ ...options, restoreFrom: file });
    const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
    return { dc, bulk: bulkDns(dc, users), how: `restored from ${file} in ${seconds} s` };
  }
  say(`No cached ${users}-user domain at ${file}: building it once (provision, offline fill, snapshot)…`);
  const dc = await startSambaDc(options);
  try {
    const fill = await dc.whileStopped(() => fillOffline(dc, users, say));
    mkdirSync(join(file, '..'), { recursive: true });
    const savingAt = Date.now();
    await dc.saveSnapshot(file);
    say(`… snapshot saved in ${((Date.now() - savingAt) / 1000).toFixed(1)} s`);
    const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
    return {
      dc,
      bulk: bulkDns(dc, users),
      how: `built in ${seconds} s (offline fill ${fill.seconds.toFixed(1)} s, ${fill.perSecond.toFixed(0)} users/s) and cached at ${file}`,
    };
  } catch (error) {
    await dc.stop().catch(() => undefined);
    throw error;
  }
}

function bulkDns(dc: SambaDc, users: number): string[] {
  return Array.from({ length: users }, (_, i) => `CN=bulk${i},${BULK_OU_RDN},${dc.baseDn}`);
}

/** bulk-users.py with Debian's python3, whose samba bindings open sam.ldb through the dsdb modules. */
function fillOffline(
  dc: SambaDc,
  users: number,
  say: (line: string) => void,
): Promise<{ seconds: number; perSecond: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      '/usr/bin/python3',
      [
        join(__dirname, 'bulk-users.py'),
        join(dc.dir, 'etc', 'smb.conf'),
        join(dc.dir, 'private', 'sam.ldb'),
        `${BULK_OU_RDN},${dc.baseDn}`,
        String(users),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PYTHONWARNINGS: 'ignore' } },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    let last = { done: 0, seconds: 0 };
    let reported = 0;
    createInterface({ input: child.stdout }).on('line', (line) => {
      const [done, seconds] = line.split(' ').map(Number);
      last = { done: done ?? 0, seconds: seconds ?? 0 };
      // Progress every 5,000 users, with the rate of the last stretch: it falls as the domain grows.
      if (last.done - reported >= 5_000 || last.done === users) {
        say(`  ${last.done} / ${users} users after ${last.seconds.toFixed(0)} s`);
        reported = last.done;
      }
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`bulk-users.py exited ${code}:\n${stderr.split('\n').slice(-15).join('\n')}`));
      else resolve({ seconds: last.seconds, perSecond: last.done / Math.max(last.seconds, 0.001) });
    });
  });
}
