import type { Secrets } from '../common/crypto/secrets';
import type { EmailProvider, SmsProvider } from '../plugins/types';
import type { AuditStore } from '../server/db/audit.store';
import type { PasswordResetsStore } from '../server/db/password-resets.store';
import type { EnrollmentsStore } from '../server/db/enrollments.store';
import type { RateLimitStore } from '../server/db/rate-limit.store';
import type { TenantsStore } from '../server/db/tenants.store';
import type { UsersStore } from '../server/db/users.store';
import type { Database } from '../server/db/connect';
import type { RenderTemplate } from './message-templates';

/** Everything the central worker's activities need, built once by the worker and passed in. */
export interface ActivityDeps {
  db: Database;
  stores: {
    tenants: TenantsStore;
    users: UsersStore;
    enrollments: EnrollmentsStore;
    audit: AuditStore;
    rateLimits: RateLimitStore;
    passwordResets: PasswordResetsStore;
  };
  secrets: Secrets;
  email: EmailProvider;
  sms: SmsProvider;
  render: RenderTemplate;
  urls: { publicUrl: string; appUrl: string };
  /** Codes one user, and one phone number, may receive in 24 hours. */
  limits: { smsPerDay: number };
}
