import { performance } from 'node:perf_hooks';
import { Attribute, Change, Client as LdapClient } from 'ldapts';
import webpush from 'web-push';
import { say } from '../scripts/lib/say';
import { freePort } from '../scripts/lib/free-port';
import { Cleanups, cleanUpOnExit } from '../scripts/lib/cleanups';
import { startTestServices } from '../scripts/lib/test-services';
import { WebPushProvider } from '../plugins/push/web-push/web-push.provider';
import { startFakePushService } from '../test/fakes/fake-push-service';
import { launchBrowser } from '../test/support/browser';
import { openPhone, waitForScreen } from '../test/support/app-device';
import { samePhoneLinkIn } from '../test/support/device';
import { codeIn, linkIn } from '../test/support/enrollment-flow';
import { apiClient, BrowserSession } from '../test/support/http';
import { startTestAgent } from '../test/support/reset-setup';
import { startSambaDc } from '../test/support/samba';
import { createTenant, startTestStack } from '../test/support/stack';
import { printTable, stats } from './support/stats';

/**
 * `npm run bench:app`: an app reset end to end, from the tap after verification (the POST /resets) to the
 * password opened and on screen in Chromium, beside the bare unicodePwd write on the same Samba; and a push sent
 * through web-push to the fake push service. LATCHKEY_BENCH_APP_ROUNDS sets the rounds (30 by default).
 */
const ROUNDS = Number(process.env.LATCHKEY_BENCH_APP_ROUNDS ?? '30');
const PIN = '2468';
const cleanups = new Cleanups();

