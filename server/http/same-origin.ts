import type { Request } from 'express';

/**
 * Whether a form post came from a page of another origin. Browsers say so in `Sec-Fetch-Site`, which no page can
 * set; "same-site" is refused too, since a sibling subdomain is another party whose cookies SameSite lets through.
 * A browser too old to send it sends `Origin`, which must then be this server's; `Origin: null` is what our own
 * pages send under `Referrer-Policy: no-referrer`, so it says nothing and the CSRF token decides. Clients that
 * are not browsers send neither, and hold no victim's cookies to abuse.
 */
export function isCrossSite(request: Request, publicOrigin: string): boolean {
  const site = request.get('sec-fetch-site');
  if (site !== undefined) return site !== 'same-origin' && site !== 'none';
  const origin = request.get('origin');
  if (origin === undefined || origin === 'null') return false;
  // The address the request was sent to passed the Host check, so it is the public host or this machine's own.
  return origin !== publicOrigin && origin !== `${request.protocol}://${request.get('host')}`;
}
