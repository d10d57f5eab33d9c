import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { totpAt } from '../../common/secrets/totp';
import { BrowserSession } from '../../test/support/http';
import { createTenant, startTestStack, type TestStack } from '../../test/support/stack';
import { DEV_TECHNICIAN_EMAIL, ensureDevTechnician } from './dev-technician';

describe('the dev console admin of npm start', () => {
  let stack: TestStack;
  let dataDir: string;
  before(async () => {
    stack = await startTestStack({ role: 'api' });
    dataDir = mkdtempSync(join(tmpdir(), 'latchkey-dev-technician-'));
  });
  after(async () => {
    rmSync(dataDir, { recursive: true, force: true });
    await stack?.stop();
  });

  it('writes one-time credentials to an owner-only file, which sign in to the console, and only once', async () => {
    assert.equal((await ensureDevTechnician(stack.runtime, dataDir)).created, false, 'no MSP yet: nothing to add');
    await createTenant(stack, 'Demo MSP');
    const first = await ensureDevTechnician(stack.runtime, dataDir);
    assert.equal(first.created, true);
    assert.equal(statSync(first.credentialsFile).mode & 0o777, 0o600);
    const text = readFileSync(first.credentialsFile, 'utf8');
    const password = /Password\s+(\S+)/.exec(text)![1]!;
    const secret = /TOTP secret\s+(\S+)/.exec(text)![1]!;
    assert.match(text, /otpauth:\/\/totp\//);

    const browser = new BrowserSession(stack.url);
    await browser.get('/console/sign-in');
    assert.equal((await browser.post('/console/sign-in', { email: DEV_TECHNICIAN_EMAIL, password })).status, 303);
    await browser.get('/console/sign-in/code');
    const signedIn = await browser.post('/console/sign-in/code', { code: totpAt(secret, Date.now()) });
    assert.equal(signedIn.location, '/console');

    assert.equal((await ensureDevTechnician(stack.runtime, dataDir)).created, false);
    assert.equal(readFileSync(first.credentialsFile, 'utf8'), text, 'the file is not rewritten');
  });
});
