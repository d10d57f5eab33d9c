import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { startAgent, type RunningAgent } from '../../agent/agent';
import { DEFAULT_LOCKOUT_POLL_MS } from '../../common/domain/lockout';
import { parseCommandPublicKey } from '../../common/crypto/directory-command';
import { createLogger } from '../../common/logger';
import { parseActiveDirectoryConfig } from '../../plugins/directory/active-directory';
import type { LatchkeyRuntime } from '../../server/runtime';
import { directoryConfigOf, ensureSambaInstalled, startSambaDc, type SambaDc } from './samba-dc';

/** The demo domain's users: Latchkey users of the Demo Client too, with these addresses for their activation. */
export const DEMO_USERS = [
  { username: 'jdoe', displayName: 'Jane Doe', email: 'jane.doe@demo-client.example' },
  { username: 'asmith', displayName: 'Alex Smith', email: 'alex.smith@demo-client.example' },
  { username: 'bwong', displayName: 'Ben Wong', email: 'ben.wong@demo-client.example' },
] as const;

export const DEMO_REALM = 'DEMO.LATCHKEY.TEST';
const AGENT_NAME = 'demo-agent';

/** What the bind script needs to reach the demo domain, written beside it (data/demo-ad/directory.json). */
export interface DemoDirectoryInfo {
  url: string;
  realm: string;
  caFile: string;
  serverName: string;
}

export interface DemoDirectory {
  dc: SambaDc;
  agent: RunningAgent;
  /** The domain was provisioned by an earlier start and reused. */
  reused: boolean;
  users: ReadonlyArray<(typeof DEMO_USERS)[number] & { id: string; userPrincipalName: string }>;
  stop(): Promise<void>;
}

/** Why `npm start` runs no demo directory here, in words for one line; undefined when it can. */
export async function demoDirectoryUnavailable(
  env: Record<string, string | undefined>,
  log: (line: string) => void,
): Promise<string | undefined> {
  if (env.LATCHKEY_DEMO_DIRECTORY === 'off') return 'LATCHKEY_DEMO_DIRECTORY=off';
  if (process.platform !== 'linux') return `it needs Linux (Samba AD), and this is ${process.platform}`;
  if (process.getuid?.() !== 0) return 'provisioning Samba AD needs root (run npm start as root, or in a container)';
  try {
    await ensureSambaInstalled(log);
  } catch (error) {
    return (error as Error).message.split('\n')[0];
  }
  return undefined;
}

interface AgentCredential {
  agentId: string;
  token: string;
  commandPublicKey: string;
}

/**
 * `npm start`'s demo Active Directory: a Samba AD DC under <data>/demo-ad (provisioned on the first start, reused
 * after), its demo users as Latchkey users of the Demo Client, and an agent for that client running in this
 * process, registered through the MSP API and started as a real agent starts. Resets and unlocks then reach
 * a real directory, and the new password signs in to it.
 */
export async function startDemoDirectory(options: {
  runtime: LatchkeyRuntime;
  dataDir: string;
  apiKey: string;
  say: (line: string) => void;
}): Promise<DemoDirectory> {
  const { runtime, dataDir, apiKey, say } = options;
  const folder = join(dataDir, 'demo-ad');
  const dcDir = join(folder, 'dc');
  const firstTime = !existsSync(join(dcDir, 'latchkey-snapshot.json'));
  say(
    firstTime
      ? `Provisioning the demo Active Directory ${DEMO_REALM} in ${folder} (first start only; about half a minute)…`
      : `Starting the demo Active Directory ${DEMO_REALM} from ${folder}…`,
  );
  const dc = await startSambaDc({
    persistentDir: dcDir,
    realm: DEMO_REALM,
    netbiosDomain: 'DEMO',
    // Chosen once: a reused domain keeps the passwords it was provisioned with.
    adminPassword: `Adm!${randomBytes(12).toString('base64url')}1a`,
    serviceAccountPassword: `Svc!${randomBytes(12).toString('base64url')}1a`,
    // Samba also stops when this process does (its stdin closes); this is only the last resort.
    maximumRuntimeSeconds: 30 * 24 * 3600,
    startTimeoutMs: 60_000,
    log: (line) => say(line.replace(/^samba: /, 'demo directory: ')),
  });
  try {
    const info: DemoDirectoryInfo = {
      url: dc.url,
      realm: dc.realm,
      caFile: join(dcDir, 'private', 'tls', 'ca.pem'),
      serverName: dc.serverName,
    };
    writeFileSync(join(folder, 'directory.json'), `${JSON.stringify(info, null, 2)}\n`);
    const api = apiOf(runtime.url!, apiKey);
    const clientId = await demoClientId(api);
    const users = [];
    for (const user of DEMO_USERS) {
      const created = await ensureDirectoryUser(dc, user);
      users.push({ ...user, id: await ensureLatchkeyUser(api, clientId, user), userPrincipalName: created });
    }
    const credential = await ensureAgentCredential(api, clientId, join(folder, 'agent.json'));
    say('Starting the demo agent for the Demo Client…');
    const agent = await startAgent(
      {
        serverUrl: runtime.url!,
        token: credential.token,
        // What the agent reports as its host, as an installed agent does.
        name: hostname(),
        logLevel: 'warn',
        lockoutPollMs: DEFAULT_LOCKOUT_POLL_MS,
        temporalAddress: runtime.config.agentTemporalAddress ?? runtime.config.temporal.address,
        commandKey: parseCommandPublicKey(credential.commandPublicKey),
        temporalTransport: runtime.config.temporalTransport,
        directory: parseActiveDirectoryConfig(directoryConfigOf(dc)),
      },
      createLogger('warn', { service: 'latchkey-demo-agent' }),
    );
    return {
      dc,
      agent,
      reused: dc.reused,
      users,
      async stop() {
        await agent.stop();
        await dc.stop();
      },
    };
  } catch (error) {
    await dc.stop();
    throw error;
  }
}

