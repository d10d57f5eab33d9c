import type { Request } from 'express';
import { NotFoundError } from '../../../common/errors';
import type { ClientRow, TenantsStore } from '../../db/tenants.store';
import { principalOf } from '../../http/request-context';
import { parseInput } from '../../http/validate';
import { uuid } from './schemas';

/** The path's client, if the caller's key may see it; another tenant's client is "not found", never "forbidden". */
export async function clientInScope(tenants: TenantsStore, request: Request): Promise<ClientRow> {
  const clientId = parseInput(uuid, request.params.clientId, 'path.clientId');
  const client = await tenants.getClient(principalOf(request), clientId);
  if (!client) throw new NotFoundError('Client');
  return client;
}
