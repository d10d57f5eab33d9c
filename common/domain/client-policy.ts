import { z } from 'zod';

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
    /** SMS resets must carry the user's PIN ("RESET 4821"), chosen at SMS enrollment. */
    requireSmsPin: z.boolean().optional(),
    /** Resets one user may have in an hour before further requests are refused (and audited). */
    resetsPerHour: z.number().int().min(1).max(100).optional(),
  })
  .strict();

export type ClientSettings = z.infer<typeof clientSettingsSchema>;

export interface ClientPolicy {
  passwordLength: number;
  mustChangeAtNextLogon: boolean;
  unlockOnReset: boolean;
  requireSmsPin: boolean;
  resetsPerHour: number;
}

export const DEFAULT_CLIENT_POLICY: ClientPolicy = {
  passwordLength: 12,
  mustChangeAtNextLogon: true,
  unlockOnReset: true,
  requireSmsPin: false,
  resetsPerHour: 5,
};

export function resolveClientPolicy(settings: ClientSettings | null | undefined): ClientPolicy {
  return {
    ...DEFAULT_CLIENT_POLICY,
    ...Object.fromEntries(Object.entries(settings ?? {}).filter(([, v]) => v !== undefined)),
  } as ClientPolicy;
}