/** The few fields of the API's answers this module reads. */
interface ApiBody {
  items?: Array<{ id: string; name?: string; username?: string; status?: string }>;
  id?: string;
  token?: string;
  commandPublicKey?: string;
}

type Api = (method: string, path: string, body?: unknown) => Promise<{ status: number; body: ApiBody | undefined }>;

function apiOf(url: string, apiKey: string): Api {
  return async (method, path, body) => {
    const response = await fetch(`${url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${apiKey}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: response.status, body: (await response.json().catch(() => undefined)) as ApiBody | undefined };
  };
}

async function demoClientId(api: Api): Promise<string> {
  const listed = await api('GET', '/clients?limit=200');
  const clients = listed.body?.items ?? [];
  const client = clients.find((c) => c.name === 'Demo Client') ?? clients[0];
  if (!client) throw new Error('the demo MSP has no client to attach the demo directory to');
  return client.id;
}

/** The user's UPN; an account from an earlier start is kept with whatever password it has now. */
async function ensureDirectoryUser(dc: SambaDc, user: (typeof DEMO_USERS)[number]): Promise<string> {
  const upn = `${user.username}@${dc.realm.toLowerCase()}`;
  try {
    // A password nobody is told: these users have "forgotten" theirs, and a reset gives them one.
    await dc.createUser(user.username, `Init!${randomBytes(12).toString('base64url')}1a`, {
      displayName: user.displayName,
      mail: user.email,
    });
  } catch (error) {
    if ((error as Error).name !== 'AlreadyExistsError') throw error;
  }
  return upn;
}

async function ensureLatchkeyUser(api: Api, clientId: string, user: (typeof DEMO_USERS)[number]): Promise<string> {
  const listed = await api('GET', `/clients/${clientId}/users?limit=200`);
  const found = (listed.body?.items ?? []).find((u) => u.username === user.username);
  if (found) return found.id;
  const created = await api('POST', `/clients/${clientId}/users`, user);
  if (created.status !== 201 || !created.body?.id) {
    throw new Error(`could not create the demo user ${user.username} (${created.status})`);
  }
  return created.body.id;
}

/**
 * The demo agent's credential, issued through the API on the first start and kept (mode 0600) for the next;
 * issued again if it was revoked meanwhile.
 */
async function ensureAgentCredential(api: Api, clientId: string, file: string): Promise<AgentCredential> {
  if (existsSync(file)) {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as AgentCredential;
    const listed = await api('GET', `/clients/${clientId}/agents`);
    const agent = (listed.body?.items ?? []).find((a) => a.id === saved.agentId);
    if (agent && agent.status !== 'revoked') return saved;
  }
  const issued = await api('POST', `/clients/${clientId}/agents`, { name: AGENT_NAME });
  const { id, token, commandPublicKey } = issued.body ?? {};
  if (issued.status !== 201 || !id || !token || !commandPublicKey) {
    throw new Error(`could not register the demo agent (${issued.status})`);
  }
  const credential: AgentCredential = { agentId: id, token, commandPublicKey };
  writeFileSync(file, `${JSON.stringify(credential)}\n`, { mode: 0o600 });
  // The mode applies only to a new file; a reissued credential may overwrite one made with another.
  chmodSync(file, 0o600);
  return credential;
}
