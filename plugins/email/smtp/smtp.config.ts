import { z } from 'zod';
import { flag } from '../../../common/env';
import { ConfigError } from '../../../common/errors';
import type { EmailSettings } from '../email.config';
import { providerEnv } from '../../provider-config';

export const smtpConfigSchema = z.object({
  provider: z.literal('smtp').default('smtp'),
  from: z.string().min(1),
  host: z.string({ required_error: 'is required for SMTP' }).min(1, 'is required for SMTP'),
  port: z.number().int().positive().max(65535).default(587),
  /** Implicit TLS (port 465); otherwise STARTTLS, which requireTls insists on. */
  secure: z.boolean().default(false),
  /** Refuse to send over a connection that did not upgrade to TLS. */
  requireTls: z.boolean().default(true),
  auth: z.object({ user: z.string().min(1), pass: z.string() }).optional(),
});

export type SmtpEmailConfigInput = z.input<typeof smtpConfigSchema>;
export type SmtpEmailConfig = z.output<typeof smtpConfigSchema>;

export function parseSmtpConfig(input: SmtpEmailConfigInput): SmtpEmailConfig {
  const result = smtpConfigSchema.safeParse(input);
  if (result.success) return result.data;
  // Values are left out of the problems: auth.pass would otherwise end up in a start-up log.
  throw new ConfigError(
    result.error.issues.map((issue) => `smtp ${issue.path.join('.') || 'config'}: ${issue.message}`),
  );
}

/** EMAIL_PROVIDER=smtp, or SMTP_HOST set with EMAIL_PROVIDER unset. */
export const smtpEnv = providerEnv({
  provider: 'smtp',
  variables: {
    SMTP_HOST: z.string().optional(),
    SMTP_PORT: z.coerce.number().int().positive().max(65535).default(587),
    SMTP_SECURE: flag(false),
    SMTP_REQUIRE_TLS: flag(true),
    SMTP_USER: z.string().optional(),
    SMTP_PASSWORD: z.string().optional(),
  },
  detectedBy: 'SMTP_HOST',
  schema: smtpConfigSchema,
  sources: {
    from: 'EMAIL_FROM',
    host: 'SMTP_HOST',
    port: 'SMTP_PORT',
    secure: 'SMTP_SECURE',
    requireTls: 'SMTP_REQUIRE_TLS',
    auth: 'SMTP_USER',
  },
  toInput: (vars, shared: EmailSettings) => ({
    from: shared.from,
    host: vars.SMTP_HOST,
    port: vars.SMTP_PORT,
    secure: vars.SMTP_SECURE,
    requireTls: vars.SMTP_REQUIRE_TLS,
    auth: vars.SMTP_USER ? { user: vars.SMTP_USER, pass: vars.SMTP_PASSWORD ?? '' } : undefined,
  }),
});
