import { Router } from 'express';
import type { RateLimitStore } from '../../../db/rate-limit.store';
import { pairingOf, type PairingCredentials } from '../../../http/device-auth';
import { limitPerIp } from '../../../http/ip-rate-limit';
import { parseInput } from '../../../http/validate';
import type { Secrets } from '../../../../common/crypto/secrets';
import type { PairingService } from '../../../services/devices/pairing.service';
import { redeemBody } from './device-schemas';

export interface PairingsRoutesDeps {
  pairing: PairingService;
  pairingCredentials: PairingCredentials;
  rateLimits: RateLimitStore;
  secrets: Secrets;
  requestsPerIpPerMinute: number;
}

export function pairingsRoutes(deps: PairingsRoutesDeps): Router {
  const router = Router();
  // A token is 256 bits and single use, so guessing is hopeless; the limit stops a flood costing database work.
  const perIp = limitPerIp({
    store: deps.rateLimits,
    secrets: deps.secrets,
    perMinute: deps.requestsPerIpPerMinute,
    bucket: 'pairing-redeem',
  });

  router.post('/pairings/redeem', perIp, async (request, response) => {
    const body = parseInput(redeemBody, request.body ?? {});
    const { view, pairingSecret } = await deps.pairing.redeem(body.token);
    deps.pairingCredentials.set(response, view.pairingId, pairingSecret);
    response.json({ ...view, pairingSecret });
  });

  router.get('/pairings/current', deps.pairingCredentials.required(), async (request, response) => {
    response.json(await deps.pairing.view(pairingOf(request)));
  });

  return router;
}
