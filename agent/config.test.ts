import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { agentEnvironmentVariables, loadAgentConfig } from './config';
import { CONFIG_PATH_VARIABLE } from './config-file';
import { configProblems } from '../test/support/config-problems';
import { commandPublicKeyText, commandSigningKey } from '../common/crypto/directory-command';

const COMMAND_KEY = commandPublicKeyText(commandSigningKey(Buffer.alloc(32, 7)));

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const ENV = {
  LATCHKEY_SERVER_URL: 'https://reset.msp.example/',
  LATCHKEY_AGENT_TOKEN: 'lka_abc',
  LATCHKEY_AGENT_COMMAND_KEY: COMMAND_KEY,
  LATCHKEY_AGENT_TEMPORAL_ADDRESS: '127.0.0.1:7233',
  AD_URL: 'ldaps://dc1.corp.example',
  AD_BIND_DN: 'CN=svc,DC=corp,DC=example',
  AD_BIND_PASSWORD: 'S3cret!value',
  AD_BASE_DN: 'DC=corp,DC=example',
  AD_CA_PEM: PEM,
};

const problemsOf = (env: Record<string, string>) => configProblems(() => loadAgentConfig(env));

describe('loadAgentConfig', () => {
  it('reads the agent settings and its directory, which Active Directory owns', () => {
    const config = loadAgentConfig(ENV);
    assert.equal(config.serverUrl, 'https://reset.msp.example');
    assert.equal(config.directory.provider, 'active-directory');
    assert.equal(config.directory.url, 'ldaps://dc1.corp.example');
    assert.equal(config.directory.allowProtectedAccounts, false);
  });

  it('reads flags the way the central server does: true/false, 1/0, yes/no', () => {
    const on = loadAgentConfig({ ...ENV, AD_URL: 'ldap://dc1.corp.example', AD_START_TLS: 'yes' });
    assert.equal(on.directory.startTls, true);
    assert.equal(loadAgentConfig({ ...ENV, AD_ALLOW_PROTECTED_ACCOUNTS: '1' }).directory.allowProtectedAccounts, true);
    assert.match(problemsOf({ ...ENV, AD_START_TLS: 'on' }).join(), /AD_START_TLS: must be true or false/);
  });

  it('names every problem by its variable, all at once, and never echoes the bind password', () => {
    const found = problemsOf({
      LATCHKEY_SERVER_URL: 'nowhere',
      LATCHKEY_AGENT_TOKEN: 'S3cret!value',
      AD_URL: 'ldap://dc1.corp.example',
      AD_BIND_PASSWORD: 'S3cret!value',
    }).join('\n');
    for (const expected of [
      /LATCHKEY_SERVER_URL: Invalid url/,
      /LATCHKEY_AGENT_TOKEN: must be an agent token/,
      /AD_BIND_DN: Required/,
      /AD_CA_FILE \(or AD_CA_PEM\): is required/,
    ]) {
      assert.match(found, expected);
    }
    assert.ok(!found.includes('S3cret!value'));
    assert.match(
      problemsOf({ ...ENV, AD_URL: 'ldap://dc1.corp.example' }).join(),
      /AD_START_TLS: an ldap:\/\/ URL needs startTls: true/,
    );
    assert.match(problemsOf({ ...ENV, DIRECTORY_PROVIDER: 'openldap' }).join(), /DIRECTORY_PROVIDER: must be one of/);
  });

  it('refuses a Temporal address of its own off this machine without TLS', () => {
    assert.match(
      problemsOf({ ...ENV, LATCHKEY_AGENT_TEMPORAL_ADDRESS: 'temporal.msp.example:7233' }).join('\n'),
      /^LATCHKEY_AGENT_TEMPORAL_ADDRESS: Temporal at temporal\.msp\.example is not on this machine/m,
    );
    const config = loadAgentConfig({
      ...ENV,
      LATCHKEY_AGENT_TEMPORAL_ADDRESS: 'temporal.msp.example:7233',
      TEMPORAL_TLS: 'true',
    });
    assert.deepEqual(config.temporalTransport.tls, {});
  });

  it('takes its Temporal address and the key it obeys from its own config, and talks to Latchkey over https', () => {
    const config = loadAgentConfig(ENV);
    assert.equal(config.temporalAddress, '127.0.0.1:7233');
    assert.equal(config.commandKey.asymmetricKeyType, 'ed25519');
    const { LATCHKEY_AGENT_COMMAND_KEY: _key, LATCHKEY_AGENT_TEMPORAL_ADDRESS: _address, ...without } = ENV;
    const missing = problemsOf(without).join('\n');
    assert.match(missing, /LATCHKEY_AGENT_COMMAND_KEY: Required/);
    assert.match(missing, /LATCHKEY_AGENT_TEMPORAL_ADDRESS: Required/);
    assert.match(
      problemsOf({ ...ENV, LATCHKEY_AGENT_COMMAND_KEY: 'c2hvcnQ' }).join(),
      /LATCHKEY_AGENT_COMMAND_KEY: must be the 32-byte Ed25519 public key/,
    );
    assert.match(
      problemsOf({ ...ENV, LATCHKEY_SERVER_URL: 'http://reset.msp.example' }).join(),
      /LATCHKEY_SERVER_URL: must be an https:\/\/ URL/,
    );
    assert.equal(
      loadAgentConfig({ ...ENV, LATCHKEY_SERVER_URL: 'http://127.0.0.1:3000' }).serverUrl,
      'http://127.0.0.1:3000',
    );
  });

  it("is fully described by the package's README, which ships with the agent", () => {
    const readme = readFileSync(join(__dirname, 'package', 'README.md'), 'utf8');
    const missing = [...agentEnvironmentVariables, CONFIG_PATH_VARIABLE].filter(
      (name) => !readme.includes(`\`${name}\``),
    );
    assert.deepEqual(missing, []);
  });
});
