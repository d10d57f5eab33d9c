import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stopChild } from '../../scripts/lib/child-process';
import { freePort } from '../../scripts/lib/free-port';
import { codeIn, linkIn, passwordIn } from '../support/enrollment-flow';
import { testEnv } from '../support/env';
import { BrowserSession } from '../support/http';

const root = join(__dirname, '..', '..');
const PHONE = '+14155550100';
const PIN = '4826';

interface Started {
  child: ChildProcess;
  output: () => string;
}

/**
 * The README's walkthrough, followed as a new user would, against `npm start` itself (scripts/start.ts as a
 * child, on a data folder and a port of its own, and the test run's Temporal server): the printed activation
 * command, the activation email in the outbox, the enrollment pages, RESET texted from the outbox's form, and
 * the texted password signing in to the demo domain through `npm run demo:bind`. A second start reuses the domain.
 */
describe('the README walkthrough on npm start', () => {
  let dataDir: string;
  let url: string;
  let env: Record<string, string>;
  let running: Started | undefined;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'latchkey-walkthrough-'));
    const port = await freePort();
    url = `http://localhost:${port}`;
    env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/root',
      LATCHKEY_DATA_DIR: dataDir,
      LATCHKEY_HTTP_PORT: String(port),
      LATCHKEY_PUBLIC_URL: url,
      LATCHKEY_LOG_LEVEL: 'warn',
      // The run's Temporal server, so that npm start starts no dev server of its own on the fixed ports.
      TEMPORAL_ADDRESS: testEnv().temporalAddress,
    };
  });
  after(async () => {
    if (running) await stopChild(running.child, 20_000);
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function start(): Promise<Started> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], { cwd: root, env });
    let text = '';
    child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
    const deadline = Date.now() + 240_000;
    while (!text.includes('Press Ctrl-C to stop.')) {
      assert.ok(child.exitCode === null, `npm start exited (${child.exitCode}):\n${text.slice(-3000)}`);
      assert.ok(Date.now() < deadline, `npm start did not come up:\n${text.slice(-3000)}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    return { child, output: () => text };
  }

  const outbox = async (to: string): Promise<Array<{ id: string; text: string }>> => {
    const response = await fetch(`${url}/outbox/messages.json?to=${encodeURIComponent(to)}`);
    return ((await response.json()) as { items: Array<{ id: string; text: string }> }).items;
  };
  const waitForMessage = async (to: string, matching: RegExp, seen = new Set<string>()) => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const found = (await outbox(to)).find((m) => !seen.has(m.id) && matching.test(m.text));
      if (found) return found;
      assert.ok(Date.now() < deadline, `no message to ${to} matching ${matching}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  };
  const bind = (username: string, password: string) =>
    new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/demo-bind.ts', username], { cwd: root, env });
      let output = '';
      child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.once('exit', (code) => resolve({ code, output }));
      child.stdin!.end(`${password}\n`);
    });

  it('starts with a new demo domain, its users and an agent, and prints what to try', async () => {
    running = await start();
    const printed = running.output();
    assert.match(printed, /Provisioning the demo Active Directory DEMO\.LATCHKEY\.TEST/);
    assert.match(printed, /Demo directory +DEMO\.LATCHKEY\.TEST at ldaps:\/\/127\.0\.0\.\d+ +\(new: /);
    assert.match(printed, /jdoe <jane\.doe@demo-client\.example>, asmith <alex\.smith@demo-client\.example>, bwong/);
    assert.match(printed, /npm run demo:bind -- jdoe/);
  });

  it('takes jdoe from the activation email to a texted password that signs in to the demo domain', async () => {
    // Step 1 as printed: the activate command, with the key from the file it names.
    const activate = /Activate jdoe: +curl -s -X POST -H "Authorization: Bearer \$\(cat ([^)]+)\)" (\S+)/.exec(
      running!.output(),
    );
    assert.ok(activate, 'the activation command is printed');
    const key = readFileSync(join(root, activate[1]!), 'utf8').trim();
    const activated = await fetch(activate[2]!, { method: 'POST', headers: { authorization: `Bearer ${key}` } });
    assert.equal(activated.status, 202);

    // Step 2: the email in the outbox, the enrollment pages, the code texted to the phone, SMS with a PIN.
    const mail = await waitForMessage('jane.doe@demo-client.example', /\/activate\//);
    const browser = new BrowserSession(url);
    const link = linkIn(mail);
    assert.equal((await browser.get(link)).status, 200);
    assert.match((await browser.submit(link, {})).html, /Your cell number/);
    assert.match((await browser.submit('/enroll/phone', { phone: PHONE })).html, /Enter the code/);
    const code = codeIn(await waitForMessage(PHONE, /\b\d{6}\b/));
    await browser.submit('/enroll/code', { code });
    const done = await browser.submit('/enroll/method', { method: 'sms', pin: PIN, pinConfirm: PIN });
    assert.match(done.html, /You are all set/);

    // Step 3: RESET with the PIN from the outbox's "Text the service number" form.
    const seen = new Set((await outbox(PHONE)).map((m) => m.id));
    const phone = new BrowserSession(url);
    assert.equal((await phone.get('/outbox/inbound')).status, 200);
    const sent = await phone.submit('/outbox/inbound', { from: PHONE, body: `RESET ${PIN}` });
    assert.equal(sent.status, 200);
    const password = passwordIn(await waitForMessage(PHONE, /temporary password/, seen));

    // Step 4: the new password is the one the demo domain now takes; a wrong one is refused.
    const signedIn = await bind('jdoe', password);
    assert.equal(signedIn.code, 0, signedIn.output);
    assert.match(
      signedIn.output,
      /Password accepted by DEMO\.LATCHKEY\.TEST for jdoe|Signed in to DEMO\.LATCHKEY\.TEST/,
    );
    const wrong = await bind('jdoe', `${password}x`);
    assert.equal(wrong.code, 1, wrong.output);
    assert.match(wrong.output, /refused: wrong username or password/);
  });

  it('reuses the demo domain on a second start, where the new password still works', async () => {
    const password = passwordIn(await waitForMessage(PHONE, /temporary password/));
    await stopChild(running!.child, 20_000);
    running = await start();
    const printed = running.output();
    assert.doesNotMatch(printed, /Provisioning the demo Active Directory/);
    assert.match(printed, /Starting the demo Active Directory DEMO\.LATCHKEY\.TEST from /);
    assert.match(printed, /\(reused: /);
    const signedIn = await bind('jdoe', password);
    assert.equal(signedIn.code, 0, signedIn.output);
  });
});
