import type { RequestHandler } from 'express';
import type { Secrets } from '../../../../common/crypto/secrets';
import type { Logger } from '../../../../common/logger';
import type { AuditStore } from '../../../db/audit.store';
import type { DevicesStore } from '../../../db/devices.store';
import type { RateLimitStore } from '../../../db/rate-limit.store';
import type { TenantsStore } from '../../../db/tenants.store';
import type { PairingCredentials } from '../../../http/device-auth';
import type { DeviceActionsService } from '../../../services/devices/device-actions.service';
import type { DeviceNotices } from '../../../services/devices/device-notices';
import type { DeviceRegistrationService } from '../../../services/devices/device-registration.service';
import type { PairingService } from '../../../services/devices/pairing.service';
import type { PasswordResetsStore } from '../../../db/password-resets.store';
import type { ResetService } from '../../../services/reset.service';
import type { LockoutService } from '../../../services/lockout.service';

/** What `POST/GET /resets` need beyond the device services. */
export interface DeviceResetsDeps {
  resets: ResetService;
  passwordResets: PasswordResetsStore;
}

export interface DeviceApiRoutesDeps {
  pairing: PairingService;
  pairingCredentials: PairingCredentials;
  registration: DeviceRegistrationService;
  actions: DeviceActionsService;
  /** `Authorization: Device <id>.<secret>` (server/http/device-auth.ts requireDevice). */
  requireDevice: RequestHandler;
  devices: DevicesStore;
  tenants: TenantsStore;
  audit: AuditStore;
  notices: DeviceNotices;
  rateLimits: RateLimitStore;
  secrets: Secrets;
  requestsPerIpPerMinute: number;
  /** The VAPID public key the app subscribes with, when a Web Push provider is configured. */
  vapidPublicKey: () => string | null;
  logger: Logger;
  /** The reset service and store behind `POST/GET /resets`. */
  resets?: DeviceResetsDeps;
  /** The lockout service behind `/lockouts` (docs/app.md); absent in tests that build the device services alone. */
  lockouts?: LockoutService;
}
