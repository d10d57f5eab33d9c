import assert from 'node:assert/strict';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { BrowserSession } from '../../../test/support/http';
import { startTestIdp, type TestIdp } from '../../../test/support/oidc-provider';
import { createTenant, startTestStack, type TestStack } from '../../../test/support/stack';
import { createTechnician } from '../../../test/support/technician';
import type { SsoSettingsService } from '../../services/sso/sso-settings.service';
import { ssoSettingsOf, turnOnSso } from '../../../test/support/sso';
import { SSO_CALLBACK_PATH } from './sso.routes';

describe('console single sign-on against a real OIDC provider', () => {
  let stack: TestStack;
  let idp: TestIdp;
  let settings: SsoSettingsService;
  let acme: Awaited<ReturnType<typeof createTenant>>;
  let globex: Awaited<ReturnType<typeof createTenant>>;

  before(async () => {
    stack = await startTestStack();
    const redirectUri = `${stack.config.publicUrl}${SSO_CALLBACK_PATH}`;
    idp = await startTestIdp([
      { clientId: 'acme-console', redirectUri },
      { clientId: 'globex-console', redirectUri },
    ]);
    settings = ssoSettingsOf(stack);
    acme = await createTenant(stack, 'Acme IT');
    globex = await createTenant(stack, 'Globex IT');
    await turnOnSso(stack, acme.mspId, idp, 'acme-console', ['acme.test']);
    await turnOnSso(stack, globex.mspId, idp, 'globex-console', ['globex.test']);
  });
  after(async () => {
    await idp?.stop();
    await stack?.stop();
  });

  /** A technician of the MSP with an email in `domain`, and the IdP account for the same email. */
  const technicianAt = async (
    mspId: string,
    domain: string,
    /** 'absent' leaves `email_verified` out of the id_token. */
    emailVerified: boolean | 'absent' = true,
    extraClaims?: Record<string, unknown>,
  ) => {
    const technician = await createTechnician(stack, mspId, 'helpdesk');
    const email = `${technician.email.split('@')[0]}@${domain}`;
    await stack.runtime.db('technicians').where({ id: technician.id }).update({ email });
    idp.addAccount({ email, emailVerified: emailVerified === 'absent' ? undefined : emailVerified, extraClaims });
    return { ...technician, email };
  };

  /** Where the console's hand-off page sends the browser (its link; the Refresh header says the same). */
  const handOff = (started: { status: number; html: string }) => {
    assert.equal(started.status, 200, started.html);
    const href = /id="sso-continue" href="([^"]+)"/.exec(started.html)?.[1];
    assert.ok(href, started.html);
    const decoded = href.replace(/&#x3D;/g, '=').replace(/&amp;/g, '&');
    return new URL(decoded);
  };

  /** The console's SSO form, then the IdP's login; returns the callback the IdP sent the browser back to. */
  const startSso = async (browser: BrowserSession, email: string, rewrite = (url: URL) => url) => {
    await browser.get('/console/sign-in/sso');
    const started = await browser.post('/console/sign-in/sso', { email });
    const authorization = rewrite(handOff(started));
    assert.equal(authorization.origin, idp.issuer);
    return idp.authorize(authorization.href, email);
  };
  const callbackPath = (callback: URL) => `${callback.pathname}${callback.search}`;
  const ssoSignIn = async (email: string) => {
    const browser = new BrowserSession(stack.url);
    const callback = await startSso(browser, email);
    return { browser, back: await browser.get(callbackPath(callback)) };
  };
  const refusals = (mspId: string) =>
    stack.runtime
      .db('audit_events')
      .where({ action: 'technician.sign_in_refused', msp_id: mspId })
      .orderBy('created_at', 'desc')
      .select('actor', 'detail');

  it("signs an existing technician in through their MSP's provider, with a full session audited as oidc", async () => {
    const tech = await technicianAt(acme.mspId, 'acme.test');
    const browser = new BrowserSession(stack.url);
    await browser.get('/console/sign-in/sso');
    const started = await browser.post('/console/sign-in/sso', { email: tech.email });
    const authorization = handOff(started);
    const params = authorization.searchParams;
    assert.equal(params.get('client_id'), 'acme-console');
    assert.equal(params.get('response_type'), 'code');
    assert.equal(params.get('code_challenge_method'), 'S256');
    assert.ok((params.get('code_challenge') ?? '').length >= 43);
    assert.ok((params.get('state') ?? '').length >= 22 && (params.get('nonce') ?? '').length >= 22);
    assert.equal(params.get('redirect_uri'), `${stack.config.publicUrl}${SSO_CALLBACK_PATH}`);
    // The verifier, which redeems the code, is in the database only sealed.
    const attempt = await stack.runtime.db('console_sso_attempts').where({ msp_id: acme.mspId }).first();
    assert.match(attempt.code_verifier_sealed, /^v1\./);

    const callback = await idp.authorize(authorization.href, tech.email);
    assert.ok(callback.searchParams.get('code'));
    const back = await browser.get(callbackPath(callback));
    assert.equal(back.status, 303, back.html);
    assert.equal(back.location, '/console');
    const dashboard = await browser.get('/console');
    assert.equal(dashboard.status, 200);
    assert.match(dashboard.html, /Acme IT client/);
    assert.doesNotMatch(dashboard.html, /Globex/);

    const signedIn = await stack.runtime
      .db('audit_events')
      .where({ action: 'technician.signed_in', actor: `technician:${tech.id}` })
      .select('detail', 'msp_id');
    assert.deepEqual(signedIn, [{ detail: { method: 'oidc' }, msp_id: acme.mspId }]);
    const session = await stack.runtime.db('technician_sessions').where({ technician_id: tech.id }).first();
    assert.equal(session.stage, 'active');
    assert.ok((await stack.runtime.stores.technicians.getRow(tech.id))?.last_sign_in_at);
    assert.equal(await stack.runtime.db('console_sso_attempts').where({ msp_id: acme.mspId }).first(), undefined);

    // The same callback again, or in a second browser, signs nobody in.
    const replayed = await browser.get(callbackPath(callback));
    assert.equal(replayed.status, 400);
    assert.match(replayed.html, /not started in this browser|took too long or was used already/);
  });

  it('refuses a callback whose state was changed, and one opened in a browser that did not start it', async () => {
    const tech = await technicianAt(acme.mspId, 'acme.test');
    const browser = new BrowserSession(stack.url);
    const callback = await startSso(browser, tech.email);

    const forged = new URL(callback);
    forged.searchParams.set('state', 'x'.repeat(43));
    const wrongState = await browser.get(callbackPath(forged));
    assert.equal(wrongState.status, 400);
    assert.match(wrongState.html, /not started in this browser/);

    // Login CSRF: an attacker's own callback, pasted into the victim's browser, which has no state cookie.
    const victim = new BrowserSession(stack.url);
    const elsewhere = await victim.get(callbackPath(callback));
    assert.equal(elsewhere.status, 400);
    assert.equal(victim.cookie('lk_console'), undefined);
    assert.equal(await stack.runtime.db('technician_sessions').where({ technician_id: tech.id }).first(), undefined);
  });

  it('refuses an id_token whose nonce is not the one this sign-in sent', async () => {
    const tech = await technicianAt(acme.mspId, 'acme.test');
    const browser = new BrowserSession(stack.url);
    // The provider is asked (and so signs) a nonce of someone else's request; state and PKCE are untouched.
    const callback = await startSso(browser, tech.email, (url) => {
      url.searchParams.set('nonce', 'someone-elses-nonce-0123456789');
      return url;
    });
    const back = await browser.get(callbackPath(callback));
    assert.equal(back.status, 401, back.html);
    assert.match(back.html, /could not be verified/);
    assert.equal(await stack.runtime.db('technician_sessions').where({ technician_id: tech.id }).first(), undefined);
    const [refusal] = await refusals(acme.mspId);
    assert.equal(refusal.actor, 'anonymous');
    assert.deepEqual(refusal.detail, {
      method: 'oidc',
      reason: 'invalid_response',
      check: 'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
    });
  });

  it('refuses an id_token for another audience, one signed with another key, and an expired one', async () => {
    const tech = await technicianAt(acme.mspId, 'acme.test');
    const { privateKey: strangerKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const cases = [
      {
        name: 'another audience',
        tamper: (claims: Record<string, unknown>) => ({ claims: { ...claims, aud: 'globex-console' } }),
      },
      { name: 'another key', tamper: (claims: Record<string, unknown>) => ({ claims, key: strangerKey }) },
      {
        name: 'expired',
        tamper: (claims: Record<string, unknown>) => ({
          claims: { ...claims, iat: Math.floor(Date.now() / 1000) - 7200, exp: Math.floor(Date.now() / 1000) - 3600 },
        }),
      },
    ];
    for (const { name, tamper } of cases) {
      idp.tamperIdTokens(tamper);
      try {
        const { back } = await ssoSignIn(tech.email);
        assert.equal(back.status, 401, `${name}: ${back.html}`);
      } finally {
        idp.tamperIdTokens(undefined);
      }
    }
    assert.equal(await stack.runtime.db('technician_sessions').where({ technician_id: tech.id }).first(), undefined);
    // Newest first; each was refused by the check it was built to fail (the audit names openid-client's code).
    const refused = (await refusals(acme.mspId)).slice(0, 3).map((row) => [row.detail.reason, row.detail.check]);
    assert.deepEqual(refused, [
      ['invalid_response', 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED'],
      ['invalid_response', 'OAUTH_INVALID_RESPONSE'],
      ['invalid_response', 'OAUTH_JWT_CLAIM_COMPARISON_FAILED'],
    ]);
  });

  it('refuses an email the provider has not verified', async () => {
    const tech = await technicianAt(acme.mspId, 'acme.test', false);
    const { back } = await ssoSignIn(tech.email);
    assert.equal(back.status, 403);
    assert.match(back.html, /did not confirm your email/);
    const [refusal] = await refusals(acme.mspId);
    assert.equal(refusal.detail.reason, 'email_not_verified');
  });

  it("takes Entra ID's xms_edov for a verified email only when the id_token has no email_verified", async () => {
    const entra = await technicianAt(acme.mspId, 'acme.test', 'absent', { xms_edov: true });
    const accepted = await ssoSignIn(entra.email);
    assert.equal(accepted.back.status, 303, accepted.back.html);
    const neither = await technicianAt(acme.mspId, 'acme.test', 'absent');
    assert.equal((await ssoSignIn(neither.email)).back.status, 403);
    const saysNo = await technicianAt(acme.mspId, 'acme.test', false, { xms_edov: true });
    assert.equal((await ssoSignIn(saysNo.email)).back.status, 403);
    const stringly = await technicianAt(acme.mspId, 'acme.test', 'absent', { xms_edov: 'true' });
    assert.equal((await ssoSignIn(stringly.email)).back.status, 403);
    const reasons = (await refusals(acme.mspId)).slice(0, 3).map((row) => row.detail.reason);
    assert.deepEqual(reasons, ['email_not_verified', 'email_not_verified', 'email_not_verified']);
  });

  it("does not let a technician of another MSP in, nor an email outside the MSP's domains", async () => {
    // Globex's technician, whose email happens to be in Acme's domain: Acme's provider vouches for it, but the
    // account is Globex's, and Acme's sign-in must not reach it.
    const theirs = await technicianAt(globex.mspId, 'acme.test');
    const crossed = await ssoSignIn(theirs.email);
    assert.equal(crossed.back.status, 403);
    assert.match(crossed.back.html, /no active technician account with your email at this MSP/);
    assert.equal((await refusals(acme.mspId))[0].detail.reason, 'no_technician');

    // Acme's provider asserting a Globex address (a multi-tenant IdP will sign any address it hosts).
    const globexTech = await technicianAt(globex.mspId, 'globex.test');
    const browser = new BrowserSession(stack.url);
    await browser.get('/console/sign-in/sso');
    const started = await browser.post('/console/sign-in/sso', { email: `someone@acme.test` });
    const callback = await idp.authorize(handOff(started).href, globexTech.email);
    const outside = await browser.get(callbackPath(callback));
    assert.equal(outside.status, 403);
    assert.equal((await refusals(acme.mspId))[0].detail.reason, 'domain_not_allowed');
    for (const id of [theirs.id, globexTech.id])
      assert.equal(await stack.runtime.db('technician_sessions').where({ technician_id: id }).first(), undefined);
  });

  it('refuses an unknown email and a disabled technician, and creates no account', async () => {
    const stranger = `nobody-${randomUUID().slice(0, 6)}@acme.test`;
    idp.addAccount({ email: stranger, emailVerified: true });
    const unknown = await ssoSignIn(stranger);
    assert.equal(unknown.back.status, 403);
    assert.match(unknown.back.html, /single sign-on does not create accounts/);
    assert.equal(await stack.runtime.db('technicians').whereRaw('lower(email) = ?', [stranger]).first(), undefined);
    assert.deepEqual((await refusals(acme.mspId))[0].detail, {
      method: 'oidc',
      reason: 'no_technician',
      email: stranger,
    });

    const tech = await technicianAt(acme.mspId, 'acme.test');
    assert.equal(await stack.runtime.stores.technicians.disable(acme.mspId, tech.id), 'disabled');
    const disabled = await ssoSignIn(tech.email);
    assert.equal(disabled.back.status, 403);
    assert.deepEqual((await refusals(acme.mspId))[0].detail, {
      method: 'oidc',
      reason: 'disabled',
      technicianId: tech.id,
    });
  });

  it('answers a domain without single sign-on with a clear page, not a redirect', async () => {
    const browser = new BrowserSession(stack.url);
    await browser.get('/console/sign-in/sso');
    const posted = await browser.post('/console/sign-in/sso', { email: 'dana@initech.test' });
    assert.equal(posted.status, 400);
    assert.match(posted.html, /not set up for that domain/);
    const nonsense = await browser.post('/console/sign-in/sso', { email: '@@@' }, { csrf: browser.csrf() });
    assert.equal(nonsense.status, 400);
  });

  it('keeps a domain to one MSP, checks the issuer before saving, and shows admins the settings without the secret', async () => {
    const taken = await settings.save(
      globex.mspId,
      { issuer: idp.issuer, clientId: 'globex-console', clientSecret: 'x', domains: ['acme.test', 'globex.test'] },
      'test',
    );
    assert.deepEqual(taken, { status: 'domain_taken', domains: ['acme.test'] });
    const unreachable = await settings.save(
      globex.mspId,
      { issuer: 'http://127.0.0.1:9/nowhere', clientId: 'c', clientSecret: 'x', domains: ['globex.test'] },
      'test',
    );
    assert.equal(unreachable.status, 'invalid');
    const plainHttp = await settings.save(
      globex.mspId,
      { issuer: 'http://idp.example.com', clientId: 'c', clientSecret: 'x', domains: ['globex.test'] },
      'test',
    );
    assert.deepEqual(plainHttp, { status: 'invalid', problem: 'the issuer must be an https URL' });
    assert.equal((await settings.describe(globex.mspId))?.clientId, 'globex-console', 'nothing was half-written');

    const secret = idp.client('acme-console').clientSecret;
    const row = await stack.runtime.db('msp_sso_configs').where({ msp_id: acme.mspId }).first();
    assert.ok(!JSON.stringify(row).includes(secret), 'the client secret is sealed at rest');
    const configured = await stack.runtime
      .db('audit_events')
      .where({ action: 'sso.configured', msp_id: acme.mspId })
      .first();
    assert.ok(!JSON.stringify(configured.detail).includes(secret));

    const admin = await technicianAt(acme.mspId, 'acme.test');
    await stack.runtime.db('technicians').where({ id: admin.id }).update({ role: 'admin' });
    const { browser } = await ssoSignIn(admin.email);
    const page = await browser.get('/console/sso');
    assert.equal(page.status, 200);
    assert.match(page.html, /acme-console/);
    assert.match(page.html, /acme\.test/);
    assert.ok(!page.html.includes(secret));
    const helpdesk = await technicianAt(acme.mspId, 'acme.test');
    const asHelpdesk = await ssoSignIn(helpdesk.email);
    assert.equal((await asHelpdesk.browser.get('/console/sso')).status, 403);
  });
});
