import { resolve } from 'node:path';
import { z } from 'zod';
import { decodeKey, parseKeyRing } from '../common/crypto/keys';
import { duration, flag, logLevel, positiveInt, Problems, readVariables, type Env } from '../common/env';
import { ConfigError } from '../common/errors';
import { isLoopbackHost } from '../common/loopback-host';
import { parseTrustProxy } from './http/trust-proxy';
import { variablesOf, readProviderConfig, type FallbackPolicy } from '../plugins/provider-config';
import { emailKind, pushKind, smsKind, type EmailConfig, type PushConfig, type SmsConfig } from '../plugins/registry';
import { readServiceAccount } from '../plugins/push/fcm';
import type { EnrollmentTimings } from '../common/domain/enrollment';
import {
  readTemporalTransport,
  temporalTransportVariables,
  transportProblem,
  type TemporalTransport,
} from '../common/temporal/connection';

/**
 * The central server's config: its own settings below, and the email and SMS providers' slices, which their
 * plugin folders own (plugins/registry.ts lists them). This is the one place the server reads its environment;
 * everything else receives a typed slice of the result.
 */
const key = (name: string, what: string) =>
  z.string({ required_error: `is required (${what})` }).transform((text, ctx) => {
    try {
      return decodeKey(text, name);
    } catch (error) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: (error as Error).message });
      return z.NEVER;
    }
  });

const keyRing = (name: string, what: string) =>
  z.string({ required_error: `is required (${what})` }).transform((text, ctx) => {
    try {
      return parseKeyRing(text, name);
    } catch (error) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: (error as Error).message });
      return z.NEVER;
    }
  });

const serverVariables = {
  LATCHKEY_DATA_DIR: z.string().default('data'),
  LATCHKEY_PUBLIC_URL: z.string().url().default('http://localhost:3000'),
  LATCHKEY_HTTP_HOST: z.string().default('127.0.0.1'),
  LATCHKEY_HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  LATCHKEY_TRUST_PROXY: z
    .string()
    .default('loopback')
    .transform((text, ctx) => {
      const parsed = parseTrustProxy(text);
      if (typeof parsed === 'object' && !Array.isArray(parsed)) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: parsed.problem });
        return z.NEVER;
      }
      return parsed;
    }),
  LATCHKEY_BEHIND_TLS_PROXY: flag(false),
  LATCHKEY_LOG_LEVEL: logLevel('info'),
  LATCHKEY_MASTER_KEY: key('LATCHKEY_MASTER_KEY', '32 random bytes, base64'),
  LATCHKEY_CODEC_KEYS: keyRing('LATCHKEY_CODEC_KEYS', '"keyId:base64key", newest first'),
  LATCHKEY_CODEC_ADMIN_TOKEN: z.string().min(24, 'must be at least 24 characters').optional(),
  LATCHKEY_CODEC_LOGIN_FAILURES_PER_HOUR: positiveInt(10),
  LATCHKEY_DEFAULT_PHONE_REGION: z
    .string()
    .regex(/^[A-Z]{2}$/, 'must be a two-letter ISO country code such as US or GB')
    .default('US'),
  LATCHKEY_APP_URL: z.string().url().optional(),
  LATCHKEY_ALERT_EMAIL: z.string().email('must be an email address').optional(),

  DATABASE_URL: z.string().optional(),

  TEMPORAL_ADDRESS: z.string().default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().optional(),
  TEMPORAL_UI_URL: z.string().url().default('http://127.0.0.1:8233'),
  LATCHKEY_AGENT_TEMPORAL_ADDRESS: z.string().optional(),
  TEMPORAL_PROVISIONING_API_KEY: z.string().min(1).optional(),
  LATCHKEY_PROVISION_AGENT_TARGETS: flag(true),
  LATCHKEY_AGENT_HEARTBEAT_INTERVAL: duration('30s').refine(
    (ms) => ms >= 1000 && ms % 1000 === 0,
    'must be whole seconds, at least 1s (agents are told it in seconds)',
  ),

  ENROLLMENT_LINK_TTL: duration('24h'),
  ENROLLMENT_DISOWN_LINK_TTL: duration('7d'),
  LOCKOUT_PUSH_ACK_TIMEOUT: duration('60s'),
  LOCKOUT_MAX_WAIT: duration('24h'),
  ENROLLMENT_STEP_TIMEOUT: duration('30m'),
  ENROLLMENT_CODE_TTL: duration('5m'),
  ENROLLMENT_MAX_CODE_ATTEMPTS: positiveInt(5),
  ENROLLMENT_BLOCK_DURATION: duration('1h'),
  SMS_RESEND_INTERVAL: duration('60s'),
  SMS_DAILY_LIMIT_PER_USER: positiveInt(10),
  SMS_DAILY_LIMIT_PER_CLIENT: positiveInt(500),
  SMS_INBOUND_REPLIES_PER_HOUR: positiveInt(10),
  SMS_ALLOWED_COUNTRIES: z
    .string()
    .optional()
    .transform((list) =>
      list
        ?.split(',')
        .map((country) => country.trim().toUpperCase())
        .filter(Boolean),
    )
    .pipe(
      z
        .array(
          z.string().regex(/^[A-Z]{2}$/, 'must be two-letter ISO country codes separated by commas, such as US,CA'),
        )
        .optional(),
    ),
  RATE_LIMIT_PER_IP_PER_MINUTE: positiveInt(30),
  ACTIVATION_RESENDS_PER_USER_PER_HOUR: positiveInt(3),
};

