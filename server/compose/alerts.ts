import type { RenderTemplate } from '../../activities/message-templates';
import { createMspAlerter, type MspAlerter } from '../../activities/msp-alerts';
import type { Config } from '../config';
import type { Providers } from './providers';
import type { Stores } from './stores';

/** The MSP alerter over this process's stores and email provider; the API and the central worker each build one. */
export function buildMspAlerter(
  config: Config,
  stores: Stores,
  providers: Providers,
  render: RenderTemplate,
): MspAlerter {
  return createMspAlerter({
    audit: stores.audit,
    email: providers.email,
    render,
    alertEmail: config.alertEmail,
    async names(alert) {
      if (alert.userId) {
        const found = await stores.tenants.userWithOrg(alert.userId);
        return found && { clientName: found.clientName, username: found.user.username };
      }
      const clientName = await stores.tenants.clientName(alert.clientId);
      return clientName === undefined ? undefined : { clientName };
    },
  });
}
