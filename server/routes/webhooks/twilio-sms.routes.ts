import express, { Router } from 'express';
import twilio from 'twilio';
import type { Logger } from '../../../common/logger';
import type { InboundSmsService } from '../../services/inbound-sms.service';
import { messagingTwiml } from './twiml';

export interface TwilioSmsRoutesDeps {
  inbound: Pick<InboundSmsService, 'handle'>;
  authToken: string;
  /**
   * The exact URL configured in Twilio, which is what Twilio signs. It comes from LATCHKEY_PUBLIC_URL and never
   * from the request: a Host header is the sender's to choose, and checking against it would let any signature
   * made for some other URL of the attacker's pass here.
   */
  webhookUrl: string;
  logger: Logger;
}

/** Twilio's "A message comes in" webhook. Nothing is read or written before the signature checks out. */
export function twilioSmsRoutes(deps: TwilioSmsRoutesDeps): Router {
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 100 });

  router.post('/', form, async (request, response) => {
    const params = (request.body ?? {}) as Record<string, string | string[]>;
    const signature = request.get('X-Twilio-Signature') ?? '';
    if (!signature || !twilio.validateRequest(deps.authToken, signature, deps.webhookUrl, params)) {
      // No sender or body in the log: a forged request's content is the forger's, and a real one's is personal.
      deps.logger.warn('Refused an inbound SMS webhook whose signature does not match', {
        hasSignature: signature !== '',
      });
      return void response.status(403).type('text/plain').send('Invalid signature');
    }
    const reply = await deps.inbound.handle({ from: single(params.From), body: single(params.Body) });
    response.status(200).type('text/xml').send(messagingTwiml(reply));
  });

  return router;
}

function single(value: string | string[] | undefined): string {
  return typeof value === 'string' ? value : '';
}