type ServerVariables = z.output<z.ZodObject<typeof serverVariables>>;

/** The enrollment timings the workflow takes as input, read from the environment. */
export type EnrollmentPolicy = EnrollmentTimings;

function toServerSettings(e: ServerVariables) {
  const publicUrl = e.LATCHKEY_PUBLIC_URL.replace(/\/+$/, '');
  return {
    dataDir: resolve(e.LATCHKEY_DATA_DIR),
    publicUrl,
    appUrl: e.LATCHKEY_APP_URL ?? `${publicUrl}/app`,
    http: {
      host: e.LATCHKEY_HTTP_HOST,
      port: e.LATCHKEY_HTTP_PORT,
      trustProxy: e.LATCHKEY_TRUST_PROXY,
      /** Only a socket on loopback may serve the outbox: anyone who reaches it reads every code and password. */
      loopbackOnly: isLoopbackHost(e.LATCHKEY_HTTP_HOST),
      /** Browsers are sent an https:// address: HSTS, and Secure cookies with the __Host- prefix. */
      https: new URL(publicUrl).protocol === 'https:',
    },
    logLevel: e.LATCHKEY_LOG_LEVEL,
    masterKey: e.LATCHKEY_MASTER_KEY,
    codecKeys: e.LATCHKEY_CODEC_KEYS,
    codecAdminToken: e.LATCHKEY_CODEC_ADMIN_TOKEN,
    codecAdmin: {
      loginFailuresPerHour: e.LATCHKEY_CODEC_LOGIN_FAILURES_PER_HOUR,
    },
    defaultPhoneRegion: e.LATCHKEY_DEFAULT_PHONE_REGION,
    /** Where alerts for the MSP's technicians are emailed; they are always in the audit log. */
    alertEmail: e.LATCHKEY_ALERT_EMAIL,
    databaseUrl: e.DATABASE_URL || undefined,
    temporal: { address: e.TEMPORAL_ADDRESS, namespace: e.TEMPORAL_NAMESPACE, uiUrl: e.TEMPORAL_UI_URL },
    /** The Temporal address handed to agents, when they reach it by another name than this process does. */
    agentTemporalAddress: e.LATCHKEY_AGENT_TEMPORAL_ADDRESS,
    /** Whether the central worker registers each client's namespace and endpoint itself, and with which key. */
    provisioning: { enabled: e.LATCHKEY_PROVISION_AGENT_TARGETS, apiKey: e.TEMPORAL_PROVISIONING_API_KEY },
    /**
     * How often agents are told to send a heartbeat. An agent that misses two is offline
     * (common/domain/agent-health.ts), and the health watch checks for that once per interval.
     */
    agents: { heartbeatIntervalMs: e.LATCHKEY_AGENT_HEARTBEAT_INTERVAL },
    enrollment: {
      linkTtlMs: e.ENROLLMENT_LINK_TTL,
      stepTimeoutMs: e.ENROLLMENT_STEP_TIMEOUT,
      codeTtlMs: e.ENROLLMENT_CODE_TTL,
      maxCodeAttempts: e.ENROLLMENT_MAX_CODE_ATTEMPTS,
      blockDurationMs: e.ENROLLMENT_BLOCK_DURATION,
      resendIntervalMs: e.SMS_RESEND_INTERVAL,
    } satisfies EnrollmentPolicy,
    limits: {
      smsPerUserPerDay: e.SMS_DAILY_LIMIT_PER_USER,
      requestsPerIpPerMinute: e.RATE_LIMIT_PER_IP_PER_MINUTE,
      activationResendsPerUserPerHour: e.ACTIVATION_RESENDS_PER_USER_PER_HOUR,
      /** Texts sent for one client in 24 hours, unless its own `smsPerDay` says otherwise. */
      smsPerClientPerDay: e.SMS_DAILY_LIMIT_PER_CLIENT,
      smsRepliesPerSenderPerHour: e.SMS_INBOUND_REPLIES_PER_HOUR,
    },
    /** Countries whose numbers may be sent codes, for clients without a list of their own; undefined: any. */
    smsAllowedCountries: e.SMS_ALLOWED_COUNTRIES?.length ? e.SMS_ALLOWED_COUNTRIES : undefined,
    /** How long the "This wasn't me" link in the owner's enrollment notice works. */
    disownLinkTtlMs: e.ENROLLMENT_DISOWN_LINK_TTL,
    /** The lockout workflow's clocks: a text follows an unacknowledged push; a lock that never expires is let go. */
    lockout: { pushAckTimeoutMs: e.LOCKOUT_PUSH_ACK_TIMEOUT, maxWaitMs: e.LOCKOUT_MAX_WAIT },
  };
}

