import { FieldCipher } from '../../../common/crypto/field-cipher';
import type { Secrets } from '../../../common/crypto/secrets';
import type { AuditStore } from '../../db/audit.store';
import type { SsoConfigsStore } from '../../db/sso-configs.store';
import { normaliseDomain } from './email-domain';
import {
  checkIssuer,
  IdentityProviderUnavailableError,
  issuerProblem,
  type OidcClientSettings,
} from './oidc-relying-party';

const SECRET_COLUMN = 'msp_sso_configs.client_secret_sealed';

export interface SsoSettingsInput {
  issuer: string;
  clientId: string;
  clientSecret: string;
  domains: string[];
}

/** What an admin may see of the settings: everything but the secret. */
export interface SsoSettingsView {
  issuer: string;
  clientId: string;
  domains: string[];
  updatedAt: Date;
}

export type SaveSsoOutcome =
  { status: 'saved' } | { status: 'invalid'; problem: string } | { status: 'domain_taken'; domains: string[] };

/**
 * An MSP's single sign-on settings. The client secret is sealed under its own subkey, bound to its column and to
 * the MSP, so it opens for that MSP's sign-ins only; no read hands it out. Saving checks the issuer's discovery
 * document first, so a mistyped issuer fails here rather than at a technician's sign-in.
 */
export class SsoSettingsService {
  private readonly cipher: FieldCipher;

  constructor(private readonly deps: { configs: SsoConfigsStore; audit: AuditStore; secrets: Secrets }) {
    this.cipher = new FieldCipher(deps.secrets.key('sso-client-secret'));
  }

  async save(mspId: string, input: SsoSettingsInput, actor: string): Promise<SaveSsoOutcome> {
    const issuer = input.issuer.trim();
    const problem = issuerProblem(issuer);
    if (problem) return { status: 'invalid', problem };
    const clientId = input.clientId.trim();
    if (!clientId || clientId.length > 255) return { status: 'invalid', problem: 'the client id is missing' };
    if (!input.clientSecret || input.clientSecret.length > 1024)
      return { status: 'invalid', problem: 'the client secret is missing' };
    const domains = [...new Set(input.domains.map((domain) => normaliseDomain(domain)))];
    if (domains.length === 0 || domains.some((domain) => domain === undefined))
      return { status: 'invalid', problem: 'give one or more email domains, such as example.com' };
    try {
      await checkIssuer({ issuer, clientId, clientSecret: input.clientSecret });
    } catch (error) {
      if (!(error instanceof IdentityProviderUnavailableError)) throw error;
      return { status: 'invalid', problem: `the issuer's discovery document could not be read (${error.message})` };
    }
    const saved = await this.deps.configs.save({
      mspId,
      issuer,
      clientId,
      clientSecretSealed: this.cipher.encrypt(input.clientSecret, `${SECRET_COLUMN}:${mspId}`),
      domains: domains as string[],
    });
    if (!saved.saved) return { status: 'domain_taken', domains: saved.taken };
    await this.deps.audit.record({
      mspId,
      actor,
      action: 'sso.configured',
      detail: { issuer, clientId, domains: domains as string[] },
    });
    return { status: 'saved' };
  }

  async remove(mspId: string, actor: string): Promise<boolean> {
    const removed = await this.deps.configs.remove(mspId);
    if (removed) await this.deps.audit.record({ mspId, actor, action: 'sso.removed' });
    return removed;
  }

  async describe(mspId: string): Promise<SsoSettingsView | undefined> {
    const config = await this.deps.configs.get(mspId);
    if (!config) return undefined;
    return { issuer: config.issuer, clientId: config.clientId, domains: config.domains, updatedAt: config.updatedAt };
  }

  /** For a sign-in of this MSP only: the settings with the secret opened, and the domains it vouches for. */
  async forSignIn(mspId: string): Promise<(OidcClientSettings & { domains: string[] }) | undefined> {
    const config = await this.deps.configs.get(mspId);
    if (!config) return undefined;
    return {
      issuer: config.issuer,
      clientId: config.clientId,
      clientSecret: this.cipher.decrypt(config.clientSecretSealed, `${SECRET_COLUMN}:${mspId}`),
      domains: config.domains,
    };
  }
}
