import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Connection } from '@temporalio/client';
import { readFile } from 'node:fs/promises';
import { Problems } from '../../common/env';
import { readTemporalTransport, temporalConnectionOptions } from '../../common/temporal/connection';
import { activateNewUser } from '../support/enrollment-flow';
import { startTestStack, type TestStack } from '../support/stack';
import { startTlsTemporalServer, type TlsTemporalServer } from '../support/tls-temporal-server';

/** Connects and makes one call, as every Latchkey process does at start; resolves to what the server said. */
async function tryCall(options: Parameters<typeof Connection.connect>[0]): Promise<'answered' | 'refused'> {
  try {
    const connection = await Connection.connect({ ...options, connectTimeout: 3_000 });
    try {
      await connection.workflowService.describeNamespace({ namespace: 'temporal-system' });
      return 'answered';
    } finally {
      await connection.close();
    }
  } catch {
    return 'refused';
  }
}

/**
 * The settings every process reads (TEMPORAL_TLS_*), against the real Temporal server with a frontend that
 * requires TLS and a client certificate: the right certificate gets in, and nothing else does.
 */
describe('Temporal over mTLS', () => {
  let server: TlsTemporalServer;
  let stack: TestStack | undefined;
  let tlsEnv: Record<string, string>;

  before(async () => {
    server = await startTlsTemporalServer();
    tlsEnv = {
      TEMPORAL_TLS_CA_FILE: server.files.ca,
      TEMPORAL_TLS_SERVER_NAME: server.serverName,
      TEMPORAL_TLS_CERT_FILE: server.files.clientCert,
      TEMPORAL_TLS_KEY_FILE: server.files.clientKey,
    };
  });
  after(async () => {
    await stack?.stop();
    await server?.stop();
  });

  it('admits a client with the right certificate, through the settings every process reads', async () => {
    const problems = new Problems();
    const transport = readTemporalTransport(tlsEnv, problems);
    assert.deepEqual(problems.list, []);
    assert.equal(await tryCall(temporalConnectionOptions(server.address, transport!)), 'answered');
  });

  it('refuses plain gRPC, TLS without a client certificate, and a certificate from another CA', async () => {
    const ca = await readFile(server.files.ca);
    const name = server.serverName;
    const good = { crt: await readFile(server.files.clientCert), key: await readFile(server.files.clientKey) };
    const rogue = { crt: await readFile(server.files.rogueCert), key: await readFile(server.files.rogueKey) };
    const attempts: Array<[string, Parameters<typeof tryCall>[0]]> = [
      ['plain gRPC', { address: server.address }],
      [
        'TLS with no client certificate',
        { address: server.address, tls: { serverRootCACertificate: ca, serverNameOverride: name } },
      ],
      [
        "a certificate the server's CA did not sign",
        {
          address: server.address,
          tls: { serverRootCACertificate: ca, serverNameOverride: name, clientCertPair: rogue },
        },
      ],
    ];
    for (const [what, options] of attempts) {
      assert.equal(await tryCall(options), 'refused', what);
      // Refused by the server's TLS, not because it went away: the right certificate still gets an answer.
      assert.equal(
        await tryCall({
          address: server.address,
          tls: { serverRootCACertificate: ca, serverNameOverride: name, clientCertPair: good },
        }),
        'answered',
        `the server still answers after refusing ${what}`,
      );
    }
  });

  it('runs Latchkey itself over it: an activation email goes out through workflows on the TLS server', async () => {
    stack = await startTestStack({ temporalAddress: server.address, env: tlsEnv });
    const { mail } = await activateNewUser(stack);
    assert.equal(mail.channel, 'email');
  });
});