export type Config = ReturnType<typeof toServerSettings> & {
  email: EmailConfig;
  sms: SmsConfig;
  push: PushConfig;
  /** TLS, mTLS and API key for this process's Temporal connection. */
  temporalTransport: TemporalTransport;
};

/** Plain http to anything but this machine: every page, cookie and code crosses the network readable. */
function insecurePublicUrl(publicUrl: string): boolean {
  const url = new URL(publicUrl);
  return url.protocol !== 'https:' && !isLoopbackHost(url.hostname);
}

/** Every variable the server reads, its providers' included; a test keeps .env.example documenting them all. */
export const serverEnvironmentVariables: readonly string[] = [
  ...Object.keys(serverVariables),
  ...Object.keys(temporalTransportVariables),
  ...variablesOf(emailKind),
  ...variablesOf(smsKind),
  ...variablesOf(pushKind),
];

/** Reads and checks everything, and throws one ConfigError that lists every problem found. */
export function loadConfig(env: Env = process.env): Config {
  const problems = new Problems();
  const vars = readVariables(serverVariables, env, problems);
  if (vars && vars.ENROLLMENT_CODE_TTL > vars.ENROLLMENT_STEP_TIMEOUT) {
    problems.add('ENROLLMENT_CODE_TTL: must not be longer than ENROLLMENT_STEP_TIMEOUT');
  }
  const settings = vars && toServerSettings(vars);
  if (vars && settings && insecurePublicUrl(settings.publicUrl) && !vars.LATCHKEY_BEHIND_TLS_PROXY) {
    problems.add(
      'LATCHKEY_PUBLIC_URL: must be https:// anywhere but localhost, or browsers send codes, PINs and session ' +
        'cookies in the clear; if a TLS proxy in front of Latchkey serves this http:// address, set ' +
        'LATCHKEY_BEHIND_TLS_PROXY=true',
    );
  }
  const temporalTransport = readTemporalTransport(env, problems);
  const insecure = settings && temporalTransport && transportProblem(settings.temporal.address, temporalTransport);
  if (insecure) problems.add(`TEMPORAL_ADDRESS: ${insecure}`);

  // The outbox shows codes and passwords to whoever can open it, so it is a silent default only on a machine
  // that serves itself, at its own address and on its own loopback socket; anywhere else a forgotten SMTP or
  // Twilio setting must stop the start, not fall back to messages nobody will see.
  const outbox: FallbackPolicy = {
    // With no readable public URL that problem is reported already; a second one about the outbox would mislead.
    allowed: !settings || (isLoopbackHost(new URL(settings.publicUrl).hostname) && settings.http.loopbackOnly),
    refusedBecause: 'when LATCHKEY_PUBLIC_URL is not localhost or LATCHKEY_HTTP_HOST is not a loopback address',
  };
  const email = readProviderConfig(emailKind, env, problems, outbox);
  const sms = readProviderConfig(smsKind, env, problems, outbox);
  // Web Push needs nothing an operator must supply (its keys are generated), so off this machine it is the default
  // rather than a reason not to start.
  const pushEnv = outbox.allowed || env.PUSH_PROVIDER ? env : { ...env, PUSH_PROVIDER: 'web-push' };
  const push = readProviderConfig(pushKind, pushEnv, problems, outbox);
  if (push?.fcmServiceAccountFile) {
    try {
      readServiceAccount(push.fcmServiceAccountFile);
    } catch (error) {
      for (const problem of (error as ConfigError).problems ?? [String(error)]) problems.add(problem);
    }
  }

  // A part is missing only when a problem says why; checking both also narrows the types.
  if (!settings || !email || !sms || !push || !temporalTransport || problems.any) throw new ConfigError(problems.list);
  return { ...settings, email, sms, push, temporalTransport };
}
