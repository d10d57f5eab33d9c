import { AsyncLocalStorage } from 'node:async_hooks';
import RequestClient from 'twilio/lib/base/RequestClient';

export interface TwilioHttpClientOptions extends RequestClient.RequestClientOptions {
  /** Send every request here instead of *.twilio.com (a local fake, or a relay in a locked-down network). */
  baseUrl?: string;
}

/** Where a single API call leaves the response headers that the SDK's exceptions drop. */
export interface ObservedResponse {
  statusCode?: number;
  headers?: Record<string, unknown>;
}

const observed = new AsyncLocalStorage<ObservedResponse>();

/**
 * Runs one SDK call so that the response headers of its HTTP request land in `into`. The SDK's RestException keeps
 * only the body, yet Retry-After lives in a header; an async-local slot (rather than the client's shared
 * lastResponse) stays correct when several sends are in flight on the same client.
 */
export function observeTwilioResponse<T>(into: ObservedResponse, call: () => Promise<T>): Promise<T> {
  return observed.run(into, call);
}

/** The SDK's own axios-based client, with the request target rebased and the response headers observed. */
export class TwilioHttpClient extends RequestClient {
  private readonly baseUrl: URL | undefined;

  constructor({ baseUrl, ...options }: TwilioHttpClientOptions = {}) {
    super(options);
    this.baseUrl = baseUrl ? new URL(baseUrl) : undefined;
  }

  override async request<TData>(opts: RequestClient.RequestOptions<TData>) {
    const uri = this.baseUrl ? rebase(opts.uri, this.baseUrl) : opts.uri;
    const response = await super.request({ ...opts, uri });
    const slot = observed.getStore();
    if (slot) {
      slot.statusCode = response.statusCode;
      slot.headers = response.headers as Record<string, unknown>;
    }
    return response;
  }
}

/** Keeps the API path and query; only scheme, host and port come from the base. */
function rebase(uri: string, base: URL): string {
  const original = new URL(uri);
  return new URL(original.pathname + original.search, base.origin).href;
}
