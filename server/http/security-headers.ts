import type { RequestHandler } from 'express';

/** A year: long enough that a browser which saw the site once never tries plain http again. */
const HSTS = 'max-age=31536000';

/**
 * Headers on every response, error pages and API answers included. Nothing Latchkey serves may be cached: its
 * pages and answers carry activation tokens, codes, agent tokens and decoded payloads, and a shared or back-button
 * cache would hand them to the next person. HSTS only when browsers are given an https:// address; over http a
 * browser ignores it, and sending it there would promise what the deployment does not keep.
 */
export function securityHeaders(options: { https: boolean }): RequestHandler {
  return (_request, response, next) => {
    response.setHeader('X-Content-Type-Options', 'nosniff');
    response.setHeader('X-Frame-Options', 'DENY');
    response.setHeader('Referrer-Policy', 'no-referrer');
    response.setHeader(
      'Content-Security-Policy',
      "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    response.setHeader('Cache-Control', 'no-store');
    if (options.https) response.setHeader('Strict-Transport-Security', HSTS);
    next();
  };
}
