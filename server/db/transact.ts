import { AuditStore } from './audit.store';
import type { Database } from './connect';
import { DevicesStore } from './devices.store';
import { EnrollmentsStore } from './enrollments.store';
import { PairingTokensStore } from './pairing-tokens.store';
import { UsersStore } from './users.store';

/** The concrete stores a transaction hands out; they satisfy the activities' TransactionalStores port. */
export interface StoresInTransaction {
  users: UsersStore;
  enrollments: EnrollmentsStore;
  audit: AuditStore;
  devices: DevicesStore;
  pairingTokens: PairingTokensStore;
}

/**
 * Runs `work` in one transaction, over stores bound to it, so that callers outside server/db (the activities)
 * get writes that land together without holding a knex handle. A throw rolls every write back.
 */
export function createTransact(db: Database) {
  return <T>(work: (stores: StoresInTransaction) => Promise<T>): Promise<T> =>
    db.transaction((trx) =>
      work({
        users: new UsersStore(trx),
        enrollments: new EnrollmentsStore(trx),
        audit: new AuditStore(trx),
        devices: new DevicesStore(trx),
        pairingTokens: new PairingTokensStore(trx),
      }),
    );
}
