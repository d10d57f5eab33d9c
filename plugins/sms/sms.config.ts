import { z } from 'zod';
import { kindSettings } from '../provider-config';

/** The number users receive texts from and text RESET to; every SMS provider sends from it. */
export const e164Number = z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number such as +15005550006');

export interface SmsSettings {
  serviceNumber: string;
}

export const smsSettings = kindSettings(
  { SMS_SERVICE_NUMBER: e164Number.default('+15005550006') },
  (vars): SmsSettings => ({ serviceNumber: vars.SMS_SERVICE_NUMBER }),
);
