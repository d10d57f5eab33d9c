import type { Request } from 'express';

/** Express 5 has no cookie parser built in, and the pages need only a couple of named cookies. */
export function readCookie(request: Request, name: string): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const separator = part.indexOf('=');
    if (separator < 0) continue;
    if (part.slice(0, separator).trim() === name) {
      try {
        return decodeURIComponent(part.slice(separator + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/**
 * A cookie's name as served: `__Host-<name>` under https. A browser accepts such a cookie only when it is Secure,
 * for path /, and set by this very host without a Domain, so a sibling subdomain cannot plant one of ours for
 * the page to read first (cookie tossing). Plain http cannot have the prefix: browsers refuse it without Secure.
 */
export function cookieName(name: string, https: boolean): string {
  return https ? `__Host-${name}` : name;
}
