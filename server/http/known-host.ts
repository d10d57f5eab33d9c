import type { Request, RequestHandler } from 'express';
import { isLoopbackHost } from '../../common/loopback-host';

/**
 * A `Host` header read as a URL's authority: its `host` is lower case and without the scheme's default port, as a
 * browser puts it in `Host`, and its `hostname` is the name alone.
 */
function parsedHost(protocol: string, host: string): URL | undefined {
  try {
    return new URL(`${protocol}//${host}`);
  } catch {
    return undefined;
  }
}

/** The peer of the TCP connection itself, never a forwarded address: only this machine can be loopback here. */
function fromThisMachine(request: Request): boolean {
  const peer = (request.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
  return isLoopbackHost(peer);
}

/**
 * Answers 421 to a request addressed to any host but the public URL's. A DNS-rebinding page points its own
 * name at this server, and its browser then sends that name in `Host`; refusing it keeps such a page from
 * reading anything here as if it were the page's own origin. A request from this machine may also use a
 * loopback name (localhost, 127.0.0.1, [::1], any port), so that `npm start` answers at both localhost and
 * 127.0.0.1 and tests reach the port they were given: a rebinding page never sends a loopback name, since its
 * browser always names the attacker's host.
 */
export function requireKnownHost(publicUrl: string): RequestHandler {
  const { protocol, host: publicHost } = new URL(publicUrl);
  return (request, response, next) => {
    const host = parsedHost(protocol, request.headers.host ?? '');
    const loopbackName = host !== undefined && isLoopbackHost(host.hostname);
    if (host?.host === publicHost || (loopbackName && fromThisMachine(request))) return next();
    response.status(421).type('text').send(`This server does not answer for that host name. Use ${publicHost}.\n`);
  };
}
