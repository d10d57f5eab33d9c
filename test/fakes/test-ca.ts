import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { join } from 'node:path';
import tls from 'node:tls';

/**
 * A certificate authority made with openssl for one test process, under .tmp/, so fakes of vendor services speak
 * real TLS and the SDKs under test verify it: only an agent that trusts this CA gets through, as in production
 * only the real service's certificate would.
 */
export interface TestCa {
  /** The CA certificate (PEM), for an agent's `ca`. */
  readonly cert: string;
  /** A key and certificate for these names (IP addresses become IP SANs), signed by the CA. */
  issue(names: readonly string[]): { key: string; cert: string };
  /** An agent that trusts only this CA; what a test hands to a push provider. */
  agent(options?: https.AgentOptions): https.Agent;
}

const ROOT = join(__dirname, '..', '..', '.tmp', 'test-ca');
let shared: TestCa | undefined;

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** The process's CA, made on first use; every fake in one test file shares it. */
export function testCa(): TestCa {
  return (shared ??= createTestCa());
}

function createTestCa(): TestCa {
  const dir = join(ROOT, `${process.pid}-${randomUUID().slice(0, 8)}`);
  mkdirSync(dir, { recursive: true });
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key'], dir);
  openssl(
    [
      'req',
      '-x509',
      '-new',
      '-key',
      'ca.key',
      '-sha256',
      '-days',
      '2',
      '-subj',
      '/CN=Latchkey test CA',
      '-out',
      'ca.pem',
    ],
    dir,
  );
  const cert = readFileSync(join(dir, 'ca.pem'), 'utf8');
  let serial = 0;
  return {
    cert,
    issue(names) {
      const name = `leaf${++serial}`;
      const sans = names.map((n) => (/^[\d.]+$|:/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(',');
      writeFileSync(
        join(dir, `${name}.ext`),
        `subjectAltName=${sans}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n`,
      );
      openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`], dir);
      openssl(['req', '-new', '-key', `${name}.key`, '-subj', `/CN=${names[0]}`, '-out', `${name}.csr`], dir);
      openssl(
        [
          'x509',
          '-req',
          '-in',
          `${name}.csr`,
          '-CA',
          'ca.pem',
          '-CAkey',
          'ca.key',
          '-CAcreateserial',
          '-days',
          '2',
          '-sha256',
          '-extfile',
          `${name}.ext`,
          '-out',
          `${name}.pem`,
        ],
        dir,
      );
      return {
        key: readFileSync(join(dir, `${name}.key`), 'utf8'),
        cert: readFileSync(join(dir, `${name}.pem`), 'utf8'),
      };
    },
    agent(options = {}) {
      return new https.Agent({ keepAlive: true, ...options, ca: cert });
    },
  };
}

/**
 * An agent for SDKs whose hosts are fixed (firebase-admin always calls oauth2.googleapis.com and
 * fcm.googleapis.com on port 443): each connection to a host in `routes` goes to that fake's loopback port
 * instead, with the real host name for SNI and certificate checks, trusting only the test CA. A host not in
 * `routes` is refused, so nothing a test does can leak to the real service.
 */
export class RedirectingAgent extends https.Agent {
  constructor(
    private readonly routes: ReadonlyMap<string, number>,
    private readonly ca: string,
    options: https.AgentOptions = {},
  ) {
    super({ keepAlive: true, ...options });
  }

  override createConnection(
    options: https.RequestOptions,
    callback?: (error: Error | null, socket: tls.TLSSocket) => void,
  ): tls.TLSSocket | undefined {
    const host = (options as tls.ConnectionOptions).servername || options.hostname || options.host || '';
    const port = this.routes.get(host);
    if (port === undefined) {
      // Node's agent hands this error to the request, which fails at once instead of reaching the real host.
      callback?.(new Error(`RedirectingAgent: no fake for ${host}; refusing to leave the machine`), undefined as never);
      return undefined;
    }
    return tls.connect({
      ...(options as tls.ConnectionOptions),
      host: '127.0.0.1',
      port,
      servername: host,
      ca: this.ca,
    });
  }
}
