import * as oidc from 'openid-client';
import { isLoopbackHost } from '../../../common/loopback-host';

export interface OidcClientSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
}

/** The id_token's claims that sign-in reads, once openid-client has checked everything else about it. */
export interface VerifiedIdentity {
  subject: string;
  email?: string;
  emailVerified: boolean;
}

/** The identity provider could not be reached, or its discovery document does not describe this issuer. */
export class IdentityProviderUnavailableError extends Error {
  override name = 'IdentityProviderUnavailableError';
}

const TIMEOUT_SECONDS = 10;

/**
 * The identity provider as openid-client sees it, from its discovery document (whose `issuer` must be exactly the
 * one configured). Non-repudiation checks are on, so the id_token's signature is verified against the provider's
 * JWKS, not taken on trust from the token endpoint's TLS. Plain http is allowed only for a loopback issuer, which
 * is what the tests run.
 */
async function configurationOf(settings: OidcClientSettings): Promise<oidc.Configuration> {
  const issuer = new URL(settings.issuer);
  const execute = [oidc.enableNonRepudiationChecks];
  if (issuer.protocol === 'http:' && isLoopbackHost(issuer.hostname)) execute.push(oidc.allowInsecureRequests);
  try {
    return await oidc.discovery(issuer, settings.clientId, undefined, oidc.ClientSecretBasic(settings.clientSecret), {
      execute,
      timeout: TIMEOUT_SECONDS,
    });
  } catch (error) {
    throw new IdentityProviderUnavailableError(`${settings.issuer}: ${(error as Error).message}`);
  }
}

/** What an issuer URL must look like: https, or http on this machine only. */
export function issuerProblem(issuer: string): string | undefined {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    return 'the issuer must be a URL, such as https://login.microsoftonline.com/<tenant>/v2.0';
  }
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return undefined;
  return 'the issuer must be an https URL';
}

/** Fetches the discovery document, as a check that the settings lead somewhere, before they are saved. */
export async function checkIssuer(settings: OidcClientSettings): Promise<void> {
  await configurationOf(settings);
}

/** A fresh state, nonce and PKCE verifier, and the authorization request URL that carries them. */
export async function startAuthorization(
  settings: OidcClientSettings,
  request: { redirectUri: string; loginHint?: string },
): Promise<{ url: string; state: string; nonce: string; codeVerifier: string }> {
  const configuration = await configurationOf(settings);
  const codeVerifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const parameters: Record<string, string> = {
    redirect_uri: request.redirectUri,
    scope: 'openid email',
    response_type: 'code',
    code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  };
  if (request.loginHint) parameters.login_hint = request.loginHint;
  return { url: oidc.buildAuthorizationUrl(configuration, parameters).href, state, nonce, codeVerifier };
}

/**
 * Redeems the authorization response at the token endpoint with the PKCE verifier, and verifies the id_token:
 * its signature (JWKS), issuer, audience (and azp), expiry, issue time and nonce. Anything wrong throws.
 */
export async function finishAuthorization(
  settings: OidcClientSettings,
  callbackUrl: URL,
  expected: { state: string; nonce: string; codeVerifier: string },
): Promise<VerifiedIdentity> {
  const configuration = await configurationOf(settings);
  const tokens = await oidc.authorizationCodeGrant(configuration, callbackUrl, {
    pkceCodeVerifier: expected.codeVerifier,
    expectedState: expected.state,
    expectedNonce: expected.nonce,
    idTokenExpected: true,
  });
  const claims = tokens.claims();
  if (!claims) throw new Error('the token response carried no id_token');
  return {
    subject: claims.sub,
    email: typeof claims.email === 'string' ? claims.email : undefined,
    // Only a boolean true. Entra ID never sends email_verified for work accounts; its optional claim xms_edov
    // (the email's domain is one the tenant has verified) stands in for it, and only when email_verified is absent.
    emailVerified: claims.email_verified === true || (claims.email_verified === undefined && claims.xms_edov === true),
  };
}
