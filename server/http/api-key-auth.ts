import type { RequestHandler } from 'express';
import { AuthenticationError } from '../../common/errors';
import type { ApiKeysStore } from '../db/api-keys.store';
import { bearerToken } from './bearer-token';
import { setPrincipal } from './request-context';

export function requireApiKey(apiKeys: ApiKeysStore): RequestHandler {
  return async (request, _response, next) => {
    const token = bearerToken(request);
    if (!token) throw new AuthenticationError();
    const principal = await apiKeys.authenticate(token);
    if (!principal) throw new AuthenticationError('The API key is not valid or has been revoked');
    setPrincipal(request, principal);
    next();
  };
}
