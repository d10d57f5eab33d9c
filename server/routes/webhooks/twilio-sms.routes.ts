import express, { Router } from 'express';
import twilio from 'twilio';
import type { Logger } from '../../../common/logger';
import type { TwilioMessagesStore } from '../../db/twilio-messages.store';
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
  /** The account and number this instance is: a request signed for another of the MSP's numbers is not ours. */
  accountSid: string;
  serviceNumber: string;
  messages: Pick<TwilioMessagesStore, 'firstSighting' | 'forget'>;
  logger: Logger;
}

const MESSAGE_SID = /^(SM|MM)[0-9a-f]{32}$/i;

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
    // The same auth token may sign for every number and subaccount of the MSP's Twilio account.
    if (single(params.AccountSid) !== deps.accountSid || single(params.To) !== deps.serviceNumber) {
      deps.logger.warn('Refused an inbound SMS webhook for another Twilio account or number');
      return void response.status(403).type('text/plain').send('Not addressed to this service');
    }
    const messageSid = single(params.MessageSid);
    if (!MESSAGE_SID.test(messageSid)) {
      return void response.status(400).type('text/plain').send('MessageSid is missing or malformed');
    }
    if (!(await deps.messages.firstSighting(messageSid))) {
      // Twilio's retry after a timeout, or a replay: acted on once already, so nothing more, and no second reply.
      deps.logger.info('Ignored an inbound SMS webhook already handled', { messageSid });
      return void response.status(200).type('text/xml').send(messagingTwiml(null));
    }
    let reply: string | null;
    try {
      reply = await deps.inbound.handle({ from: single(params.From), body: single(params.Body) });
    } catch (error) {
      await deps.messages.forget(messageSid);
      throw error;
    }
    response.status(200).type('text/xml').send(messagingTwiml(reply));
  });

  return router;
}

function single(value: string | string[] | undefined): string {
  return typeof value === 'string' ? value : '';
}
