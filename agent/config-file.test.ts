import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError } from '../common/errors';
import { agentEnvironment, defaultConfigPath, readConfigFile } from './config-file';

const KNOWN = [
  'LATCHKEY_SERVER_URL',
  'AD_BIND_PASSWORD',
  'AD_START_TLS',
  'AD_CA_FILE',
  'LATCHKEY_AGENT_LOCKOUT_POLL_MS',
];

describe('the agent config file', () => {
  const folder = mkdtempSync(join(tmpdir(), 'latchkey-agent-config-'));
  after(() => rmSync(folder, { recursive: true, force: true }));
  const write = (name: string, body: string, mode = 0o600) => {
    const file = join(folder, name);
    writeFileSync(file, body);
    chmodSync(file, mode);
    return file;
  };
  const problemsOf = (run: () => unknown) => {
    try {
      run();
    } catch (error) {
      assert.ok(error instanceof ConfigError, String(error));
      return error.problems.join('\n');
    }
    assert.fail('expected a ConfigError');
  };

  it('reads settings by their variable names, flags and numbers as written, and the environment wins', () => {
    const file = write(
      'good.json',
      JSON.stringify({
        LATCHKEY_SERVER_URL: 'https://reset.msp.example',
        AD_START_TLS: true,
        LATCHKEY_AGENT_LOCKOUT_POLL_MS: 500,
        AD_CA_FILE: 'dc-ca.pem',
      }),
    );
    const { env, file: read } = agentEnvironment(KNOWN, {
      configPath: file,
      env: { LATCHKEY_SERVER_URL: 'https://override.msp.example' },
    });
    assert.equal(read, file);
    assert.equal(env.LATCHKEY_SERVER_URL, 'https://override.msp.example');
    assert.equal(env.AD_START_TLS, 'true');
    assert.equal(env.LATCHKEY_AGENT_LOCKOUT_POLL_MS, '500');
    assert.equal(env.AD_CA_FILE, join(folder, 'dc-ca.pem'), 'a relative file is next to the config file');
  });

  it('is named by LATCHKEY_AGENT_CONFIG too, and is optional only at its default path', () => {
    const file = write('named.json', '{"AD_START_TLS": "yes"}');
    assert.equal(agentEnvironment(KNOWN, { env: { LATCHKEY_AGENT_CONFIG: file } }).env.AD_START_TLS, 'yes');
    // No file at the default path (a machine without an install): the environment alone, as before.
    const envOnly = agentEnvironment(KNOWN, { env: { ProgramData: folder }, platform: 'win32' });
    assert.deepEqual(envOnly, { env: { ProgramData: folder } });
    assert.match(
      problemsOf(() => agentEnvironment(KNOWN, { configPath: join(folder, 'missing.json'), env: {} })),
      /missing\.json: no such file/,
    );
  });

  it('knows where each system keeps it', () => {
    assert.equal(defaultConfigPath('linux'), '/etc/latchkey-agent/config.json');
    assert.equal(
      defaultConfigPath('win32', { ProgramData: 'D:\\ProgramData' }),
      join('D:\\ProgramData', 'Latchkey Agent', 'config.json'),
    );
  });

  it('refuses a file that every user can read, since it holds the token and the bind password', () => {
    const file = write('open.json', '{}', 0o644);
    assert.match(
      problemsOf(() => readConfigFile(file, KNOWN, 'linux')),
      /every user of this machine can read it/,
    );
    chmodSync(file, 0o640);
    assert.deepEqual(readConfigFile(file, KNOWN, 'linux'), {});
  });

  it('names every bad setting at once, and never echoes a value', () => {
    const secret = 'S3cret!value';
    const found = problemsOf(() =>
      readConfigFile(
        write('bad.json', JSON.stringify({ AD_BIND_PASWORD: secret, AD_BIND_PASSWORD: { value: secret } })),
        KNOWN,
      ),
    );
    assert.match(found, /AD_BIND_PASWORD: is not a setting of the agent/);
    assert.match(found, /AD_BIND_PASSWORD: must be a string, a number or true\/false/);
    const broken = problemsOf(() => readConfigFile(write('broken.json', `{"AD_BIND_PASSWORD": ${secret}}`), KNOWN));
    assert.match(broken, /is not valid JSON/);
    assert.match(
      problemsOf(() => readConfigFile(write('array.json', '[]'), KNOWN)),
      /must be a JSON object/,
    );
    assert.ok(!`${found}${broken}`.includes(secret));
  });
});
