import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import { keepTail, stopChild } from '../../scripts/lib/child-process';
import { freePort } from '../../scripts/lib/free-port';
import { say } from '../../scripts/lib/say';

const run = promisify(execFile);

interface TlsFiles {
  ca: string;
  clientCert: string;
  clientKey: string;
  /** A certificate from a CA the server does not trust. */
  rogueCert: string;
  rogueKey: string;
}

/** Temporal's own JWT claim mapper and authorizer ("default"), with signing keys from a JWKS URL. */
export interface TemporalAuthorization {
  jwksUrl: string;
  /** A token with enough rights to describe `temporal-system`, for the start-up probe. */
  probeToken: string;
}

export interface TlsTemporalServerOptions {
  authorization?: TemporalAuthorization;
}

export interface TlsTemporalServer {
  address: string;
  /** The name in the server's certificate. */
  serverName: string;
  files: TlsFiles;
  stop(): Promise<void>;
}

/** A throwaway CA, a server certificate for localhost, a client certificate it signed, and a stranger's. */
async function makeCertificates(dir: string): Promise<TlsFiles & { serverCert: string; serverKey: string }> {
  const at = (name: string) => join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  const openssl = (...args: string[]) => run('openssl', args, { cwd: dir });
  await openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=Test CA');
  const signed = async (name: string, subject: string, extensions: string) => {
    await writeFile(at(`${name}.ext`), extensions);
    await openssl('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
    await openssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.pem`,
      '-days',
      '1',
      '-extfile',
      `${name}.ext`,
    );
  };
  // The server's certificate also serves its own system worker, which calls the frontend as a client.
  await signed('server', '/CN=localhost', 'subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n');
  await signed('client', '/CN=latchkey-test-client', 'extendedKeyUsage=clientAuth\n');
  await openssl('req', '-x509', ...ec, '-keyout', 'rogue.key', '-out', 'rogue.pem', '-days', '1', '-subj', '/CN=rogue');
  return {
    ca: at('ca.pem'),
    serverCert: at('server.pem'),
    serverKey: at('server.key'),
    clientCert: at('client.pem'),
    clientKey: at('client.key'),
    rogueCert: at('rogue.pem'),
    rogueKey: at('rogue.key'),
  };
}

/**
 * mTLS between the server's own services. Needed with the internal frontend: its HTTP port (where the history
 * service sends Nexus requests) serves the frontend's TLS, and the caller uses the internode client settings.
 */
function internodeTls(files: Awaited<ReturnType<typeof makeCertificates>>): string {
  return `
    internode:
      server:
        certFile: ${files.serverCert}
        keyFile: ${files.serverKey}
        requireClientAuth: true
        clientCaFiles: [${files.ca}]
      client:
        serverName: localhost
        rootCaFiles: [${files.ca}]`;
}

function authorizationConfig(authorization: TemporalAuthorization | undefined): string {
  if (!authorization) return '';
  return `
  authorization:
    jwtKeyProvider:
      keySourceURIs: [${authorization.jwksUrl}]
      refreshInterval: 1m
    permissionsClaimName: permissions
    authorizer: default
    claimMapper: default`;
}

const PORT_NAMES = [
  'frontend',
  'frontendHttp',
  'frontendMembership',
  'history',
  'historyMembership',
  'matching',
  'matchingMembership',
  'worker',
  'workerMembership',
  'internalFrontend',
  'internalFrontendHttp',
  'internalFrontendMembership',
] as const;

function namedPorts(ports: number[]): Record<(typeof PORT_NAMES)[number], number> {
  return Object.fromEntries(PORT_NAMES.map((name, index) => [name, ports[index]!])) as ReturnType<typeof namedPorts>;
}

function serverConfig(
  ports: number[],
  files: Awaited<ReturnType<typeof makeCertificates>>,
  root: string,
  authorization: TemporalAuthorization | undefined,
): string {
  const port = namedPorts(ports);
  const sqlite = (name: string) => `
    ${name}:
      sql:
        pluginName: sqlite
        databaseName: ${name}
        connectAddr: localhost
        connectProtocol: tcp
        connectAttributes: { mode: memory, cache: private }
        maxConns: 1
        maxIdleConns: 1
        maxConnLifetime: 1h`;
  const service = (grpc: number, membership: number, extra = '') =>
    `\n    rpc:\n      grpcPort: ${grpc}\n      membershipPort: ${membership}\n      bindOnLocalHost: true${extra}`;
  return `log:
  stdout: true
  level: warn
persistence:
  defaultStore: sqlite-default
  visibilityStore: sqlite-visibility
  numHistoryShards: 1
  datastores:${sqlite('sqlite-default')}${sqlite('sqlite-visibility')}
global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: 127.0.0.1
  tls:
    frontend:
      server:
        certFile: ${files.serverCert}
        keyFile: ${files.serverKey}
        requireClientAuth: true
        clientCaFiles: [${files.ca}]
      client:
        serverName: localhost
        rootCaFiles: [${files.ca}]
    systemWorker:
      certFile: ${files.serverCert}
      keyFile: ${files.serverKey}
      client:
        serverName: localhost
        rootCaFiles: [${files.ca}]${authorization ? internodeTls(files) : ''}${authorizationConfig(authorization)}
services:
  frontend:${service(port.frontend, port.frontendMembership, `\n      httpPort: ${port.frontendHttp}`)}${
    // With an authorizer, the server's own system worker (and its Nexus dispatch) must not go through the public
    // frontend, where it has no token: it uses an internal frontend on loopback, which admits any caller with the
    // internode certificate.
    authorization
      ? `\n  internal-frontend:${service(port.internalFrontend, port.internalFrontendMembership, `\n      httpPort: ${port.internalFrontendHttp}`)}`
      : ''
  }
  history:${service(port.history, port.historyMembership)}
  matching:${service(port.matching, port.matchingMembership)}
  worker:${service(port.worker, port.workerMembership)}
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: active
  currentClusterName: active
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: frontend
      rpcAddress: localhost:${port.frontend}
      httpAddress: localhost:${port.frontendHttp}
dcRedirectionPolicy:
  policy: noop
dynamicConfigClient:
  filepath: ${join(root, 'config', 'dynamicconfig.yaml')}
  pollInterval: 10s
`;
}

function dynamicConfig(ports: number[]): string {
  // Every Nexus operation carries a callback URL, even one that completes at once; the server refuses to start one
  // without this template. Callbacks stay inside the cluster: the internal frontend's HTTP port.
  const callbacks = `http://127.0.0.1:${namedPorts(ports).internalFrontendHttp}/namespaces/{{.NamespaceName}}/nexus/callback`;
  return `frontend.enableUpdateWorkflowExecution:
  - value: true
component.nexusoperations.callback.endpoint.template:
  - value: ${callbacks}
`;
}

function startArguments(root: string, authorized: boolean): string[] {
  const common = ['--root', root, '--config', 'config', '--env', 'test'];
  // Without an authorizer the server must be told that none is meant.
  if (!authorized) return [...common, '--allow-no-auth', 'start'];
  // The internal frontend is not among the services `start` runs by default.
  const services = ['frontend', 'internal-frontend', 'history', 'matching', 'worker'];
  return [...common, 'start', ...services.flatMap((name) => ['--service', name])];
}

/**
 * The full Temporal server (not the dev server, which has no TLS), on in-memory SQLite, whose frontend requires
 * TLS and a client certificate from its own CA, and with `authorization`, a JWT with the right permissions too.
 * Built by `npm test` (TEMPORAL_SERVER_PATH).
 */
export async function startTlsTemporalServer(options: TlsTemporalServerOptions = {}): Promise<TlsTemporalServer> {
  const binary = process.env.TEMPORAL_SERVER_PATH;
  if (!binary) throw new Error('Run with `npm test`, which builds the Temporal server and sets TEMPORAL_SERVER_PATH.');
  const root = await mkdtemp(join(tmpdir(), 'latchkey-temporal-tls-'));
  const files = await makeCertificates(root);
  const ports = await Promise.all(PORT_NAMES.map(() => freePort()));
  await mkdir(join(root, 'config'));
  await writeFile(join(root, 'config', 'dynamicconfig.yaml'), dynamicConfig(ports));
  await writeFile(join(root, 'config', 'test.yaml'), serverConfig(ports, files, root, options.authorization));
  const child: ChildProcess = spawn(binary, startArguments(root, options.authorization !== undefined), {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = keepTail(child, 4_000);
  const address = `127.0.0.1:${namedPorts(ports).frontend}`;
  const started = Date.now();
  const kind = options.authorization ? 'mTLS and the JWT authorizer' : 'mTLS';
  say(`Starting the Temporal server (${kind}) on ${address}…`);
  const stop = async () => {
    await stopChild(child, 10_000);
    await rm(root, { recursive: true, force: true });
  };

  const deadline = Date.now() + 90_000;
  const tls = {
    serverNameOverride: 'localhost',
    serverRootCACertificate: await readFile(files.ca),
    clientCertPair: { crt: await readFile(files.clientCert), key: await readFile(files.clientKey) },
  };
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`the Temporal server exited with code ${child.exitCode} while starting:\n${output()}`);
    }
    try {
      const connection = await Connection.connect({
        address,
        tls,
        connectTimeout: 1_000,
        ...(options.authorization ? { apiKey: options.authorization.probeToken } : {}),
      });
      try {
        // The system namespace exists once the server has finished its own start-up.
        await connection.workflowService.describeNamespace({ namespace: 'temporal-system' });
        say(`The Temporal server (${kind}) answered after ${((Date.now() - started) / 1000).toFixed(1)} s.`);
        return { address, serverName: 'localhost', files, stop };
      } finally {
        await connection.close();
      }
    } catch (error) {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`the Temporal server did not answer over TLS within 90 s (${String(error)}):\n${output()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}
