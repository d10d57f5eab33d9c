import { FieldCipher } from '../../../common/crypto/field-cipher';
import { constantTimeEqual } from '../../../common/crypto/keys';
import type { Secrets } from '../../../common/crypto/secrets';
import type { Logger } from '../../../common/logger';
import type { AuditStore } from '../../db/audit.store';
import type { SsoAttemptsStore } from '../../db/sso-attempts.store';
import type { TechniciansStore } from '../../db/technicians.store';
import { domainOfEmailOrDomain } from './email-domain';
import { finishAuthorization, IdentityProviderUnavailableError, startAuthorization } from './oidc-relying-party';
import type { SsoSettingsService } from './sso-settings.service';

/** Long enough to sign in at the identity provider, MFA included; an older callback is refused. */
export const SSO_ATTEMPT_TTL_MS = 10 * 60_000;

const VERIFIER_COLUMN = 'console_sso_attempts.code_verifier_sealed';

export type SsoStart =
  { status: 'redirect'; url: string; state: string } | { status: 'not_configured' } | { status: 'unavailable' };

export type SsoRefusal =
  /** The callback's state is not the one this browser was sent off with (or it has none). */
  | 'state_mismatch'
  /** No unspent, unexpired sign-in has that state. */
  | 'expired'
  | 'unavailable'
  /** The provider answered with an error, or its token or id_token failed a check. */
  | 'invalid_response'
  | 'email_not_verified'
  | 'domain_not_allowed'
  /** No technician of this MSP has that email (one of another MSP counts as none). */
  | 'no_technician'
  | 'disabled';

export type SsoFinish =
  { status: 'ok'; technicianId: string; mspId: string } | { status: 'refused'; reason: SsoRefusal; mspId?: string };

/**
 * Single sign-on for technicians: the email's domain names the MSP, whose identity provider is sent an
 * authorization code request with PKCE, state and nonce. The callback must come back to the browser that set off
 * (the state is also in a cookie), and spends the sign-in; the id_token must pass every check, say the email is
 * verified, in a domain the MSP vouches for, and name an existing, active technician of that same MSP. Nobody is
 * created here. The provider did the authentication (its MFA included), so a pass is a full sign-in.
 */
export class SsoSignInService {
  private readonly verifierCipher: FieldCipher;

  constructor(
    private readonly deps: {
      settings: SsoSettingsService;
      attempts: SsoAttemptsStore;
      technicians: TechniciansStore;
      audit: AuditStore;
      secrets: Secrets;
      /** The one callback URL, registered at every MSP's provider: `<publicUrl>/console/sign-in/sso/callback`. */
      redirectUri: string;
      mspOfDomain: (domain: string) => Promise<string | undefined>;
      logger: Logger;
    },
  ) {
    this.verifierCipher = new FieldCipher(deps.secrets.key('console-sso-verifier'));
  }

  private stateHash(state: string): string {
    return this.deps.secrets.hash('console-sso-state', state);
  }

  async start(emailOrDomain: string): Promise<SsoStart> {
    const domain = domainOfEmailOrDomain(emailOrDomain);
    const mspId = domain ? await this.deps.mspOfDomain(domain) : undefined;
    const settings = mspId ? await this.deps.settings.forSignIn(mspId) : undefined;
    if (!mspId || !settings) return { status: 'not_configured' };
    try {
      const loginHint = emailOrDomain.includes('@') ? emailOrDomain.trim() : undefined;
      const request = await startAuthorization(settings, { redirectUri: this.deps.redirectUri, loginHint });
      const stateHash = this.stateHash(request.state);
      await this.deps.attempts.issue(
        stateHash,
        {
          mspId,
          nonce: request.nonce,
          codeVerifierSealed: this.verifierCipher.encrypt(request.codeVerifier, `${VERIFIER_COLUMN}:${stateHash}`),
        },
        new Date(Date.now() + SSO_ATTEMPT_TTL_MS),
      );
      return { status: 'redirect', url: request.url, state: request.state };
    } catch (error) {
      if (!(error instanceof IdentityProviderUnavailableError)) throw error;
      this.deps.logger.warn('An MSP identity provider could not be reached', { mspId, error: error.message });
      return { status: 'unavailable' };
    }
  }

  /** `boundState` is the state this browser was sent off with (its cookie); `callbackUrl` is what came back. */
  async finish(callbackUrl: URL, boundState: string | undefined): Promise<SsoFinish> {
    const state = callbackUrl.searchParams.get('state') ?? '';
    if (!state || !boundState || !constantTimeEqual(state, boundState))
      return { status: 'refused', reason: 'state_mismatch' };
    const stateHash = this.stateHash(state);
    const attempt = await this.deps.attempts.consume(stateHash);
    if (!attempt) return { status: 'refused', reason: 'expired' };
    const { mspId } = attempt;
    const refuse = async (reason: SsoRefusal, detail: Record<string, string> = {}): Promise<SsoFinish> => {
      await this.deps.audit.record({
        mspId,
        // Whoever came back is not known to be the technician: the account, if any, is named in the detail.
        actor: 'anonymous',
        action: 'technician.sign_in_refused',
        detail: { method: 'oidc', reason, ...detail },
      });
      return { status: 'refused', reason, mspId };
    };
    const settings = await this.deps.settings.forSignIn(mspId);
    if (!settings) return refuse('unavailable');
    let identity;
    try {
      identity = await finishAuthorization(settings, callbackUrl, {
        state,
        nonce: attempt.nonce,
        codeVerifier: this.verifierCipher.decrypt(attempt.codeVerifierSealed, `${VERIFIER_COLUMN}:${stateHash}`),
      });
    } catch (error) {
      if (error instanceof IdentityProviderUnavailableError) return refuse('unavailable');
      // openid-client's errors name the check that failed; that goes to the log and the audit, not the page. Its
      // message may quote what the provider answered, so it is not logged.
      const check = (error as { code?: string }).code ?? (error as Error).name;
      this.deps.logger.info('A single sign-on answer was refused', { mspId, check });
      return refuse('invalid_response', { check });
    }
    const email = identity.email?.trim() ?? '';
    if (!email) return refuse('email_not_verified', { subject: identity.subject });
    if (!identity.emailVerified) return refuse('email_not_verified', { email });
    const domain = domainOfEmailOrDomain(email);
    if (!domain || !settings.domains.includes(domain) || !email.includes('@'))
      return refuse('domain_not_allowed', { email });
    const technician = await this.deps.technicians.findForSignIn(email);
    if (!technician || technician.msp_id !== mspId) return refuse('no_technician', { email });
    if (technician.disabled_at) return refuse('disabled', { technicianId: technician.id });
    return { status: 'ok', technicianId: technician.id, mspId };
  }
}
