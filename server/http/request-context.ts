import type { Request } from 'express';
import { AuthenticationError } from '../../common/errors';
import type { AuthenticatedApiKey } from '../db/api-keys.store';

/** The API key behind a request: its scope, role and id. */
export type ApiPrincipal = AuthenticatedApiKey;

/** Set by the API-key middleware; every API handler reads its tenant scope from here and nowhere else. */
export function principalOf(request: Request): ApiPrincipal {
  const principal = (request as Request & { principal?: ApiPrincipal }).principal;
  if (!principal) throw new AuthenticationError();
  return principal;
}

export function setPrincipal(request: Request, principal: ApiPrincipal): void {
  (request as Request & { principal?: ApiPrincipal }).principal = principal;
}

export function actorOf(request: Request): string {
  return `api-key:${principalOf(request).apiKeyId}`;
}
