import { z } from 'zod';
import { kindSettings } from '../provider-config';

/** What every email provider takes, whichever is chosen: the sender address. */
export interface EmailSettings {
  from: string;
}

export const emailSettings = kindSettings(
  { EMAIL_FROM: z.string().min(1).default('Latchkey <no-reply@latchkey.invalid>') },
  (vars): EmailSettings => ({ from: vars.EMAIL_FROM }),
);
