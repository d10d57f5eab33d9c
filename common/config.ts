import { resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError } from './errors';
import type { EnrollmentTimings } from './domain/enrollment';
import { parseDuration } from './duration';
import { decodeKey, parseKeyRing, type KeyRing } from './crypto/keys';

/**
 * The one place that reads process.env. Everything else receives a typed slice of the result, so a setting
 * is validated once, at start-up, with a message that names it.
 */
type Env = Record<string, string | undefined>;

const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      try {
        return parseDuration(text);
      } catch (error) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: (error as Error).message });
        return z.NEVER;
      }
    });

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const flag = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .default(fallback ? 'true' : 'false')
    .transform((value) => ['true', '1', 'yes'].includes(value));

export const envSchema = z.object({
  LATCHKEY_DATA_DIR: z.string().default('data'),
  LATCHKEY_PUBLIC_URL: z.string().url().default('http://localhost:3000'),
  LATCHKEY_HTTP_HOST: z.string().default('127.0.0.1'),
  LATCHKEY_HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  LATCHKEY_TRUST_PROXY: z.string().default('loopback'),
  LATCHKEY_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  LATCHKEY_MASTER_KEY: z.string().optional(),
  LATCHKEY_CODEC_KEYS: z.string().optional(),
  LATCHKEY_CODEC_ADMIN_TOKEN: z.string().min(24, 'must be at least 24 characters').optional(),
  LATCHKEY_DEFAULT_PHONE_REGION: z
    .string()
    .regex(/^[A-Z]{2}$/, 'must be a two-letter ISO country code such as US or GB')
    .default('US'),
  LATCHKEY_APP_URL: z.string().url().optional(),

  DATABASE_URL: z.string().optional(),

  TEMPORAL_ADDRESS: z.string().default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().optional(),
  TEMPORAL_UI_URL: z.string().url().default('http://127.0.0.1:8233'),
  LATCHKEY_AGENT_TEMPORAL_ADDRESS: z.string().optional(),

  EMAIL_PROVIDER: z.enum(['outbox', 'smtp']).optional(),
  EMAIL_FROM: z.string().default('Latchkey <no-reply@latchkey.invalid>'),
  SMTP_HOST: z.string().optional(),
  SMTP_PORT: z.coerce.number().int().positive().default(587),
  SMTP_SECURE: flag(false),
  SMTP_REQUIRE_TLS: flag(true),
  SMTP_USER: z.string().optional(),
  SMTP_PASSWORD: z.string().optional(),

  SMS_PROVIDER: z.enum(['outbox', 'twilio']).optional(),
  SMS_SERVICE_NUMBER: z.string().default('+15005550006'),
  TWILIO_ACCOUNT_SID: z.string().optional(),
  TWILIO_AUTH_TOKEN: z.string().optional(),
  TWILIO_API_BASE_URL: z.string().url().optional(),

  ENROLLMENT_LINK_TTL: duration('72h'),
  ENROLLMENT_STEP_TIMEOUT: duration('30m'),
  ENROLLMENT_CODE_TTL: duration('5m'),
  ENROLLMENT_MAX_CODE_ATTEMPTS: positiveInt(5),
  ENROLLMENT_BLOCK_DURATION: duration('1h'),
  SMS_RESEND_INTERVAL: duration('60s'),
  SMS_DAILY_LIMIT_PER_USER: positiveInt(10),
  RATE_LIMIT_PER_IP_PER_MINUTE: positiveInt(30),
});

/** The enrollment timings the workflow takes as input, read from the environment. */
export type EnrollmentPolicy = EnrollmentTimings;

export type EmailConfig =
  | { provider: 'outbox'; from: string }
  | {
      provider: 'smtp';
      from: string;
      host: string;
      port: number;
      secure: boolean;
      requireTls: boolean;
      auth?: { user: string; pass: string };
    };

export type SmsConfig =
  | { provider: 'outbox'; serviceNumber: string }
  | { provider: 'twilio'; serviceNumber: string; accountSid: string; authToken: string; apiBaseUrl?: string };

export interface Config {
  dataDir: string;
  publicUrl: string;
  appUrl: string;
  http: { host: string; port: number; trustProxy: string };
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  masterKey: Buffer;
  codecKeys: KeyRing;
  codecAdminToken?: string;
  defaultPhoneRegion: string;
  databaseUrl?: string;
  temporal: { address: string; namespace?: string; uiUrl: string };
  /** The Temporal address handed to agents, when they reach it by another name than this process does. */
  agentTemporalAddress?: string;
  email: EmailConfig;
  sms: SmsConfig;
  enrollment: EnrollmentPolicy;
  limits: { smsPerUserPerDay: number; requestsPerIpPerMinute: number };
}

export function isLoopbackHost(hostname: string): boolean {
  return (
    hostname === 'localhost' || hostname === '[::1]' || hostname === '::1' || /^127\.\d+\.\d+\.\d+$/.test(hostname)
  );
}

