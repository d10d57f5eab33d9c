import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Problems } from '../env';
import { ConfigError } from '../errors';
import { hostOfAddress, readTemporalTransport, temporalConnectionOptions, type TemporalTransport } from './connection';

const plain: TemporalTransport = { allowInsecure: false };

function read(env: Record<string, string>) {
  const problems = new Problems();
  const transport = readTemporalTransport(env, problems);
  return { transport, problems: problems.list };
}

describe('Temporal connection settings', () => {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-temporal-tls-'));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('finds the host of every address form', () => {
    assert.equal(hostOfAddress('127.0.0.1:7233'), '127.0.0.1');
    assert.equal(hostOfAddress('temporal.msp.example:7233'), 'temporal.msp.example');
    assert.equal(hostOfAddress('[::1]:7233'), '::1');
    assert.equal(hostOfAddress('localhost'), 'localhost');
  });

  it('allows plain gRPC on this machine only', () => {
    for (const address of ['127.0.0.1:7233', 'localhost:7233', '[::1]:7233', '127.0.0.2:7233']) {
      assert.deepEqual(temporalConnectionOptions(address, plain), { address });
    }
    assert.throws(
      () => temporalConnectionOptions('temporal.msp.example:7233', plain),
      (error: ConfigError) =>
        error instanceof ConfigError &&
        /temporal\.msp\.example is not on this machine/.test(error.message) &&
        /TEMPORAL_TLS=true/.test(error.message) &&
        /TEMPORAL_ALLOW_INSECURE=true/.test(error.message),
    );
    assert.throws(() => temporalConnectionOptions('10.0.0.5:7233', plain), ConfigError);
  });

  it('lets an operator opt out by name, and only so', () => {
    const { transport } = read({ TEMPORAL_ALLOW_INSECURE: 'true' });
    assert.deepEqual(temporalConnectionOptions('temporal.internal:7233', transport!), {
      address: 'temporal.internal:7233',
    });
  });

  it('reads the CA, the server name, the client certificate pair and the API key', () => {
    const ca = file('ca.pem', 'CA-PEM');
    const crt = file('client.pem', 'CLIENT-CERT');
    const key = file('client.key', 'CLIENT-KEY');
    const { transport, problems } = read({
      TEMPORAL_TLS_CA_FILE: ca,
      TEMPORAL_TLS_SERVER_NAME: 'temporal.msp.example',
      TEMPORAL_TLS_CERT_FILE: crt,
      TEMPORAL_TLS_KEY_FILE: key,
      TEMPORAL_API_KEY: 'api-key-value',
    });
    assert.deepEqual(problems, []);
    const options = temporalConnectionOptions('10.1.2.3:7233', transport!);
    assert.equal(options.apiKey, 'api-key-value');
    assert.equal(options.tls?.serverNameOverride, 'temporal.msp.example');
    assert.equal(options.tls?.serverRootCACertificate?.toString(), 'CA-PEM');
    assert.equal(options.tls?.clientCertPair?.crt.toString(), 'CLIENT-CERT');
    assert.equal(options.tls?.clientCertPair?.key.toString(), 'CLIENT-KEY');
  });

  it('turns TLS on with the system CAs when asked without files', () => {
    const { transport } = read({ TEMPORAL_TLS: 'yes' });
    assert.deepEqual(temporalConnectionOptions('temporal.msp.example:7233', transport!).tls, {});
  });

  it('refuses half a certificate pair and unreadable files, naming the variable and never a secret', () => {
    const key = file('only.key', 'SECRET-KEY-MATERIAL');
    const half = read({ TEMPORAL_TLS_KEY_FILE: key, TEMPORAL_API_KEY: 'do-not-echo-me' });
    assert.deepEqual(half.problems, ['TEMPORAL_TLS_CERT_FILE: set it together with TEMPORAL_TLS_KEY_FILE, or neither']);
    const missing = read({ TEMPORAL_TLS_CA_FILE: join(dir, 'absent.pem') });
    assert.equal(missing.problems.length, 1);
    assert.match(missing.problems[0]!, /^TEMPORAL_TLS_CA_FILE: cannot read .*absent\.pem \(ENOENT\)$/);
    for (const problem of [...half.problems, ...missing.problems]) {
      assert.doesNotMatch(problem, /SECRET-KEY-MATERIAL|do-not-echo-me/);
    }
  });
});
