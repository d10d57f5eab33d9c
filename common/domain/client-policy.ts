import { z } from 'zod';
import { DEFAULT_UNLOCKS_PER_HOUR } from './lockout';

/** Bounds on generated passwords, checked where a client sets its policy and again where the password is made. */
export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 64;

/**
 * Per-client settings an MSP can change through the API. Stored as given (only what was set), and read through
 * `resolveClientPolicy`, so a default changed here applies to every client that never overrode it.
 */
export const clientSettingsSchema = z
  .object({
    displayName: z.string().trim().min(1).max(200).optional(),
    /** Length of generated one-time passwords. */
    passwordLength: z.number().int().min(MIN_PASSWORD_LENGTH).max(MAX_PASSWORD_LENGTH).optional(),
    /** Make the user choose their own password at next logon (pwdLastSet=0). */
    mustChangeAtNextLogon: z.boolean().optional(),
    /** A reset also clears a lockout. */
    unlockOnReset: z.boolean().optional(),
    /**
     * SMS resets must carry the user's PIN ("RESET 4821"), chosen at SMS enrollment. On by default; clients created
     * before that default have `false` written into their settings by a migration, so they keep what they had.
     */
    requireSmsPin: z.boolean().optional(),
    /** Resets one user may have in an hour before further requests are refused (and audited). */
    resetsPerHour: z.number().int().min(1).max(100).optional(),
    /** Wrong PINs in a row after which SMS RESET is locked for that user (the owner is emailed). */
    smsPinMaxFailures: z.number().int().min(1).max(20).optional(),
    /** How long that lock lasts, unless a technician lifts it sooner. */
    smsPinLockMinutes: z
      .number()
      .int()
      .min(1)
      .max(30 * 24 * 60)
      .optional(),
    /**
     * The countries (ISO 3166 alpha-2) whose numbers may enroll and be sent codes. Unset: the instance's
     * SMS_ALLOWED_COUNTRIES, and when that is unset too, any country.
     */
    smsCountries: z
      .array(z.string().regex(/^[A-Z]{2}$/, 'must be a two-letter ISO country code such as US or GB'))
      .min(1)
      .max(250)
      .optional(),
    /** Texts Latchkey may send for this client in 24 hours; then sending stops and the MSP is alerted. */
    smsPerDay: z.number().int().min(1).max(1_000_000).optional(),
    /** Unlocks one user may ask for in an hour (app, SMS or technician alike); past it, a reset is the way. */
    unlocksPerHour: z.number().int().min(1).max(100).optional(),
  })
  .strict();

export type ClientSettings = z.infer<typeof clientSettingsSchema>;

export interface ClientPolicy {
  passwordLength: number;
  mustChangeAtNextLogon: boolean;
  unlockOnReset: boolean;
  requireSmsPin: boolean;
  resetsPerHour: number;
  smsPinMaxFailures: number;
  smsPinLockMinutes: number;
  unlocksPerHour: number;
  /** Undefined: the instance's setting decides. */
  smsCountries?: string[];
  /** Undefined: the instance's SMS_DAILY_LIMIT_PER_CLIENT. */
  smsPerDay?: number;
}

export const DEFAULT_CLIENT_POLICY: ClientPolicy = {
  passwordLength: 12,
  mustChangeAtNextLogon: true,
  unlockOnReset: true,
  requireSmsPin: true,
  resetsPerHour: 5,
  smsPinMaxFailures: 5,
  smsPinLockMinutes: 24 * 60,
  unlocksPerHour: DEFAULT_UNLOCKS_PER_HOUR,
};

/** The countries a client's codes may go to: its own list, else the instance's; undefined allows any. */
export function allowedSmsCountries(policy: ClientPolicy, instance: readonly string[] | undefined) {
  return policy.smsCountries ?? instance;
}

export function resolveClientPolicy(settings: ClientSettings | null | undefined): ClientPolicy {
  return {
    ...DEFAULT_CLIENT_POLICY,
    ...Object.fromEntries(Object.entries(settings ?? {}).filter(([, v]) => v !== undefined)),
  } as ClientPolicy;
}
