import { Client, ResultCodeError, type ClientOptions } from 'ldapts';
import { ProviderError } from '../../errors';
import type { ActiveDirectoryConfig } from './active-directory.config';
import { tlsOptionsFor } from './tls-options';
import { LDAPTS_CLOSED_TEXT, toProviderError, type DirectoryErrorContext } from './to-provider-error';

export type CreateLdapClient = (options: ClientOptions) => Client;

/**
 * One bound service-account connection, kept open and shared by every call. A TLS handshake plus bind per
 * operation roughly doubles the latency of a reset (about 51 ms against 22 ms on the reference DC), and LDAP
 * multiplexes concurrent requests over one connection anyway.
 */
export class LdapConnection {
  private client: Client | undefined;
  private connecting: Promise<Client> | undefined;
  private closed = false;
  private bindCount = 0;

  constructor(
    private readonly config: ActiveDirectoryConfig,
    private readonly createClient: CreateLdapClient = (options) => new Client(options),
  ) {}

  /**
   * Runs `operation` on the bound connection. Every operation the provider sends is idempotent (AD applies
   * no password history to an administrative reset), so one that fails because the connection had silently
   * died is sent again once on a new connection.
   */
  async run<T>(context: DirectoryErrorContext, operation: (client: Client) => Promise<T>): Promise<T> {
    const fullContext = { url: this.config.url, bindDn: this.config.bindDn, baseDn: this.config.baseDn, ...context };
    try {
      const client = await this.bound();
      try {
        return await operation(client);
      } catch (error) {
        if (!isTransportFailure(error)) throw error;
        await this.discard(client);
        if (!isStaleConnection(error)) throw error;
        return await operation(await this.bound());
      }
    } catch (error) {
      throw toProviderError(error, this.config.id, fullContext);
    }
  }

  /** How many times a connection was bound: a change tells a watch that it reconnected since it last looked. */
  get connections(): number {
    return this.bindCount;
  }

  async close(): Promise<void> {
    this.closed = true;
    const pending = this.connecting;
    this.connecting = undefined;
    await pending?.catch(() => undefined);
    if (this.client) await this.discard(this.client);
  }

  private async bound(): Promise<Client> {
    if (this.closed) throw new Error('this directory provider has been closed');
    // isBound turns false when the server drops the socket; ldapts would otherwise reconnect unauthenticated.
    if (this.client?.isBound) return this.client;
    if (this.client) await this.discard(this.client);
    this.connecting ??= this.connect().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async connect(): Promise<Client> {
    const { config } = this;
    const client = this.createClient({
      url: config.url,
      connectTimeout: config.connectTimeoutMs,
      timeout: config.operationTimeoutMs,
      // With ldap:// any tlsOptions here would make ldapts speak TLS straight away on port 389.
      ...(config.startTls ? {} : { tlsOptions: tlsOptionsFor(config) }),
    });
    try {
      if (config.startTls)
        await withDeadline(client.startTLS(tlsOptionsFor(config)), config.connectTimeoutMs, 'StartTLS');
      await client.bind(config.bindDn, config.bindPassword);
    } catch (error) {
      // An open socket would keep the process alive and hold a slot on the DC.
      await client.unbind().catch(() => undefined);
      throw error;
    }
    if (this.closed) {
      await client.unbind().catch(() => undefined);
      throw new Error('this directory provider has been closed');
    }
    this.client = client;
    this.bindCount += 1;
    return client;
  }

  private async discard(client: Client): Promise<void> {
    if (this.client === client) this.client = undefined;
    await client.unbind().catch(() => undefined);
  }
}

function isTransportFailure(error: unknown): boolean {
  return error instanceof Error && !(error instanceof ResultCodeError) && !(error instanceof ProviderError);
}

function isStaleConnection(error: unknown): boolean {
  return error instanceof Error && LDAPTS_CLOSED_TEXT.test(error.message);
}

/** ldapts bounds the TCP connect and each request, but not the TLS upgrade in between. */
async function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: Connection timeout after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
