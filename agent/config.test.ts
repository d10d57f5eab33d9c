import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { agentEnvironmentVariables, loadAgentConfig } from './config';
import { configProblems } from '../test/support/config-problems';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const ENV = {
  LATCHKEY_SERVER_URL: 'https://reset.msp.example/',
  LATCHKEY_AGENT_TOKEN: 'lka_abc',
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

  it('is fully described by agent/README.md', () => {
    const readme = readFileSync(join(__dirname, 'README.md'), 'utf8');
    const missing = agentEnvironmentVariables.filter((name) => !readme.includes(`\`${name}\``));
    assert.deepEqual(missing, []);
  });
});
