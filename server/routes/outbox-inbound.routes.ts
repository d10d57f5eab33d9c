import express, { Router, type Response } from 'express';
import { InputError } from '../../common/errors';
import type { Outbox } from '../../plugins/dev-outbox/outbox';
import type { Csrf } from '../http/csrf';
import type { RenderPage } from '../http/page-renderer';
import type { InboundSmsService } from '../services/inbound-sms.service';
import { normalisePhoneNumber } from '../services/phone-number';

export interface OutboxInboundRoutesDeps {
  inbound: Pick<InboundSmsService, 'handle'>;
  outbox: Outbox;
  csrf: Csrf;
  render: RenderPage;
  serviceNumber: string;
  defaultPhoneRegion: string;
}

/**
 * The development stand-in for a phone texting the service number, mounted only when SMS goes to the outbox,
 * so that `npm start` users can try RESET, HELP and STOP without a Twilio account. It drives the same service
 * as the Twilio webhook, and files the reply in the outbox as Twilio would deliver it.
 */
export function outboxInboundRoutes(deps: OutboxInboundRoutesDeps): Router {
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: '4kb', parameterLimit: 10 });

  const show = (response: Response, status: number, context: Record<string, unknown>) =>
    void response
      .status(status)
      .type('html')
      .send(
        deps.render('outbox-inbound', {
          title: 'Text the service number',
          serviceNumber: deps.serviceNumber,
          ...context,
        }),
      );

  router.get('/', (request, response) => show(response, 200, { csrf: deps.csrf.issue(request, response, null) }));

  router.post('/', form, async (request, response) => {
    deps.csrf.verify(request, null);
    const typedFrom = typeof request.body.from === 'string' ? (request.body.from as string) : '';
    const body = typeof request.body.body === 'string' ? (request.body.body as string) : '';
    const csrf = deps.csrf.issue(request, response, null);
    let from: string;
    try {
      from = normalisePhoneNumber(typedFrom, deps.defaultPhoneRegion);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      return show(response, 422, { csrf, error: error.message, from: typedFrom.slice(0, 32) });
    }
    const reply = await deps.inbound.handle({ from, body });
    if (reply !== null) deps.outbox.add({ channel: 'sms', to: from, from: deps.serviceNumber, text: reply });
    // The body is not echoed back: it may hold a PIN, and this page can sit open on a shared screen.
    show(response, 200, { csrf, from, sent: true, reply });
  });

  return router;
}
