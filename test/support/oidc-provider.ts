import { generateKeyPairSync, randomBytes, randomUUID, sign, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type KoaContextWithOIDC } from 'oidc-provider';

export interface TestIdpClient {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
}

export interface TestIdpAccount {
  email: string;
  /** Undefined leaves the claim out of the id_token, as Entra ID does for work accounts. */
  emailVerified: boolean | undefined;
  /** More claims in the id_token, such as Entra's `xms_edov`. */
  extraClaims?: Record<string, unknown>;
}

/** Rewrites the id_token the token endpoint hands out: its claims, and the key it is signed with. */
export type IdTokenTamper = (claims: Record<string, unknown>) => { claims: Record<string, unknown>; key?: KeyObject };

export interface TestIdp {
  issuer: string;
  /** A client registered at start, with the secret the provider generated for it. */
  client(clientId: string): TestIdpClient;
  /** An account the login form accepts by its email; the id_token says `email_verified` as given. */
  addAccount(account: TestIdpAccount): void;
  /**
   * Plays the browser at the provider: follows the authorization request to the login form, signs in as `email`,
   * and returns the redirect back to the relying party (its callback URL with `code`, `state` and `iss`).
   */
  authorize(authorizationUrl: string, email: string): Promise<URL>;
  /** While set, the next token responses carry an id_token rebuilt from the real one by `tamper`. */
  tamperIdTokens(tamper: IdTokenTamper | undefined): void;
  stop(): Promise<void>;
}

