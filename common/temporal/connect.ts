import { Client, Connection } from '@temporalio/client';
import type { KeyRing } from '../crypto/keys';
import { createDataConverter } from './data-converter';

export interface TemporalClientOptions {
  address: string;
  namespace: string;
  codecKeys: KeyRing;
}

export async function connectTemporalClient(options: TemporalClientOptions): Promise<Client> {
  const connection = await Connection.connect({ address: options.address });
  return new Client({
    connection,
    namespace: options.namespace,
    dataConverter: createDataConverter(options.codecKeys),
  });
}
