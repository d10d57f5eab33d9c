import { Router } from 'express';
import type { Outbox } from '../../plugins/dev-outbox/outbox';
import type { RenderPage } from '../http/page-renderer';
import { outboxInboundRoutes, type OutboxInboundRoutesDeps } from './outbox-inbound.routes';

/** The development message catcher. Mounted only when email or SMS goes to the outbox; texts in only when SMS does. */
export function outboxRoutes(deps: {
  outbox: Outbox;
  render: RenderPage;
  inboundSms?: Omit<OutboxInboundRoutesDeps, 'outbox' | 'render'>;
}): Router {
  const router = Router();
  router.get('/', (_request, response) => {
    const messages = deps.outbox
      .list()
      .slice(0, 200)
      .map((m) => ({ ...m, sentAt: m.sentAt.toISOString() }));
    response.type('html').send(
      deps.render('outbox', {
        title: 'Outbox',
        messages,
        count: deps.outbox.count(),
        inboundSms: Boolean(deps.inboundSms),
      }),
    );
  });
  if (deps.inboundSms)
    router.use('/inbound', outboxInboundRoutes({ ...deps.inboundSms, outbox: deps.outbox, render: deps.render }));
  router.get('/messages.json', (request, response) => {
    const to = typeof request.query.to === 'string' ? request.query.to : undefined;
    response.json({ items: deps.outbox.list({ to }).slice(0, 500) });
  });
  return router;
}
