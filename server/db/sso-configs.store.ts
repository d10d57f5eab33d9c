import type { Database } from './connect';

/** An MSP's OIDC identity provider, as the console's single sign-on uses it. The secret stays sealed here. */
export interface SsoConfig {
  mspId: string;
  issuer: string;
  clientId: string;
  clientSecretSealed: string;
  /** Lower-case; each names this MSP only. */
  domains: string[];
  updatedAt: Date;
}

export type NewSsoConfig = Omit<SsoConfig, 'updatedAt'>;

/** Per-MSP single sign-on settings, and the email domains that lead a sign-in to them. */
export class SsoConfigsStore {
  constructor(private readonly db: Database) {}

  async get(mspId: string): Promise<SsoConfig | undefined> {
    const row = await this.db('msp_sso_configs').where({ msp_id: mspId }).first();
    if (!row) return undefined;
    const domains: string[] = await this.db('msp_sso_domains')
      .where({ msp_id: mspId })
      .orderBy('domain')
      .pluck('domain');
    return {
      mspId: row.msp_id,
      issuer: row.issuer,
      clientId: row.client_id,
      clientSecretSealed: row.client_secret_sealed,
      domains,
      updatedAt: new Date(row.updated_at),
    };
  }

  /** The MSP whose identity provider vouches for this (lower-case) domain, if any. */
  async mspOfDomain(domain: string): Promise<string | undefined> {
    const row = await this.db('msp_sso_domains').where({ domain }).first('msp_id');
    return (row as { msp_id: string } | undefined)?.msp_id;
  }

  /**
   * Sets the MSP's provider and replaces its domains, in one transaction; a domain another MSP holds is refused
   * and nothing is written.
   */
  async save(config: NewSsoConfig): Promise<{ saved: true } | { saved: false; taken: string[] }> {
    return this.db.transaction(async (trx) => {
      const taken: string[] = await trx('msp_sso_domains')
        .whereIn('domain', config.domains)
        .whereNot({ msp_id: config.mspId })
        .forUpdate()
        .pluck('domain');
      if (taken.length > 0) return { saved: false, taken };
      await trx('msp_sso_configs')
        .insert({
          msp_id: config.mspId,
          issuer: config.issuer,
          client_id: config.clientId,
          client_secret_sealed: config.clientSecretSealed,
        })
        .onConflict('msp_id')
        .merge({
          issuer: config.issuer,
          client_id: config.clientId,
          client_secret_sealed: config.clientSecretSealed,
          updated_at: trx.fn.now(),
        });
      await trx('msp_sso_domains').where({ msp_id: config.mspId }).delete();
      await trx('msp_sso_domains').insert(config.domains.map((domain) => ({ domain, msp_id: config.mspId })));
      return { saved: true };
    });
  }

  /** Turns single sign-on off for the MSP; its domains go with it. */
  async remove(mspId: string): Promise<boolean> {
    // By the rows returned, not the count: PGlite counts the cascaded domain rows too.
    const removed = await this.db('msp_sso_configs').where({ msp_id: mspId }).delete().returning('msp_id');
    return removed.length === 1;
  }
}
