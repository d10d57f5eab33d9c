import type { Request, RequestHandler, Response } from 'express';
import { PAIRING_TOKEN_TTL_MS } from '../../common/domain/device';
import { ForbiddenError } from '../../common/errors';
import type { DeviceRow } from '../db/devices.store';
import type { PairingTokenRow } from '../db/pairing-tokens.store';
import type { DeviceAuthService } from '../services/devices/device-auth.service';
import type { PairingService } from '../services/devices/pairing.service';
import { cookieName, readCookie } from './cookies';
import { isCrossSite } from './same-origin';

const schemeValue = (request: Request, scheme: string) =>
  new RegExp(`^${scheme} +(\\S+) *$`, 'i').exec(request.get('authorization') ?? '')?.[1];

/**
 * `Authorization: Device <deviceId>.<deviceSecret>`, for every device route, W's resets routes included: a
 * wrong or missing credential is 401, a revoked device 403 device_revoked. The device is then `deviceOf(request)`.
 */
export function requireDevice(auth: DeviceAuthService): RequestHandler {
  return async (request, _response, next) => {
    const device = await auth.authenticate(schemeValue(request, 'device'));
    (request as Request & { device?: DeviceRow }).device = device;
    next();
  };
}

export function deviceOf(request: Request): DeviceRow {
  const device = (request as Request & { device?: DeviceRow }).device;
  if (!device) throw new Error('deviceOf() used on a route without requireDevice()');
  return device;
}

/**
 * The pairing a redeemed token became, from `Authorization: Pairing <id>.<secret>` or from the HttpOnly pairing
 * cookie that Safari hands the installed app on iOS. The cookie is SameSite=Strict, and a request carrying it
 * from another site is refused besides, so no other page can register a phone with it.
 */
export class PairingCredentials {
  private readonly cookie: string;

  constructor(
    private readonly pairing: PairingService,
    private readonly site: { https: boolean; publicOrigin: string },
  ) {
    this.cookie = cookieName('lk_pairing', site.https);
  }

  set(response: Response, pairingId: string, secret: string): void {
    response.cookie(this.cookie, `${pairingId}.${secret}`, {
      httpOnly: true,
      sameSite: 'strict',
      secure: this.site.https,
      path: '/',
      maxAge: PAIRING_TOKEN_TTL_MS,
    });
  }

  clear(response: Response): void {
    response.clearCookie(this.cookie, { path: '/', secure: this.site.https });
  }

  required(): RequestHandler {
    return async (request, _response, next) => {
      let credential = schemeValue(request, 'pairing');
      if (!credential) {
        credential = readCookie(request, this.cookie);
        if (credential && isCrossSite(request, this.site.publicOrigin)) {
          throw new ForbiddenError('This request came from another site, so it was not accepted');
        }
      }
      (request as Request & { pairing?: PairingTokenRow }).pairing = await this.pairing.authenticate(credential);
      next();
    };
  }
}

export function pairingOf(request: Request): PairingTokenRow {
  const pairing = (request as Request & { pairing?: PairingTokenRow }).pairing;
  if (!pairing) throw new Error('pairingOf() used on a route without PairingCredentials.required()');
  return pairing;
}
