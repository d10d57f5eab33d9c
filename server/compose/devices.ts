import type { RenderTemplate } from '../../activities/message-templates';
import type { Secrets } from '../../common/crypto/secrets';
import type { Logger } from '../../common/logger';
import type { EmailProvider } from '../../plugins/types';
import type { Client } from '@temporalio/client';
import type { Config } from '../config';
import type { Database } from '../db/connect';
import { createTransact } from '../db/transact';
import { PairingCredentials, requireDevice } from '../http/device-auth';
import type { DeviceApiRoutesDeps } from '../routes/api/device';
import type { LockoutService } from '../services/lockout.service';
import { DeviceActionsService } from '../services/devices/device-actions.service';
import { DeviceAuthService } from '../services/devices/device-auth.service';
import { DeviceNotices } from '../services/devices/device-notices';
import { DeviceRegistrationService } from '../services/devices/device-registration.service';
import { PairingService } from '../services/devices/pairing.service';
import { webAuthnSiteOf } from '../services/devices/webauthn';
import { temporalEnrollmentPairing } from '../services/temporal-calls';
import type { ResetService } from '../services/reset.service';
import type { Stores } from './stores';

/** The app's device services and the deps of its routes, built once for the device API and the pages alike. */
export function buildDeviceApi(deps: {
  config: Config;
  db: Database;
  stores: Stores;
  secrets: Secrets;
  temporal: Pick<Client, 'workflow'>;
  email: EmailProvider;
  render: RenderTemplate;
  logger: Logger;
  vapidPublicKey?: () => string | null;
  /** Absent in tests that build the device services alone: the reset routes are then not mounted. */
  resets?: ResetService;
  lockouts?: LockoutService;
}): DeviceApiRoutesDeps {
  const { config, stores, secrets } = deps;
  const webauthn = webAuthnSiteOf(config.publicUrl);
  const notices = new DeviceNotices({
    tenants: stores.tenants,
    email: deps.email,
    render: deps.render,
    logger: deps.logger,
  });
  const pairing = new PairingService({
    pairingTokens: stores.pairingTokens,
    tenants: stores.tenants,
    audit: stores.audit,
    secrets,
    appUrl: config.appUrl,
    webauthn,
  });
  return {
    pairing,
    pairingCredentials: new PairingCredentials(pairing, {
      https: config.http.https,
      publicOrigin: new URL(config.publicUrl).origin,
    }),
    registration: new DeviceRegistrationService({
      devices: stores.devices,
      pairingTokens: stores.pairingTokens,
      transact: createTransact(deps.db),
      enrollmentPairing: temporalEnrollmentPairing(deps.temporal),
      notices,
      secrets,
      webauthn,
    }),
    actions: new DeviceActionsService({
      devices: stores.devices,
      challenges: stores.deviceChallenges,
      audit: stores.audit,
      notices,
      secrets,
      webauthn,
    }),
    requireDevice: requireDevice(new DeviceAuthService({ devices: stores.devices, secrets })),
    devices: stores.devices,
    tenants: stores.tenants,
    audit: stores.audit,
    notices,
    rateLimits: stores.rateLimits,
    secrets,
    requestsPerIpPerMinute: config.limits.requestsPerIpPerMinute,
    vapidPublicKey: deps.vapidPublicKey ?? (() => null),
    logger: deps.logger,
    resets: deps.resets && { resets: deps.resets, passwordResets: stores.passwordResets },
    lockouts: deps.lockouts,
  };
}