async function run(): Promise<string> {
  await startTestServices(cleanups);
  say('Provisioning a Samba AD DC…');
  const dc = await startSambaDc();
  cleanups.push(() => dc.stop());
  const port = await freePort();
  const publicUrl = `http://localhost:${port}`;
  const stack = await startTestStack({
    logLevel: 'warn',
    env: {
      LATCHKEY_LOG_LEVEL: 'warn',
      LATCHKEY_HTTP_PORT: String(port),
      LATCHKEY_PUBLIC_URL: publicUrl,
      RATE_LIMIT_PER_IP_PER_MINUTE: '100000',
    },
  });
  cleanups.push(() => stack.stop());
  const tenant = await createTenant(stack, 'Bench MSP');
  await stack.runtime.stores.tenants.updateSettings(tenant.clientId, { resetsPerHour: 1000 });
  const agent = await startTestAgent(stack, tenant, dc);
  cleanups.push(() => agent.stop());

  say('Enrolling a directory user for the app and pairing a phone with a PIN…');
  const username = `bench${Date.now().toString(36)}`;
  const created = await dc.createUser(username, `Initial#${Date.now().toString(36)}A1`, {
    mail: `${username}@example.com`,
  });
  const api = apiClient(stack.url, tenant.apiKey);
  const user = await api('POST', `/clients/${tenant.clientId}/users`, { username, email: `${username}@example.com` });
  await api('POST', `/clients/${tenant.clientId}/users/${user.body.id}/activate`);
  const link = linkIn(await stack.outbox.waitFor((m) => m.to === `${username}@example.com`));
  const pages = new BrowserSession(stack.url);
  await pages.get(link);
  await pages.submit(link, {});
  const phoneNumber = '+14155553999';
  const code = stack.outbox.waitFor((m) => m.channel === 'sms' && m.to === phoneNumber);
  await pages.submit('/enroll/phone', { phone: phoneNumber });
  await pages.submit('/enroll/code', { code: codeIn(await code) });
  const done = await pages.submit('/enroll/method', { method: 'app' });
  const sameDevice = samePhoneLinkIn(publicUrl, done.html);

  const browser = await launchBrowser(say);
  cleanups.push(() => browser.close());
  const phone = await openPhone(browser, publicUrl, { notifications: false });
  await phone.page.goto(sameDevice);
  await waitForScreen(phone.page, 'install');
  await phone.page.getByRole('button', { name: 'Continue in the browser' }).click();
  await phone.page.getByRole('button', { name: 'Get started' }).click();
  await waitForScreen(phone.page, 'protection').catch(async () => {
    await phone.page.getByRole('button', { name: 'Not now' }).click();
  });
  await phone.page.getByRole('button', { name: 'Use a PIN' }).click();
  await phone.page.fill('#pin', PIN);
  await phone.page.fill('#pin-again', PIN);
  await phone.page.getByRole('button', { name: 'Save PIN' }).click();
  await waitForScreen(phone.page, 'home');

  /** One reset: the clock starts when the app sends POST /resets and stops when the password is on screen. */
  const appReset = async () => {
    await phone.page.getByRole('button', { name: 'Reset Password' }).click();
    await waitForScreen(phone.page, 'pin-entry');
    await phone.page.fill('#pin', PIN);
    const request = phone.page.waitForRequest(
      (r) => r.method() === 'POST' && r.url().endsWith('/api/device/v1/resets'),
    );
    await phone.page.getByRole('button', { name: 'Confirm' }).click();
    const sent = await request;
    const shownAt = (await (
      await phone.page.waitForFunction(
        () =>
          document.querySelector('main[data-screen=password] #password')?.textContent &&
          // window's own clock: a bare `performance` here would be compiled to the bench's import of it.
          window.performance.timeOrigin + window.performance.now(),
        undefined,
        { polling: 'raf', timeout: 60_000 },
      )
    ).jsonValue()) as number;
    const elapsed = shownAt - sent.timing().startTime;
    await phone.page.getByRole('button', { name: 'Done' }).click();
    await phone.page.getByRole('button', { name: 'Back to home' }).click();
    await waitForScreen(phone.page, 'home');
    return elapsed;
  };

  say('Warming up…');
  for (let i = 0; i < 3; i++) await appReset();
  say(`App resets: ${ROUNDS}…`);
  const e2e: number[] = [];
  for (let i = 0; i < ROUNDS; i++) e2e.push(await appReset());

  say(`Bare unicodePwd replace: ${ROUNDS}…`);
  const ldap = new LdapClient({ url: dc.url, tlsOptions: { ca: [dc.caPem], servername: dc.serverName } });
  await ldap.bind(dc.serviceAccount.dn, dc.serviceAccount.password);
  const bare: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const value = Buffer.from(`"Bench#${Date.now().toString(36)}${i}Zq7"`, 'utf16le');
    const t0 = performance.now();
    await ldap.modify(
      created.dn,
      new Change({ operation: 'replace', modification: new Attribute({ type: 'unicodePwd', values: [value] }) }),
    );
    bare.push(performance.now() - t0);
  }
  await ldap.unbind();

  say(`Push sends to the fake push service: ${ROUNDS}…`);
  const service = await startFakePushService();
  cleanups.push(() => service.close());
  const vapid = webpush.generateVAPIDKeys();
  const provider = new WebPushProvider({
    keys: vapid,
    subject: 'mailto:bench@msp.example',
    allowedHosts: ['127.0.0.1'],
    timeoutMs: 5_000,
    agent: service.agent({ keepAlive: true }),
  });
  const subscription = service.subscribe({ applicationServerKey: vapid.publicKey });
  const pushes: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const t0 = performance.now();
    await provider.send({
      target: { kind: 'webpush', subscription: { endpoint: subscription.endpoint, keys: subscription.keys } },
      event: { type: 'reset_ready', id: `bench-${i}` },
      urgency: 'high',
      ttlSeconds: 60,
    });
    pushes.push(performance.now() - t0);
  }

  const rows: Array<[string, ReturnType<typeof stats>]> = [
    ['app reset e2e (POST /resets → password on screen)', stats(e2e)],
    ['bare unicodePwd replace', stats(bare)],
    ['push send (web-push → fake push service)', stats(pushes)],
  ];
  console.log('');
  printTable(rows);
  const [appRow, bareRow] = [rows[0]![1], rows[1]![1]];
  // Printed last, after the cleanups have said what they stopped.
  return `app reset e2e/bare: p50 ${(appRow.p50 / bareRow.p50).toFixed(2)} p99 ${(appRow.p99 / bareRow.p99).toFixed(2)}`;
}

cleanUpOnExit(cleanups, { watchdogMs: 15 * 60_000 });
run()
  .finally(() => cleanups.run())
  .then(
    (ratio) => {
      console.log(ratio);
      process.exit(0);
    },
    (error: Error) => {
      console.error(`[latchkey] bench:app failed: ${error.stack ?? error.message}`);
      process.exit(1);
    },
  );
