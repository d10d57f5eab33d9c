import type { RequestHandler } from 'express';
import { AuthenticationError } from '../../common/errors';
import type { ApiKeysStore } from '../db/api-keys.store';
import { bearerToken } from './bearer-token';
import { setPrincipal } from './request-context';

export function requireApiKey(apiKeys: Pick<ApiKeysStore, 'authenticate'>): RequestHandler {
  return async (request, _response, next) => {
    const token = bearerToken(request);
    if (!token) throw new AuthenticationError();
    const check = await apiKeys.authenticate(token);
    if (check.status === 'expired')
      throw new AuthenticationError('The API key has expired; issue a new one', 'api_key_expired');
    if (check.status !== 'valid') throw new AuthenticationError('The API key is not valid or has been revoked');
    setPrincipal(request, check.key);
    next();
  };
}