export function loadConfig(env: Env = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  const e = parsed.data;
  const problems: string[] = [];
  const required = (name: string, value: string | undefined, why: string): string => {
    if (!value) problems.push(`${name} is required ${why}`);
    return value ?? '';
  };

  const keyOr = <T>(name: string, read: () => T): T | undefined => {
    try {
      return read();
    } catch (error) {
      problems.push(`${name}: ${(error as Error).message}`);
      return undefined;
    }
  };
  const masterKey = keyOr('LATCHKEY_MASTER_KEY', () =>
    decodeKey(
      required('LATCHKEY_MASTER_KEY', e.LATCHKEY_MASTER_KEY, '(32 random bytes, base64)'),
      'LATCHKEY_MASTER_KEY',
    ),
  );
  const codecKeys = keyOr('LATCHKEY_CODEC_KEYS', () =>
    parseKeyRing(
      required('LATCHKEY_CODEC_KEYS', e.LATCHKEY_CODEC_KEYS, '("keyId:base64key", newest first)'),
      'LATCHKEY_CODEC_KEYS',
    ),
  );

  const publicUrl = e.LATCHKEY_PUBLIC_URL.replace(/\/+$/, '');
  // The outbox shows codes and passwords to whoever can open it, so it is a silent default only on a machine
  // that serves itself; anywhere else a forgotten SMTP or Twilio setting must stop the start, not fall back.
  const local = isLoopbackHost(new URL(publicUrl).hostname);
  const emailProvider = e.EMAIL_PROVIDER ?? (e.SMTP_HOST ? 'smtp' : 'outbox');
  if (!e.EMAIL_PROVIDER && !e.SMTP_HOST && !local) {
    problems.push(
      'EMAIL_PROVIDER: set SMTP_HOST (or EMAIL_PROVIDER=outbox explicitly, for a test instance) when LATCHKEY_PUBLIC_URL is not localhost',
    );
  }
  const email: EmailConfig =
    emailProvider === 'smtp'
      ? {
          provider: 'smtp',
          from: e.EMAIL_FROM,
          host: required('SMTP_HOST', e.SMTP_HOST, 'when EMAIL_PROVIDER=smtp'),
          port: e.SMTP_PORT,
          secure: e.SMTP_SECURE,
          requireTls: e.SMTP_REQUIRE_TLS,
          auth: e.SMTP_USER ? { user: e.SMTP_USER, pass: e.SMTP_PASSWORD ?? '' } : undefined,
        }
      : { provider: 'outbox', from: e.EMAIL_FROM };

  const smsProvider = e.SMS_PROVIDER ?? (e.TWILIO_ACCOUNT_SID ? 'twilio' : 'outbox');
  if (!e.SMS_PROVIDER && !e.TWILIO_ACCOUNT_SID && !local) {
    problems.push(
      'SMS_PROVIDER: set TWILIO_ACCOUNT_SID (or SMS_PROVIDER=outbox explicitly, for a test instance) when LATCHKEY_PUBLIC_URL is not localhost',
    );
  }
  // The SDK sends the auth token and every message body (codes, passwords) to this address.
  if (
    e.TWILIO_API_BASE_URL &&
    new URL(e.TWILIO_API_BASE_URL).protocol !== 'https:' &&
    !isLoopbackHost(new URL(e.TWILIO_API_BASE_URL).hostname)
  ) {
    problems.push('TWILIO_API_BASE_URL must use https:// unless it points at this machine');
  }
  if (!/^\+[1-9]\d{6,14}$/.test(e.SMS_SERVICE_NUMBER)) {
    problems.push('SMS_SERVICE_NUMBER must be an E.164 number such as +15005550006');
  }
  const sms: SmsConfig =
    smsProvider === 'twilio'
      ? {
          provider: 'twilio',
          serviceNumber: e.SMS_SERVICE_NUMBER,
          accountSid: required('TWILIO_ACCOUNT_SID', e.TWILIO_ACCOUNT_SID, 'when SMS_PROVIDER=twilio'),
          authToken: required('TWILIO_AUTH_TOKEN', e.TWILIO_AUTH_TOKEN, 'when SMS_PROVIDER=twilio'),
          apiBaseUrl: e.TWILIO_API_BASE_URL,
        }
      : { provider: 'outbox', serviceNumber: e.SMS_SERVICE_NUMBER };

  if (e.ENROLLMENT_CODE_TTL > e.ENROLLMENT_STEP_TIMEOUT) {
    problems.push('ENROLLMENT_CODE_TTL must not be longer than ENROLLMENT_STEP_TIMEOUT');
  }
  if (problems.length > 0 || !masterKey || !codecKeys) throw new ConfigError(problems);

  return {
    dataDir: resolve(e.LATCHKEY_DATA_DIR),
    publicUrl,
    appUrl: e.LATCHKEY_APP_URL ?? `${publicUrl}/app`,
    http: { host: e.LATCHKEY_HTTP_HOST, port: e.LATCHKEY_HTTP_PORT, trustProxy: e.LATCHKEY_TRUST_PROXY },
    logLevel: e.LATCHKEY_LOG_LEVEL,
    masterKey,
    codecKeys,
    codecAdminToken: e.LATCHKEY_CODEC_ADMIN_TOKEN,
    defaultPhoneRegion: e.LATCHKEY_DEFAULT_PHONE_REGION,
    databaseUrl: e.DATABASE_URL || undefined,
    temporal: { address: e.TEMPORAL_ADDRESS, namespace: e.TEMPORAL_NAMESPACE, uiUrl: e.TEMPORAL_UI_URL },
    agentTemporalAddress: e.LATCHKEY_AGENT_TEMPORAL_ADDRESS,
    email,
    sms,
    enrollment: {
      linkTtlMs: e.ENROLLMENT_LINK_TTL,
      stepTimeoutMs: e.ENROLLMENT_STEP_TIMEOUT,
      codeTtlMs: e.ENROLLMENT_CODE_TTL,
      maxCodeAttempts: e.ENROLLMENT_MAX_CODE_ATTEMPTS,
      blockDurationMs: e.ENROLLMENT_BLOCK_DURATION,
      resendIntervalMs: e.SMS_RESEND_INTERVAL,
    },
    limits: { smsPerUserPerDay: e.SMS_DAILY_LIMIT_PER_USER, requestsPerIpPerMinute: e.RATE_LIMIT_PER_IP_PER_MINUTE },
  };
}
