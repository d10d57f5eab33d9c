import type { Secrets } from '../../common/crypto/secrets';
import type { Logger } from '../../common/logger';
import type { Config } from '../config';
import { SSO_CALLBACK_PATH } from '../routes/console/sso.routes';
import { SsoSettingsService } from '../services/sso/sso-settings.service';
import { SsoSignInService } from '../services/sso/sso-sign-in.service';
import type { Stores } from './stores';

/** The console's single sign-on: the MSPs' settings and the sign-in over them, with its one callback URL. */
export function buildConsoleSso(deps: { config: Config; stores: Stores; secrets: Secrets; logger: Logger }) {
  const { config, stores, secrets } = deps;
  const publicUrl = config.publicUrl.replace(/\/$/, '');
  const settings = new SsoSettingsService({ configs: stores.ssoConfigs, audit: stores.audit, secrets });
  const signIn = new SsoSignInService({
    settings,
    attempts: stores.ssoAttempts,
    technicians: stores.technicians,
    audit: stores.audit,
    secrets,
    redirectUri: `${publicUrl}${SSO_CALLBACK_PATH}`,
    mspOfDomain: (domain) => stores.ssoConfigs.mspOfDomain(domain),
    logger: deps.logger,
  });
  return { settings, signIn, publicUrl, https: config.http.https };
}
