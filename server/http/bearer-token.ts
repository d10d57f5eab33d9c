import type { Request } from 'express';

const BEARER = /^bearer +(\S+) *$/i;

/**
 * The token of an `Authorization: Bearer <token>` header (RFC 6750 §2.1; the scheme is case-insensitive), or
 * undefined when there is none. Whether the token is any good is for the caller to decide.
 */
export function bearerToken(request: Request): string | undefined {
  return BEARER.exec(request.get('authorization') ?? '')?.[1];
}