const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title>
<style>body{font:17px/1.5 system-ui,sans-serif;margin:0;background:#f3f3f3}main{max-width:24rem;margin:3rem auto;background:#fff;padding:1.5rem;border-radius:8px}
input,button{display:block;width:100%;box-sizing:border-box;font-size:1.1rem;padding:.7rem;margin-top:.5rem}button{background:#1a73e8;color:#fff;border:0;border-radius:6px;margin-top:1rem}</style>
</head><body><main>${body}</main></body></html>`;

const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

async function formOf(request: IncomingMessage): Promise<URLSearchParams> {
  let body = '';
  for await (const chunk of request) body += chunk;
  return new URLSearchParams(body);
}

const base64url = (value: Buffer | string) => Buffer.from(value).toString('base64url');

function signRs256(header: object, claims: object, key: KeyObject): string {
  const body = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  return `${body}.${base64url(sign('sha256', Buffer.from(body), key))}`;
}

/**
 * A real OpenID Connect provider (the `oidc-provider` package, certified) on a loopback port, in the test's
 * process: discovery, JWKS (an RS256 key of its own), authorization with PKCE, and the token endpoint with
 * client_secret_basic. Its login "interaction" is a one-field form that signs in any account the test added.
 */
export async function startTestIdp(
  registrations: ReadonlyArray<{ clientId: string; redirectUri: string }>,
): Promise<TestIdp> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = randomUUID();
  const clients: TestIdpClient[] = registrations.map((registration) => ({
    ...registration,
    clientSecret: randomBytes(24).toString('base64url'),
  }));
  const accounts = new Map<string, TestIdpAccount>();
  let tamper: IdTokenTamper | undefined;

  const provider = new Provider(issuer, {
    clients: clients.map((client) => ({
      client_id: client.clientId,
      client_secret: client.clientSecret,
      redirect_uris: [client.redirectUri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    })),
    findAccount: async (_ctx, id) => {
      const account = accounts.get(id);
      if (!account) return undefined;
      return {
        accountId: id,
        claims: async () => ({
          sub: id,
          email: account.email,
          ...(account.emailVerified === undefined ? {} : { email_verified: account.emailVerified }),
          ...account.extraClaims,
        }),
      };
    },
    claims: { openid: ['sub'], email: ['email', 'email_verified', 'xms_edov'] },
    // As Entra ID and Google do: the email is in the id_token itself, not only at userinfo.
    conformIdTokenClaims: false,
    jwks: { keys: [{ ...(privateKey.export({ format: 'jwk' }) as object), kid, alg: 'RS256', use: 'sig' }] },
    cookies: { keys: [randomBytes(16).toString('hex')] },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    pkce: { required: () => true },
    clientBasedCORS: () => false,
  });
  provider.use(async (ctx: KoaContextWithOIDC, next) => {
    await next();
    const body = ctx.body as { id_token?: string } | undefined;
    if (!tamper || ctx.path !== '/token' || !body?.id_token) return;
    const [headerPart, claimsPart] = body.id_token.split('.');
    const header = JSON.parse(Buffer.from(headerPart!, 'base64url').toString()) as object;
    const rebuilt = tamper(JSON.parse(Buffer.from(claimsPart!, 'base64url').toString()) as Record<string, unknown>);
    ctx.body = { ...body, id_token: signRs256(header, rebuilt.claims, rebuilt.key ?? privateKey) };
  });

  const callback = provider.callback();
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const match = /^\/interaction\/([\w-]+)(\/login)?$/.exec(request.url ?? '');
    if (!match) return void callback(request, response);
    void (async () => {
      try {
        if (!match[2]) {
          await provider.interactionDetails(request, response);
          response.setHeader('content-type', 'text/html');
          response.end(
            page(
              'Test IdP sign-in',
              `<h1>Test IdP</h1><p>Sign in to continue.</p>
<form method="post" action="/interaction/${escapeHtml(match[1]!)}/login"><label for="idp-email">Email</label>
<input id="idp-email" name="email" type="email" required><button type="submit">Sign in</button></form>`,
            ),
          );
          return;
        }
        const details = await provider.interactionDetails(request, response);
        const email = (await formOf(request)).get('email') ?? '';
        const accountId = [...accounts].find(([, account]) => account.email === email)?.[0];
        if (!accountId) {
          response.statusCode = 401;
          response.end(page('Test IdP', '<p>No such account at the test IdP.</p>'));
          return;
        }
        const grant = new provider.Grant({ accountId, clientId: details.params.client_id as string });
        grant.addOIDCScope('openid email');
        const grantId = await grant.save();
        await provider.interactionFinished(
          request,
          response,
          { login: { accountId }, consent: { grantId } },
          { mergeWithLastSubmission: false },
        );
      } catch (error) {
        response.statusCode = 500;
        response.end(String(error));
      }
    })();
  });

  return {
    issuer,
    client(clientId) {
      const client = clients.find((candidate) => candidate.clientId === clientId);
      if (!client) throw new Error(`no test IdP client ${clientId}`);
      return client;
    },
    addAccount(account) {
      accounts.set(`account-${randomUUID().slice(0, 8)}`, account);
    },
    async authorize(authorizationUrl, email) {
      const cookies = new Map<string, string>();
      const fetchIdp = async (url: string, init: RequestInit = {}) => {
        const response = await fetch(url, {
          ...init,
          redirect: 'manual',
          headers: {
            ...(init.headers as Record<string, string>),
            cookie: [...cookies].map((c) => c.join('=')).join('; '),
          },
        });
        for (const header of response.headers.getSetCookie()) {
          const [pair] = header.split(';');
          const separator = pair!.indexOf('=');
          cookies.set(pair!.slice(0, separator), pair!.slice(separator + 1));
        }
        return response;
      };
      let response = await fetchIdp(authorizationUrl);
      for (let hops = 0; hops < 10; hops++) {
        const location = response.headers.get('location');
        if (!location) throw new Error(`the test IdP answered ${response.status}: ${await response.text()}`);
        const next = new URL(location, issuer);
        if (next.origin !== issuer) return next;
        if (next.pathname.startsWith('/interaction/')) {
          await fetchIdp(next.href);
          response = await fetchIdp(`${next.href}/login`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({ email }).toString(),
          });
        } else response = await fetchIdp(next.href);
      }
      throw new Error('the test IdP redirected too many times');
    },
    tamperIdTokens(next) {
      tamper = next;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
