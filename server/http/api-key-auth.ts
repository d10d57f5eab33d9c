import type { RequestHandler } from 'express';
import { AuthenticationError } from '../../common/errors';
import type { ApiKeysStore } from '../db/api-keys.store';
import { setPrincipal } from './request-context';

export function requireApiKey(apiKeys: ApiKeysStore): RequestHandler {
  return async (request, _response, next) => {
    const header = request.get('authorization') ?? '';
    const [scheme, token] = header.split(' ');
    if (scheme?.toLowerCase() !== 'bearer' || !token) throw new AuthenticationError();
    const principal = await apiKeys.authenticate(token);
    if (!principal) throw new AuthenticationError('The API key is not valid or has been revoked');
    setPrincipal(request, principal);
    next();
  };
}
