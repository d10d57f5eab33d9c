import type { Request } from 'express';
import { AuthenticationError } from '../../common/errors';
import type { ApiKeyRole } from '../../common/domain/api-key-roles';
import type { AuthenticatedApiKey } from '../db/api-keys.store';
import type { Scope } from '../db/scope';

/** The API key behind a request: its scope, role and id. */
export type ApiPrincipal = AuthenticatedApiKey;

/** A technician signed in to the console: MSP-wide, with one of the API keys' roles. */
export interface TechnicianPrincipal extends Scope {
  technicianId: string;
  role: ApiKeyRole;
}

/** Whoever the permission table judges: an API key or a technician. */
export type Principal = ApiPrincipal | TechnicianPrincipal;

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
